"""A team's or a function's mailbox names no person: an address made only of such words is not personal
data; one with a person's name in it is."""

from __future__ import annotations

import pytest

from metascan.detect.validators import not_role_mailbox


@pytest.mark.parametrize(
    "address",
    [
        "noc@acme.io",
        "billing-team+aws@acme.io",
        "cloud-platform@northwind.example",
        "payments-eng@northwind.example",
        "it-change@northwind.example",
        "data.platform@acme.io",
        "svc-backup@acme.io",
    ],
)
def test_role_and_team_mailboxes(address: str) -> None:
    assert not not_role_mailbox(address)


@pytest.mark.parametrize(
    "address",
    [
        "jane.doe@acme.io",
        "dev.patel@acme.io",
        "maria.data@acme.io",
        "grant.risk@acme.io",
        "ops.lindqvist@acme.io",
    ],
)
def test_a_persons_address_is_not_a_role_mailbox(address: str) -> None:
    assert not_role_mailbox(address)
