"""Normalised rows to Arrow record batches, a column at a time.

Rows arrive as tuples in ``EXCHANGE_COLUMNS`` order; one transpose and one ``pa.array``
per column turn a batch of them into Arrow, then the token estimator runs over whole
columns. Nothing here is per-row Arrow work.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from stillwatch.ingest.tokens import fill_estimates_columns
from stillwatch.types import EXCHANGE_COLUMNS, EXCHANGE_SCHEMA


def rows_to_batch(rows: list[tuple[Any, ...]]) -> pa.RecordBatch:
    """A record batch in ``EXCHANGE_SCHEMA`` from ``normalize_row`` tuples.

    >>> from stillwatch.ingest.normalize import normalize_row
    >>> row = normalize_row({"id": "e1", "time": 0, "account": "k", "model": "m",
    ...     "messages": [{"role": "user", "content": "hello there"}]}, "f:1")
    >>> batch = rows_to_batch([row])
    >>> batch.num_rows, batch.column("input_tokens")[0].as_py(), batch.column("tokens_estimated")[0].as_py()
    (1, 11, True)
    """
    if not rows:
        return pa.RecordBatch.from_pylist([], schema=EXCHANGE_SCHEMA)
    columns = {
        field.name: pa.array(values, type=field.type)
        for values, field in zip(zip(*rows, strict=True), EXCHANGE_SCHEMA, strict=True)
    }
    fill_estimates_columns(columns)
    return pa.RecordBatch.from_arrays([columns[name] for name in EXCHANGE_COLUMNS], schema=EXCHANGE_SCHEMA)


class BatchBuilder:
    """Collects rows and hands them out as batches of ``size``."""

    def __init__(self, size: int = 8192) -> None:
        if size < 1:
            raise ValueError("batch size must be at least 1")
        self.size = size
        self.rows: list[tuple[Any, ...]] = []

    def add(self, row: tuple[Any, ...]) -> bool:
        """Add one row; True when the batch is full and should be taken."""
        self.rows.append(row)
        return len(self.rows) >= self.size

    def __len__(self) -> int:
        return len(self.rows)

    def take(self) -> pa.RecordBatch:
        """The rows collected so far as one batch; the builder starts empty again.

        ``rows`` is cleared in place, so a caller may keep appending to it directly.
        """
        batch = rows_to_batch(self.rows)
        self.rows.clear()
        return batch
