"""Writers for the simulated log: JSON Lines, or Parquet with the same column names.

In Parquet, ``time`` and ``account_created`` are UTC timestamps, ``params`` a struct,
``tools`` a list of strings, and ``messages`` the JSON text of the messages array (its
content is a string or an array of parts, which one Parquet type cannot hold).
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import io

import pyarrow as pa
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from stillwatch.simulate._spool import copy_range
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
_PARSE = pa_json.ParseOptions(explicit_schema=PARQUET_SCHEMA, unexpected_field_behavior="ignore")
_READ = pa_json.ReadOptions(block_size=64 << 20)
_ROW_GROUP = 128_000
_BUFFER = 1 << 20


class LogWriter:
    """Appends time-ordered records to ``log.jsonl`` or ``log.parquet`` in ``out_dir``."""

    def __init__(self, out_dir: Path, fmt: str) -> None:
        self.fmt = fmt
        self.path = out_dir / ("log.parquet" if fmt == "parquet" else "log.jsonl")
        self._fh: BinaryIO | None = None
        self._pq: pq.ParquetWriter | None = None
        self._pending: list[pa.Table] = []  # Parquet: buffered into row groups of ~128k rows
        self._rows = 0
        if fmt == "parquet":
            self._pq = pq.ParquetWriter(self.path, PARQUET_SCHEMA, compression="zstd")
        else:
            # Lines arrive a few kB at a time: a large buffer makes one system call per megabyte.
            self._fh = self.path.open("wb", buffering=_BUFFER)

    def write(self, pieces: list[bytes]) -> None:
        """Append encoded exchanges, in time order: each piece is zero or more whole JSON lines.

        For Parquet the lines carry ``messages`` as JSON text already, so Arrow's JSON reader
        parses them straight into the column types.
        """
        if self._fh is not None:
            self._fh.writelines(pieces)
        elif self._pq is not None:
            data = b"".join(pieces)
            if data:
                table = pa_json.read_json(io.BytesIO(data), read_options=_READ, parse_options=_PARSE)
                self._pending.append(table.select(PARQUET_SCHEMA.names).cast(PARQUET_SCHEMA))
                self._rows += table.num_rows
                if self._rows >= _ROW_GROUP:
                    self._flush()

    def copy(self, path: str, segments: list[bytes | tuple[int, int]]) -> None:
        """Append, in order, byte ranges ``(start, stop)`` of the file at ``path`` and lines given as bytes.

        For JSON Lines the ranges go file to file in the kernel (``copy_range``), never through
        Python objects; Parquet needs the bytes parsed, so it reads them.
        """
        with open(path, "rb") as src:
            if self._fh is None:
                data = src.read()
                self.write([data[x[0] : x[1]] if isinstance(x, tuple) else x for x in segments])
                return
            for x in segments:
                if isinstance(x, tuple):
                    self._fh.flush()
                    copy_range(src, self._fh, x[0], x[1])
                else:
                    self._fh.write(x)

    def _flush(self) -> None:
        if self._pq is not None and self._pending:
            self._pq.write_table(pa.concat_tables(self._pending), row_group_size=max(self._rows, 1))
        self._pending, self._rows = [], 0

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
        if self._pq is not None:
            self._flush()
            self._pq.close()
