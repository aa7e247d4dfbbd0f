"""Keyed fingerprints and redacted previews of sensitive values.

A fingerprint is an HMAC-SHA256 over rule, resource, field and value, each part length-prefixed so that no
two different findings share one (`FINGERPRINT_VERSION` 2; version 1 joined the parts with a separator).
The key comes from `METASCAN_FINGERPRINT_KEY`, a key file, or a random key created once in the user's config
folder.  Without the key, a fingerprint tells nothing about the value, so a 12-digit account number cannot be
recovered from a report by trying every candidate: that only holds for a key nobody else can read, replace
or guess, so keys shorter than 16 bytes are refused, and so are key files that are links (the default key),
not regular files, not the user's own, open to other users, or in a folder others can write to.  The
default key is created atomically (a temporary file, written and synced, then linked into place, which fails
if another run got there first): concurrent first runs all end up with the one key, never an empty one.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import stat
import tempfile
from pathlib import Path

from .errors import ConfigError

ENV_KEY = "METASCAN_FINGERPRINT_KEY"
MIN_KEY_BYTES = 16
FINGERPRINT_VERSION = 2  # 1: parts joined with \x1f (ambiguous); 2: each part length-prefixed
_DOMAIN = b"metascan fingerprint v2\x00"


def default_key_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "metascan" / "fingerprint.key"


def load_key(key_file: str | os.PathLike[str] | None = None) -> bytes:
    """The fingerprint key: from a key file, else the environment, else the user's own key (created once).

    Raises ConfigError, naming the file or variable, for a key that is too short or a file others could
    read or replace.
    """
    if key_file is not None:
        return _read_key(Path(key_file), own_default=False)
    env = os.environ.get(ENV_KEY)
    if env is not None:
        data = env.encode("utf-8")
        if len(data) < MIN_KEY_BYTES:
            raise ConfigError(
                f"{ENV_KEY} holds {len(data)} bytes; a fingerprint key needs at least {MIN_KEY_BYTES}"
                " (e.g. the output of: openssl rand -hex 32)"
            )
        return data
    return _user_key(default_key_path())


def _mode(mode: int) -> str:
    return f"mode {stat.S_IMODE(mode):04o}"


def _check_folder(folder: Path, what: str) -> None:
    """A folder others can write to lets them replace the key (unless it is sticky, like /tmp: then only
    the file's owner can)."""
    try:
        st = os.stat(folder)
    except OSError as e:
        raise ConfigError(f"{folder}: cannot read the folder of {what}: {e.strerror or e}") from e
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not st.st_mode & stat.S_ISVTX:
        raise ConfigError(
            f"{folder}: other users can write to this folder ({_mode(st.st_mode)}), so they could replace"
            f" {what}; keep it in a folder only you can write to"
        )


def _read_key(path: Path, own_default: bool) -> bytes:
    """Read and check a key file.  `own_default`: the key metascan created, which must not be a link."""
    what = "the fingerprint key" if own_default else "the fingerprint key file"
    try:
        lst = os.lstat(path)
    except OSError as e:
        raise ConfigError(f"{path}: cannot read {what}: {e.strerror or e}") from e
    real = path
    if stat.S_ISLNK(lst.st_mode):
        if own_default:
            raise ConfigError(
                f"{path}: {what} is a symbolic link; metascan only uses a key file it created itself"
                " (remove the link to create a new key, or pass --fingerprint-key)"
            )
        real = Path(os.path.realpath(path))
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise ConfigError(f"{path}: cannot read {what}: {e.strerror or e}") from e
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ConfigError(f"{path}: {what} is not a regular file")
        if st.st_uid not in (os.geteuid(), 0):
            raise ConfigError(f"{path}: {what} belongs to another user (uid {st.st_uid})")
        if st.st_mode & 0o077:
            raise ConfigError(
                f"{path}: other users can read or change {what} ({_mode(st.st_mode)}); run: chmod 600 {path}"
            )
        _check_folder(real.parent, what)
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb") as f:
            fd = -1
            data = f.read(1 << 16).strip()
    finally:
        if fd >= 0:
            os.close(fd)
    if len(data) < MIN_KEY_BYTES:
        hint = " (remove it and metascan creates a new key)" if own_default else ""
        raise ConfigError(
            f"{path}: {what} holds {len(data)} bytes; a fingerprint key needs at least {MIN_KEY_BYTES}{hint}"
        )
    return data


def _user_key(path: Path) -> bytes:
    """The user's own key, created on first use."""
    if not os.path.lexists(path):
        _create_key(path)
    return _read_key(path, own_default=True)


def _create_key(path: Path) -> None:
    """Create `path` holding a new random key, atomically: readers see no file or the whole key.

    The key is written to a temporary file in the same folder and synced, then hard-linked to `path`; the
    link fails if the name exists, so when several runs start at once, one key wins and all of them use it.
    """
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as e:
        raise ConfigError(f"{folder}: cannot create the fingerprint key's folder: {e.strerror or e}") from e
    _check_folder(folder, "the fingerprint key")
    key = secrets.token_hex(32).encode("ascii")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".fingerprint.key.", suffix=".tmp", dir=folder)  # mode 0600
    except OSError as e:
        raise ConfigError(f"{path}: cannot create the fingerprint key: {e.strerror or e}") from e
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(key + b"\n")
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another run created it first: theirs is the key
        except OSError as e:
            raise ConfigError(
                f"{path}: cannot create the fingerprint key: {e.strerror or e}"
                f" (set {ENV_KEY} or pass --fingerprint-key instead)"
            ) from e
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    sync_dir(folder)


def sync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (where the platform allows opening a directory)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class Fingerprinter:
    """Computes keyed fingerprints.  The key itself never leaves this object."""

    __slots__ = ("_key", "key_id")

    def __init__(self, key: bytes) -> None:
        # Keys from the environment and from files are checked by `load_key`; a key given as bytes (the
        # library's `fingerprint_key=`, tests, benchmarks) is the caller's own choice.
        self._key = key
        # A hash of the key, stored in reports so that baselines made with another key are detected.
        self.key_id = hmac.new(key, b"metascan fingerprint key id", hashlib.sha256).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"Fingerprinter(key_id={self.key_id!r})"

    def of(self, *parts: str) -> str:
        """The fingerprint of `parts`: each is length-prefixed, so ("ab", "c") and ("a", "bc") differ, and
        so do parts that hold the separator a joined encoding would use."""
        return self._mac(parts).hexdigest()

    def key_of(self, *parts: str) -> bytes:
        """A compact key for `parts` that the run keeps, not writes (the scanner's de-duplication remembers
        one per finding): the first 16 bytes of the same MAC, 49 bytes in memory where the fingerprint's
        64 hex digits take 113.  (Two of a million keys collide with odds below 1 in 10^26.)"""
        return self._mac(parts).digest()[:16]

    def _mac(self, parts: tuple[str, ...]) -> hmac.HMAC:
        mac = hmac.new(self._key, _DOMAIN, hashlib.sha256)
        for p in parts:
            data = p.encode("utf-8", "surrogatepass")
            mac.update(len(data).to_bytes(8, "big"))
            mac.update(data)
        return mac


def redact(value: str) -> str:
    """A preview that shows at most a quarter of the value and at most 4 characters at each end.

    Values shorter than 8 characters show nothing.
    """
    n = len(value)
    if n < 8:
        return "*" * max(n, 1)
    keep = min(4, n // 8)
    return value[:keep] + "*" * (n - 2 * keep) + value[n - keep :]
