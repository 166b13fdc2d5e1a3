"""Keyed HMAC-SHA256 of identifiers that must not leave the provider in the clear.

Account ids, payment fingerprints and prompt-template ids are shared only as
``HMAC-SHA256(key, kind + NUL + value)``. Providers that agree a key (out of band) can match
each other's values; anyone else learns nothing, not even by hashing guesses. The key lives
in its own file and is never written anywhere else; bundles carry only ``key_id``, an HMAC of
a fixed label, so a peer can tell whether it holds the same key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from stillwatch.errors import StillwatchError

#: Environment variable naming the key file when no ``--key-file`` is given.
KEY_FILE_ENV = "STILLWATCH_HMAC_KEY_FILE"
MIN_KEY_BYTES = 16


class Hasher:
    """HMACs with one key. ``kind`` separates domains, so an account and a payment
    fingerprint with the same text get different digests.

    Examples
    --------
    >>> h = Hasher(bytes(32))
    >>> h.digest("account", "acct-1") == h.digest("account", "acct-1")
    True
    >>> h.digest("account", "acct-1") == h.digest("payment", "acct-1")
    False
    >>> len(h.key_id)
    16
    """

    def __init__(self, key: bytes) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise StillwatchError(f"HMAC key too short: {len(key)} bytes, need at least {MIN_KEY_BYTES}")
        self._key = key

    def __repr__(self) -> str:
        return f"Hasher(key_id={self.key_id!r})"

    def digest(self, kind: str, value: str) -> str:
        msg = kind.encode("utf-8") + b"\x00" + value.encode("utf-8")
        return hmac.new(self._key, msg, hashlib.sha256).hexdigest()

    @property
    def key_id(self) -> str:
        return hmac.new(self._key, b"stillwatch key id", hashlib.sha256).hexdigest()[:16]

    @classmethod
    def from_file(cls, path: str | Path) -> Hasher:
        """Read a key file: hex text (64 hex digits from :func:`new_key_file`) or raw bytes."""
        p = Path(path)
        try:
            raw = p.read_bytes()
        except OSError as exc:
            raise StillwatchError(f"{p}: cannot read HMAC key file ({exc.strerror})") from None
        text = raw.strip()
        try:
            key = bytes.fromhex(text.decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            key = raw
        if len(key) < MIN_KEY_BYTES:
            raise StillwatchError(f"{p}: HMAC key too short (need at least {MIN_KEY_BYTES} bytes)")
        return cls(key)


def resolve_key_file(path: str | Path | None) -> Path:
    """The key file named by ``path`` or by $STILLWATCH_HMAC_KEY_FILE, or a clear error."""
    chosen = path or os.environ.get(KEY_FILE_ENV)
    if not chosen:
        raise StillwatchError(
            f"an HMAC key is needed: pass --key-file FILE or set {KEY_FILE_ENV} "
            "(create one with `stillwatch export --new-key-file FILE`)"
        )
    return Path(chosen)


def new_key_file(path: str | Path) -> Path:
    """Write a fresh random 256-bit key as hex, readable by the owner only; never overwrites."""
    p = Path(path)
    try:
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise StillwatchError(f"{p}: already exists; not overwriting a key") from None
    except OSError as exc:
        raise StillwatchError(f"{p}: cannot create key file ({exc.strerror})") from None
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32) + "\n")
    return p
