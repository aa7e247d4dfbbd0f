"""Structure checks of vendor tokens without a prefix to anchor on, or whose vendor defines a checksum.

Each function takes the candidate value and returns True when it has the structure its vendor documents;
`validators.VALIDATORS` maps the names rules use to these functions.

* `age_secret_key`: an age X25519 identity is Bech32 (BIP 173) with the human-readable part
  `age-secret-key-`, upper-cased; its six-character BCH checksum must be valid and the data must be 32 bytes.
* `azure_devops_pat`: an Azure DevOps personal access token in the 52-character format is the base32 of 32
  bytes, four of which are the CRC-32 of the other 28, XORed with a constant for user or application tokens.
* `discord_bot_token`: the first of the three dot-separated parts of a Discord bot token is the base64 of
  the bot's user id (a snowflake: 17 to 20 decimal digits).
* `intercom_access_token`: an Intercom access token is the base64 of `tok:` followed by the token id.
* `base64_private_key`: base64 text that decodes to a PEM private key header.
* `sentinelone_site_token`: a SentinelOne site or group token is the base64 of a JSON object with the
  management console's URL (`url`) and the site key (`site_key`).
* `cloudflare_tunnel_token`: a Cloudflare Tunnel token is the base64 of a JSON object with the account tag
  (`a`, 32 hex digits), the tunnel's id (`t`, a UUID) and the tunnel secret (`s`, base64 of 32 or more bytes).
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib

import regex

# --- age: https://age-encryption.org/v1 (Bech32 from BIP 173) ---

_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_GEN = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def _bech32_polymod(values: list[int]) -> int:
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i, gen in enumerate(_BECH32_GEN):
            if (top >> i) & 1:
                chk ^= gen
    return chk


def bech32_valid(text: str, hrp: str) -> bool:
    """Whether `text` is Bech32 with human-readable part `hrp` (one case, not mixed) and a valid checksum."""
    if text.lower() != text and text.upper() != text:
        return False
    low = text.lower()
    head, sep, data = low.rpartition("1")
    if not sep or head != hrp or len(data) < 6 or any(c not in _BECH32 for c in data):
        return False
    expanded = [ord(c) >> 5 for c in head] + [0] + [ord(c) & 31 for c in head]
    return _bech32_polymod(expanded + [_BECH32.index(c) for c in data]) == 1


def age_secret_key(value: str) -> bool:
    """An age identity: `AGE-SECRET-KEY-1`, 52 data characters (32 bytes) and a valid Bech32 checksum."""
    return len(value) == 74 and bech32_valid(value, "age-secret-key-")


# --- Azure DevOps personal access tokens (52-character format) ---

_ADO_USER_SEED = 0xE0B9692D
_ADO_APP_SEED = 0x1019F92E


def azure_devops_pat(value: str) -> bool:
    """A 52-character Azure DevOps PAT: base32 of 32 bytes; bytes 2, 7, 8 and 22 hold the CRC-32 of the other
    28 (in that order, most significant first), XORed with the user-token or application-token constant."""
    if len(value) != 52:
        return False
    try:
        raw = base64.b32decode(value.upper() + "====")
    except (binascii.Error, ValueError):
        return False
    if len(raw) != 32:
        return False
    body = raw[0:2] + raw[3:7] + raw[9:22] + raw[23:32]
    stored = raw[2] << 24 | raw[7] << 16 | raw[8] << 8 | raw[22]
    crc = zlib.crc32(body)
    return stored in (crc ^ _ADO_USER_SEED, crc ^ _ADO_APP_SEED)


# --- Discord bot tokens ---

_SNOWFLAKE = regex.compile(rb"[1-9][0-9]{16,19}")


def _b64_any(text: str) -> bytes | None:
    """Standard or URL-safe base64, with or without padding."""
    try:
        standard = text.replace("-", "+").replace("_", "/")
        return base64.b64decode(standard + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def discord_bot_token(value: str) -> bool:
    """A Discord bot token: `<base64 of the bot's user id>.<timestamp>.<HMAC>`."""
    raw = _b64_any(value.partition(".")[0])
    return raw is not None and _SNOWFLAKE.fullmatch(raw) is not None


# --- Intercom access tokens ---

_INTERCOM_ID = regex.compile(rb"tok:[0-9a-f_:-]{20,}")


def intercom_access_token(value: str) -> bool:
    """An Intercom access token: the base64 of `tok:` and the token's id (hex digits, `_` and `:`)."""
    raw = _b64_any(value)
    return raw is not None and _INTERCOM_ID.fullmatch(raw) is not None


# --- base64 of a PEM private key ---

_PEM_HEADER = regex.compile(rb"-----BEGIN [A-Z0-9 ]{0,30}PRIVATE KEY(?: BLOCK)?-----")


def base64_private_key(value: str) -> bool:
    """Base64 text that decodes to a PEM block whose header names a private key, and key data after it."""
    head = value[: len(value) - len(value) % 4]
    raw = _b64_any(head[:400])
    header = _PEM_HEADER.match(raw) if raw is not None else None
    return raw is not None and header is not None and len(raw) - header.end() >= 48


# --- Cloudflare Tunnel tokens ---

_HEX32 = regex.compile(r"[0-9a-f]{32}")
_UUID = regex.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _b64_json(text: str) -> dict[str, object] | None:
    """The JSON object a base64 token decodes to, or None."""
    raw = _b64_any(text)
    try:
        data = json.loads(raw) if raw is not None else None
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def cloudflare_tunnel_token(value: str) -> bool:
    """A Cloudflare Tunnel token (`cloudflared tunnel run --token`, TUNNEL_TOKEN): the base64 of
    `{"a": account tag, "t": tunnel id, "s": tunnel secret}`, the secret base64 of 32 bytes or more."""
    data = _b64_json(value) or {}
    account, tunnel, secret = data.get("a"), data.get("t"), data.get("s")
    if not (isinstance(account, str) and isinstance(tunnel, str) and isinstance(secret, str)):
        return False
    key = _b64_any(secret)
    return (
        _HEX32.fullmatch(account) is not None
        and _UUID.fullmatch(tunnel.lower()) is not None
        and key is not None
        and len(key) >= 32
    )


# --- SentinelOne site tokens ---


def sentinelone_site_token(value: str) -> bool:
    """A SentinelOne site (or group) token, given to the agent at install (`sentinelctl management token set`,
    SITE_TOKEN): the base64 of `{"url": "https://<console>", "site_key": "..."}`."""
    data = _b64_json(value) or {}
    url, key = data.get("url"), data.get("site_key")
    return isinstance(url, str) and url.startswith("https://") and isinstance(key, str) and len(key) >= 8
