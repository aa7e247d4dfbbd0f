"""Keyed fingerprints and redacted previews of sensitive values.

A fingerprint is an HMAC-SHA256 over rule, resource, field and value.  The key comes from
`METASCAN_FINGERPRINT_KEY`, a key file, or a random key created once in the user's config folder.  Without
the key, a fingerprint tells nothing about the value, so a 12-digit account number cannot be recovered from
a report by trying every candidate.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from .errors import ConfigError

ENV_KEY = "METASCAN_FINGERPRINT_KEY"
_SEP = b"\x1f"


def default_key_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "metascan" / "fingerprint.key"


def load_key(key_file: str | os.PathLike[str] | None = None) -> bytes:
    """The fingerprint key: from a key file, else the environment, else the user's own key (created once)."""
    if key_file is not None:
        try:
            data = Path(key_file).read_bytes().strip()
        except OSError as e:
            raise ConfigError(f"{key_file}: cannot read fingerprint key file: {e.strerror or e}") from e
        if len(data) < 16:
            raise ConfigError(f"{key_file}: fingerprint key file holds fewer than 16 bytes")
        return data
    env = os.environ.get(ENV_KEY)
    if env:
        return env.encode("utf-8")
    return _user_key(default_key_path())


def _user_key(path: Path) -> bytes:
    try:
        data = path.read_bytes().strip()
        if len(data) >= 16:
            return data
    except FileNotFoundError:
        pass
    except OSError as e:
        raise ConfigError(f"{path}: cannot read fingerprint key: {e.strerror or e}") from e
    key = secrets.token_hex(32).encode("ascii")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another run created it first: use theirs
        return path.read_bytes().strip()
    except OSError as e:
        raise ConfigError(f"{path}: cannot create fingerprint key: {e.strerror or e}") from e
    with os.fdopen(fd, "wb") as f:
        f.write(key + b"\n")
    return key


class Fingerprinter:
    """Computes keyed fingerprints.  The key itself never leaves this object."""

    __slots__ = ("_key", "key_id")

    def __init__(self, key: bytes) -> None:
        self._key = key
        # A hash of the key, stored in reports so that baselines made with another key are detected.
        self.key_id = hmac.new(key, b"metascan fingerprint key id", hashlib.sha256).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"Fingerprinter(key_id={self.key_id!r})"

    def of(self, *parts: str) -> str:
        msg = _SEP.join(p.encode("utf-8", "surrogatepass") for p in parts)
        return hmac.new(self._key, msg, hashlib.sha256).hexdigest()


def redact(value: str) -> str:
    """A preview that shows at most a quarter of the value and at most 4 characters at each end.

    Values shorter than 8 characters show nothing.
    """
    n = len(value)
    if n < 8:
        return "*" * max(n, 1)
    keep = min(4, n // 8)
    return value[:keep] + "*" * (n - 2 * keep) + value[n - keep :]
