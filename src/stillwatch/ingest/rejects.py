"""The rejects file: every record ingest skipped, with where and why, one JSON a line.

It sits beside the database (``<db>.rejects.jsonl``) and is appended to, so it keeps the
history of every run. ``raw`` holds the start of the offending text, enough to find and
fix the record without copying whole payloads.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import orjson

#: Characters of the offending record kept in the rejects file.
RAW_LIMIT = 1000


def rejects_path(db: str | Path) -> Path:
    """Where the rejects of database ``db`` go.

    >>> rejects_path("data/stillwatch.duckdb").as_posix()
    'data/stillwatch.duckdb.rejects.jsonl'
    """
    return Path(f"{db}.rejects.jsonl")


def raw_text(raw: Any) -> str:
    """The start of a record as text, whatever it was read as."""
    if isinstance(raw, bytes | bytearray):
        text = bytes(raw[: RAW_LIMIT * 4]).decode("utf-8", "replace")
    elif isinstance(raw, str):
        text = raw
    else:
        text = orjson.dumps(raw, default=str).decode()
    return text[:RAW_LIMIT].rstrip("\r\n")


class RejectsFile:
    """Appends reject entries, opening the file only when the first one comes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._fh: IO[bytes] | None = None

    def add(self, file: str, line: int, reason: str, raw: Any) -> None:
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("ab")
        entry = {"file": file, "line": line, "reason": reason, "raw": raw_text(raw)}
        self._fh.write(orjson.dumps(entry) + b"\n")
        self.count += 1

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
