"""Reading TOML settings into frozen dataclasses, strictly: shared by the scan and gateway
configurations so both reject the same mistakes with the same messages."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from typing import Any

from stillwatch.errors import ConfigError


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})") from None


def _same_kind(expected: Any, value: Any) -> bool:
    if isinstance(expected, bool) or isinstance(value, bool):
        return isinstance(expected, bool) and isinstance(value, bool)
    if isinstance(expected, float):
        return isinstance(value, (int, float))
    return isinstance(value, type(expected))


def build(cls: type, values: Any, where: str) -> Any:
    """``cls()`` with ``values`` applied; unknown names and wrong types are errors.

    A table-valued default is updated key by key rather than replaced.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Limits:
    ...     rate: float = 1.0
    ...     burst: int = 5
    >>> build(Limits, {"rate": 2}, "[limits]")
    Limits(rate=2.0, burst=5)
    """
    if not isinstance(values, dict):
        raise ConfigError(f"{where}: expected a table, got {values!r}")
    defaults = cls()
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {', '.join(unknown)}")
    merged: dict[str, Any] = {}
    for name, value in values.items():
        expected = getattr(defaults, name)
        if not _same_kind(expected, value):
            raise ConfigError(f"{where}.{name}: expected {type(expected).__name__}, got {value!r}")
        if isinstance(expected, dict):
            value = {**expected, **value}
        elif isinstance(expected, float):
            value = float(value)
        merged[name] = value
    return dataclasses.replace(defaults, **merged)
