"""Keyed fingerprints, the key's storage, and redacted previews."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

import metascan
from metascan.errors import ConfigError
from metascan.fingerprint import Fingerprinter, default_key_path, load_key, redact

DOC = {
    "AutoScalingGroups": [
        {
            "AutoScalingGroupName": "cust-00123456789",
            "Tags": [{"Key": "CustomerAccount", "Value": "00482913375"}],
        }
    ]
}


def fingerprints(**options: object) -> list[str]:
    report = metascan.scan_responses([("s", DOC)], **options)  # type: ignore[arg-type]
    return sorted(f.fingerprint for f in report.findings)


def test_stable_with_the_same_key_and_different_with_another() -> None:
    a = fingerprints(fingerprint_key=b"key-one-0123456789")
    assert a == fingerprints(fingerprint_key=b"key-one-0123456789")
    assert len(a) == 2
    b = fingerprints(fingerprint_key=b"key-two-0123456789")
    assert not set(a) & set(b)


def test_fingerprint_covers_rule_resource_field_and_value() -> None:
    fp = Fingerprinter(b"k" * 32)
    base = fp.of("bank-account-number", "AutoScalingGroup", "g", "Tags[A].Value", "00482913375")
    assert base != fp.of("aws-account-id", "AutoScalingGroup", "g", "Tags[A].Value", "00482913375")
    assert base != fp.of("bank-account-number", "AutoScalingGroup", "h", "Tags[A].Value", "00482913375")
    assert base != fp.of("bank-account-number", "AutoScalingGroup", "g", "Tags[B].Value", "00482913375")
    assert base != fp.of("bank-account-number", "AutoScalingGroup", "g", "Tags[A].Value", "00482913376")
    # parts are separated, so shifting text between them changes the fingerprint
    assert fp.of("ab", "c") != fp.of("a", "bc")


def test_low_entropy_values_cannot_be_recovered_without_the_key() -> None:
    """An unkeyed hash of an 11-digit account number falls to brute force; ours needs the key."""
    import hashlib

    report = metascan.scan_responses([("s", DOC)], fingerprint_key=b"secret-key-never-shown")
    fps = {f.fingerprint for f in report.findings}
    for value in ("00482913375", "cust-00123456789", "00123456789"):
        assert hashlib.sha256(value.encode()).hexdigest() not in fps
        assert hashlib.sha1(value.encode()).hexdigest() not in fps
    text = json.dumps(report.to_dict())
    assert "secret-key-never-shown" not in text


def test_key_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METASCAN_FINGERPRINT_KEY", "from-env-0123456789")
    assert load_key() == b"from-env-0123456789"


def test_key_file_option(tmp_path: Path) -> None:
    key = tmp_path / "k"
    key.write_bytes(b"0123456789abcdef0123\n")
    key.chmod(0o600)
    assert load_key(key) == b"0123456789abcdef0123"
    short = tmp_path / "short"
    short.write_bytes(b"abc")
    short.chmod(0o600)
    with pytest.raises(ConfigError, match="holds 3 bytes; a fingerprint key needs at least 16"):
        load_key(short)
    with pytest.raises(ConfigError, match="cannot read the fingerprint key file"):
        load_key(tmp_path / "missing")


def test_user_key_is_created_once_private_and_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("METASCAN_FINGERPRINT_KEY")
    path = default_key_path()
    assert not path.exists()
    first = load_key()
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) == 64
    assert load_key() == first
    assert fingerprints() == fingerprints()


def test_key_id_is_stored_but_not_the_key() -> None:
    report = metascan.scan_responses([("s", DOC)], fingerprint_key=b"the-key-0123456789")
    doc = report.to_dict()
    assert doc["fingerprint_key_id"] == Fingerprinter(b"the-key-0123456789").key_id
    assert doc["fingerprint_key_id"] != Fingerprinter(b"other-key-0123456789").key_id
    assert "the-key-0123456789" not in json.dumps(doc)


@pytest.mark.parametrize(
    ("value", "preview"),
    [
        ("hunter2", "*******"),
        ("Tz7j6eB!", "T******!"),
        ("00482913375", "0*********5"),
        ("AKIAQ3EGUZCPT5LWRXNA", "AK****************NA"),
        ("Hk2/9xVq3LrT8wPz1mNc6bYd0sJf4gUe7aKo5iRt", "Hk2/********************************5iRt"),
    ],
)
def test_redact_shows_at_most_a_quarter_and_four_characters_each_end(value: str, preview: str) -> None:
    out = redact(value)
    assert out == preview
    shown = sum(1 for a, b in zip(value, out, strict=True) if a == b and b != "*")
    assert shown <= len(value) // 4 and len(out) == len(value)


def test_the_scanners_compact_key_is_the_fingerprints_first_16_bytes() -> None:
    """`key_of` (what the scanner remembers per finding to report each value once) is the same MAC as the
    fingerprint, cut to 16 bytes: separated parts, keyed, and a third of the memory."""
    fp = Fingerprinter(b"k" * 32)
    parts = ("value", "AutoScalingGroup", "g", "", "", "Tags[A].Value", "00482913375")
    key = fp.key_of(*parts)
    assert isinstance(key, bytes) and len(key) == 16
    assert key == bytes.fromhex(fp.of(*parts))[:16]
    assert fp.key_of("ab", "c") != fp.key_of("a", "bc")
    assert key != Fingerprinter(b"j" * 32).key_of(*parts)
