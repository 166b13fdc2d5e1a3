from __future__ import annotations

import stat
from pathlib import Path

import pytest

from stillwatch.errors import StillwatchError
from stillwatch.intel.keys import Hasher, new_key_file, resolve_key_file


def test_new_key_file_is_private_random_and_never_overwritten(tmp_path: Path) -> None:
    path = new_key_file(tmp_path / "k")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Hasher.from_file(path).key_id != Hasher.from_file(new_key_file(tmp_path / "k2")).key_id
    with pytest.raises(StillwatchError, match="already exists"):
        new_key_file(path)


def test_same_key_same_digest_other_key_other_digest(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("11" * 32)
    (tmp_path / "b").write_text("22" * 32)
    a, a2, b = (Hasher.from_file(tmp_path / n) for n in ("a", "a", "b"))
    assert a.digest("account", "x") == a2.digest("account", "x") != b.digest("account", "x")
    assert "11" * 32 not in repr(a)


def test_short_or_missing_keys_are_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "short").write_text("abcd")
    with pytest.raises(StillwatchError, match="too short"):
        Hasher.from_file(tmp_path / "short")
    with pytest.raises(StillwatchError, match="cannot read"):
        Hasher.from_file(tmp_path / "absent")
    monkeypatch.delenv("STILLWATCH_HMAC_KEY_FILE", raising=False)
    with pytest.raises(StillwatchError, match="--key-file"):
        resolve_key_file(None)
    monkeypatch.setenv("STILLWATCH_HMAC_KEY_FILE", str(tmp_path / "short"))
    assert resolve_key_file(None) == tmp_path / "short"
