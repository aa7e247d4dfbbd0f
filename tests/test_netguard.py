"""The suite's network guard blocks everything but loopback (see tests/netguard.py)."""

from __future__ import annotations

import socket

import pytest
from netguard import NetworkAccessBlocked


def test_non_loopback_connections_and_lookups_are_blocked() -> None:
    with pytest.raises(NetworkAccessBlocked):
        socket.getaddrinfo("autoscaling.us-east-1.amazonaws.com", 443)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(NetworkAccessBlocked):
            s.connect(("169.254.169.254", 80))
    finally:
        s.close()


def test_loopback_is_allowed() -> None:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        client.connect(server.getsockname())
    finally:
        client.close()
        server.close()
