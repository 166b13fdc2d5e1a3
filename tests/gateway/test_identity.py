from __future__ import annotations

import stat

import pytest

from stillwatch.errors import ConfigError
from stillwatch.gateway.identity import KeyHasher, api_key_from_headers, load_secret


def test_secret_is_created_once_private_and_stable(tmp_path) -> None:
    p = tmp_path / "secret"
    s1 = load_secret(p)
    assert stat.S_IMODE(p.stat().st_mode) == 0o600
    assert load_secret(p) == s1
    assert KeyHasher(s1).account("k") == KeyHasher(load_secret(p)).account("k")


def test_different_secrets_give_different_accounts() -> None:
    assert KeyHasher(b"a" * 32).account("k") != KeyHasher(b"b" * 32).account("k")


def test_short_secret_is_refused(tmp_path) -> None:
    p = tmp_path / "secret"
    p.write_text("short")
    with pytest.raises(ConfigError, match="shorter than 32"):
        load_secret(p)


@pytest.mark.parametrize(
    ("headers", "key"),
    [
        ([(b"authorization", b"Bearer sk-1 ")], "sk-1"),
        ([(b"authorization", b"bearer sk-1")], "sk-1"),
        ([(b"authorization", b"Basic abc")], None),
        ([(b"authorization", b"Bearer ")], None),
        ([(b"x-api-key", b"sk-3")], "sk-3"),
    ],
)
def test_key_from_headers(headers, key) -> None:
    assert api_key_from_headers(headers) == key
