"""Who is calling: the account is a keyed hash of the caller's API key.

The key itself is never stored, logged or forwarded to the log: only
``HMAC-SHA256(secret, key)``, truncated to 96 bits and shown as ``key_<24 hex>``. The secret
lives in a file (created once, mode 0600), so the same key maps to the same account across
restarts and across replicas that share the file, while the log alone cannot be reversed
by hashing candidate keys.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from stillwatch.errors import ConfigError

_CACHE_MAX = 65536


def load_secret(path: str | Path) -> bytes:
    """Read the hashing secret, creating it (32 random bytes, hex, mode 0600) when absent."""
    p = Path(path)
    try:
        if not p.exists():
            p.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32) + "\n")
        text = p.read_text(encoding="ascii").strip()
    except FileExistsError:  # another replica created it between our check and open
        text = p.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: cannot read or create the key-hashing secret ({exc})") from None
    if len(text) < 32:
        raise ConfigError(f"{p}: key-hashing secret is shorter than 32 characters")
    return text.encode("ascii")


class KeyHasher:
    """Maps API keys to account ids with a keyed hash.

    Examples
    --------
    >>> h = KeyHasher(b"0" * 32)
    >>> a = h.account("sk-live-123")
    >>> a.startswith("key_"), len(a), a == h.account("sk-live-123"), "123" in a
    (True, 28, True, False)
    """

    def __init__(self, secret: bytes) -> None:
        self.secret = secret
        self._cache: dict[str, str] = {}

    def account(self, api_key: str) -> str:
        hit = self._cache.get(api_key)
        if hit is not None:
            return hit
        digest = hmac.new(self.secret, api_key.encode("utf-8", "surrogatepass"), hashlib.sha256)
        acct = "key_" + digest.hexdigest()[:24]
        if len(self._cache) >= _CACHE_MAX:
            self._cache.clear()  # bounded memory; a miss costs one HMAC (~1 us)
        self._cache[api_key] = acct
        return acct


def api_key_from_headers(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The caller's key from ``Authorization: Bearer KEY`` or ``x-api-key: KEY``.

    Examples
    --------
    >>> api_key_from_headers([(b"authorization", b"Bearer sk-1")])
    'sk-1'
    >>> api_key_from_headers([(b"x-api-key", b"sk-2")]), api_key_from_headers([])
    ('sk-2', None)
    """
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
        elif name == b"x-api-key" and value.strip():
            return value.decode("latin-1").strip()
    return None
