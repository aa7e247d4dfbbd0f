"""Structure checks of vendor tokens (metascan/detect/vendor_checks.py): each accepts the structure its vendor
documents and rejects a value with one character changed.  Valid values are built here, from the documented
construction (Bech32 with its BCH checksum, Azure DevOps' CRC-32 placement), not copied from anywhere."""

from __future__ import annotations

import base64
import random
import uuid
import zlib

import pytest

from metascan.detect import vendor_checks as vc
from metascan.detect.validators import CHEAP_VALIDATORS, VALIDATORS

RNG = random.Random(20261130)
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _bech32_encode(hrp: str, data: bytes) -> str:
    """BIP 173 encoding: 8-bit groups regrouped into 5-bit words, then six checksum words."""
    acc = bits = 0
    words: list[int] = []
    for byte in data:
        acc, bits = (acc << 8) | byte, bits + 8
        while bits >= 5:
            bits -= 5
            words.append((acc >> bits) & 31)
    if bits:
        words.append((acc << (5 - bits)) & 31)
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    polymod = vc._bech32_polymod(expanded + words + [0] * 6) ^ 1
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_BECH32[w] for w in words + checksum)


def _age_key() -> str:
    return _bech32_encode("age-secret-key-", RNG.randbytes(32)).upper()


def _ado_pat(seed: int) -> str:
    body = RNG.randbytes(28)
    crc = zlib.crc32(body) ^ seed
    raw = bytearray(32)
    raw[0:2], raw[3:7], raw[9:22], raw[23:32] = body[0:2], body[2:6], body[6:19], body[19:28]
    raw[2], raw[7], raw[8], raw[22] = crc >> 24 & 255, crc >> 16 & 255, crc >> 8 & 255, crc & 255
    return base64.b32encode(bytes(raw)).decode().rstrip("=").lower()


def _changed(value: str, i: int, alphabet: str) -> str:
    """`value` with the character at `i` replaced by another one of `alphabet`."""
    other = next(c for c in alphabet if c != value[i])
    return value[:i] + other + value[i + 1 :]


def test_bech32_accepts_the_standards_test_vectors_and_rejects_broken_ones() -> None:
    # BIP 173's own valid examples, and the same strings with a changed, a mixed-case or a missing character.
    assert vc.bech32_valid("A12UEL5L", "a")
    assert vc.bech32_valid("a12uel5l", "a")
    assert vc.bech32_valid("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw", "abcdef")
    assert not vc.bech32_valid("a12uel5m", "a")
    assert not vc.bech32_valid("A12uEL5L", "a")
    assert not vc.bech32_valid("a12uel5l", "b")
    assert not vc.bech32_valid("a1uel5l", "a")


@pytest.mark.parametrize("position", [16, 30, 50, 73])
def test_age_secret_key_needs_a_valid_checksum(position: int) -> None:
    key = _age_key()
    assert key.startswith("AGE-SECRET-KEY-1") and len(key) == 74
    assert vc.age_secret_key(key)
    assert not vc.age_secret_key(_changed(key, position, _BECH32.upper()))
    assert not vc.age_secret_key(key[:-1])
    assert not vc.age_secret_key(key.lower()[:20] + key[20:])  # mixed case is not Bech32


@pytest.mark.parametrize("seed", [vc._ADO_USER_SEED, vc._ADO_APP_SEED])
def test_azure_devops_pat_checksum(seed: int) -> None:
    pat = _ado_pat(seed)
    assert len(pat) == 52
    assert vc.azure_devops_pat(pat)
    assert vc.azure_devops_pat(pat.upper())  # base32 is read case-insensitively
    for i in (0, 5, 13, 36, 50):
        assert not vc.azure_devops_pat(_changed(pat, i, "abcdefghijklmnopqrstuvwxyz234567"))
    assert not vc.azure_devops_pat(_ado_pat(0x12345678))
    assert not vc.azure_devops_pat(pat[:-1])


def test_azure_devops_pat_rejects_random_base32() -> None:
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    randoms = ("".join(RNG.choice(alphabet) for _ in range(52)) for _ in range(2000))
    assert not any(vc.azure_devops_pat(r) for r in randoms)


def test_discord_bot_token_first_part_is_a_user_id() -> None:
    user_id = "1184203570958094378"
    first = base64.b64encode(user_id.encode()).decode().rstrip("=")
    token = f"{first}.GhQx3a.{''.join(RNG.choice('abcdefXYZ0123_-') for _ in range(38))}"
    assert vc.discord_bot_token(token)
    for not_an_id in (b"not-a-user-id-xx", b"0184203570958094378"):
        assert not vc.discord_bot_token(f"{base64.b64encode(not_an_id).decode().rstrip('=')}.GhQx3a.x")
    assert not vc.discord_bot_token("MTE4NDIwMzU3MDk1ODA5NDM3OA!!.GhQx3a.x")


def test_intercom_access_token_is_base64_of_tok() -> None:
    token_id = str(uuid.UUID(int=RNG.getrandbits(128), version=4)).replace("-", "_")
    token = base64.b64encode(f"tok:{token_id}:1:0".encode()).decode()
    assert token.startswith("dG9rO")
    assert vc.intercom_access_token(token)
    assert not vc.intercom_access_token(base64.b64encode(b"tok:this is prose, not an id").decode())
    assert not vc.intercom_access_token(base64.b64encode(f"tak:{token_id}:1:0".encode()).decode())


def test_base64_private_key_needs_a_private_key_header_and_key_data() -> None:
    body = base64.b64encode(RNG.randbytes(300)).decode()
    for header in ("RSA PRIVATE KEY", "PRIVATE KEY", "OPENSSH PRIVATE KEY", "EC PRIVATE KEY"):
        pem = f"-----BEGIN {header}-----\n{body}\n-----END {header}-----\n"
        assert vc.base64_private_key(base64.b64encode(pem.encode()).decode())
    cert = f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n"
    assert not vc.base64_private_key(base64.b64encode(cert.encode()).decode())
    assert not vc.base64_private_key(base64.b64encode(b"-----BEGIN RSA PRIVATE KEY-----").decode())


def test_the_checks_are_registered_and_the_checksums_run_first() -> None:
    for name in ("age_secret_key", "azure_devops_pat", "discord_bot_token", "intercom_access_token"):
        assert VALIDATORS[name] is getattr(vc, name)
    assert VALIDATORS["base64_private_key"] is vc.base64_private_key
    assert {"age_secret_key", "azure_devops_pat", "discord_bot_token"} <= CHEAP_VALIDATORS
