"""Writers for the simulated log: JSON Lines, or Parquet with the same column names.

In Parquet, ``time`` and ``account_created`` are UTC timestamps, ``params`` a struct,
``tools`` a list of strings, and ``messages`` the JSON text of the messages array (its
content is a string or an array of parts, which one Parquet type cannot hold).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from stillwatch.types import UTC_MICROS

_PARAMS = pa.struct([
    ("temperature", pa.float64()), ("top_p", pa.float64()), ("max_tokens", pa.int64()), ("n", pa.int64()),
    ("seed", pa.int64()), ("stream", pa.bool_()), ("logprobs", pa.bool_()), ("top_logprobs", pa.int64()),
    ("reasoning_effort", pa.string()),
])
PARQUET_SCHEMA = pa.schema([
    ("id", pa.string()), ("time", UTC_MICROS), ("account", pa.string()), ("org", pa.string()),
    ("end_user", pa.string()), ("client_ip", pa.string()), ("asn", pa.int64()), ("country", pa.string()),
    ("user_agent", pa.string()), ("payment_fingerprint", pa.string()), ("account_created", UTC_MICROS),
    ("access_route", pa.string()), ("model", pa.string()), ("params", _PARAMS), ("tools", pa.list_(pa.string())),
    ("messages", pa.string()), ("response", pa.string()), ("reasoning", pa.string()), ("input_tokens", pa.int64()),
    ("output_tokens", pa.int64()), ("reasoning_tokens", pa.int64()), ("finish_reason", pa.string()),
    ("status", pa.int64()),
])


class LogWriter:
    """Appends time-ordered records to ``log.jsonl`` or ``log.parquet`` in ``out_dir``."""

    def __init__(self, out_dir: Path, fmt: str) -> None:
        self.fmt = fmt
        self.path = out_dir / ("log.parquet" if fmt == "parquet" else "log.jsonl")
        self._fh: BinaryIO | None = None
        self._pq: pq.ParquetWriter | None = None
        if fmt == "parquet":
            self._pq = pq.ParquetWriter(self.path, PARQUET_SCHEMA, compression="zstd")
        else:
            self._fh = self.path.open("wb")

    def write(self, pieces: list[bytes]) -> None:
        """Append encoded exchanges, in time order: each piece is zero or more whole JSON lines."""
        if self._fh is not None:
            self._fh.writelines(pieces)
        elif self._pq is not None:
            # orjson escapes newlines inside strings, so a newline always ends a record.
            lines = b"".join(pieces).splitlines()
            if lines:
                self._pq.write_table(_table([orjson.loads(x) for x in lines]))

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
        if self._pq is not None:
            self._pq.close()


def _table(records: list[dict[str, Any]]) -> pa.Table:
    cols: dict[str, Any] = {}
    for f in PARQUET_SCHEMA:
        name = f.name
        if name in ("time", "account_created"):
            # RFC 3339 in UTC ("...Z"); numpy parses it without the zone letter.
            stamps = np.array([r[name][:-1] for r in records], dtype="datetime64[us]")
            cols[name] = pa.array(stamps.astype("int64"), pa.int64()).cast(UTC_MICROS)
        elif name == "messages":
            cols[name] = pa.array([orjson.dumps(r["messages"]).decode() for r in records], pa.string())
        else:
            cols[name] = pa.array([r.get(name) for r in records], f.type)
    return pa.table(cols, schema=PARQUET_SCHEMA)

