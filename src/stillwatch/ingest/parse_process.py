"""Parsing chunks of exchanges in helper processes, so that more cores parse.

Parsing and normalising records is Python that holds the GIL, so in one process it runs on
one core, beside the signals' helper and DuckDB's insert. Here each helper takes a chunk (of
whole JSON lines, or a batch of Parquet rows), parses and normalises it (``chunks``), builds
its Arrow batch, scores it with the signals when it runs the same ones the parent would, and
sends it back as Arrow IPC; the parent only reads, hands out and stores. Chunks go out in
turn and come back in the order they were read, so rows reach the store in file order, as
in one process. ``pipeline.default_workers`` says when this pays.
"""

from __future__ import annotations

import gc
from collections import deque
from dataclasses import dataclass

import orjson
import pyarrow as pa

from stillwatch import signals as signal_registry
from stillwatch.ingest.chunks import GC_THRESHOLD, parse_chunk, parse_records
from stillwatch.ingest.columns import rows_to_batch
from stillwatch.ingest.helper import Helper, from_ipc, serve, to_ipc
from stillwatch.ingest.reader import parquet_rows
from stillwatch.ingest.rejects import raw_text
from stillwatch.ingest.signal_process import signature
from stillwatch.signals.base import Signal


@dataclass
class Parsed:
    """One chunk's rows as a batch (with the signals' columns when ``scored``), and its rejects."""

    batch: pa.RecordBatch
    scored: bool
    rejects: list[tuple[int, str, str]]


class ParsePool:
    """``workers`` helpers parsing chunks; at most ``depth`` chunks wait at each.

    ``signals`` are those the parent would run: a helper scores a chunk only when it runs
    the same signals in the same versions, and otherwise leaves the scoring to the parent.
    """

    def __init__(self, workers: int, signals: list[Signal], depth: int = 2) -> None:
        if workers < 1:
            raise ValueError("a parse pool needs at least one worker")
        self.depth = depth
        self._signature = signature(signals).decode()
        self._helpers = [Helper("stillwatch.ingest.parse_process", "parse process") for _ in range(workers)]
        self._order: deque[Helper] = deque()  # the helper of each chunk in flight, oldest first
        self._turn = 0

    @property
    def pending(self) -> int:
        """Chunks submitted whose result has not been taken yet."""
        return len(self._order)

    @property
    def full(self) -> bool:
        """Take a result before submitting more."""
        return len(self._order) >= self.depth * len(self._helpers)

    def submit(self, data: bytes, name: str, first_line: int) -> None:
        """Whole lines of exchange JSON, the first numbered ``first_line``."""
        self._send("lines", data, name, first_line)

    def submit_parquet(self, batch: pa.RecordBatch, name: str, first_row: int) -> None:
        """A batch read from a Parquet file of exchanges, its first row numbered ``first_row``."""
        self._send("parquet", to_ipc(batch), name, first_row)

    def _send(self, kind: str, data: bytes, name: str, first_line: int) -> None:
        if self.full:
            raise RuntimeError("take a result from the parse pool before submitting more")
        helper = self._helpers[self._turn]
        self._turn = (self._turn + 1) % len(self._helpers)
        about = {"kind": kind, "name": name, "line": first_line, "signals": self._signature}
        helper.send(orjson.dumps(about), data)
        self._order.append(helper)

    def result(self) -> Parsed:
        """The oldest chunk's result, waiting for it."""
        if not self._order:
            raise RuntimeError("no chunk was submitted to the parse pool")
        meta, batch = self._order.popleft().reply(2)
        about = orjson.loads(meta)
        return Parsed(from_ipc(batch), about["scored"], [tuple(r) for r in about["rejects"]])

    def close(self) -> None:
        for helper in self._helpers:
            helper.close()


def _parse(request: list[bytes], signals: list[Signal], mine: str) -> list[bytes]:
    about, data = orjson.loads(request[0]), request[1]
    if about["kind"] == "parquet":
        parsed = parse_records(parquet_rows(from_ipc(data)), about["name"], about["line"])
    else:
        parsed = parse_chunk(data, about["name"], about["line"])
    batch = rows_to_batch(parsed.rows)
    scored = about["signals"] == mine
    if scored and batch.num_rows:
        batch = signal_registry.annotate(batch, signals)
    rejects = [(line, reason, raw_text(raw)) for line, reason, raw in parsed.rejects]
    return [orjson.dumps({"scored": scored, "rejects": rejects}), to_ipc(batch)]


def main() -> None:
    """The helper's entry point (not ``python -m``: the package imports this module first)."""
    # As in the parent's ingest (``pipeline._tuned_interpreter``).
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    signals = [cls() for cls in signal_registry.registered()]
    mine = signature(signals)
    serve(mine, 2, lambda request: _parse(request, signals, mine.decode()))
