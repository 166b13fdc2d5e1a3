"""What one ingest run shares across its files, and where each file's records go.

A ``Run`` holds the writer thread, the rejects file, the batch being built and, once a file
is large enough, the parse helpers. Records parsed here are added one at a time (``record``,
any format) or a chunk at a time (``add``); chunks the helpers parsed come back whole
(``take``). A bad record goes to the rejects file, or stops the run with ``strict``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stillwatch.errors import BadRecord
from stillwatch.ingest.adapters import detect
from stillwatch.ingest.chunks import ParsedChunk
from stillwatch.ingest.columns import BatchBuilder
from stillwatch.ingest.jsontypes import type_name
from stillwatch.ingest.parse_process import Parsed, ParsePool
from stillwatch.ingest.records import record_rows
from stillwatch.ingest.rejects import RejectsFile
from stillwatch.ingest.writer import BackgroundWriter

#: Files smaller than this are parsed in this process. Starting a helper (an interpreter
#: importing the signals) takes 0.4 CPU s, what parsing about 10 MB of exchanges takes.
PARALLEL_FROM = 32 << 20


@dataclass
class FileSummary:
    """What became of one input file's records."""

    path: str
    format: str | None = None
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    error: str | None = None


class Run:
    """State shared by the files of one run."""

    def __init__(self, writer: BackgroundWriter, rejects: RejectsFile, *, fmt: str | None, strict: bool,
                 batch_size: int, workers: int, progress: Callable[[int], None] | None,
                 on_reject: Callable[[BadRecord], None] | None) -> None:  # fmt: skip
        self.writer = writer
        self.workers = workers
        self._pool: ParsePool | None = None
        self.rejects = rejects
        self.fmt = fmt
        self.strict = strict
        self.builder = BatchBuilder(batch_size)
        self.progress = progress
        self.on_reject = on_reject

    def reject(self, summary: FileSummary, error: BadRecord, line: int, raw: Any) -> None:
        summary.rejected += 1
        self.rejects.add(summary.path, line, error.reason, raw)
        if self.on_reject is not None:
            self.on_reject(error)
        if self.strict:
            raise error

    def _rejects(self, summary: FileSummary, rejects: Sequence[tuple[int, str, Any]]) -> None:
        for line, reason, raw in rejects:
            self.reject(summary, BadRecord(f"{summary.path}:{line}", reason), line, raw)

    def may_pool(self, path: Path) -> bool:
        """Would an exchange file at ``path`` be parsed by helpers?"""
        # A strict run stops at the first bad record, which only reading in order can find.
        return not self.strict and self.workers > 0 and path.stat().st_size >= PARALLEL_FROM

    def pool(self) -> ParsePool:
        """The parse helpers (for a file ``may_pool`` sends them), started on first use."""
        if self._pool is None:
            self._pool = ParsePool(self.workers, self.writer.signals)
        return self._pool

    def add(self, summary: FileSummary, parsed: ParsedChunk) -> None:
        """A chunk parsed here: its rows to the batch being built, its rejects aside."""
        self.builder.rows.extend(parsed.rows)
        self._rejects(summary, parsed.rejects)
        if len(self.builder) >= self.builder.size:
            self.flush(summary)

    def take(self, summary: FileSummary, parsed: Parsed) -> None:
        """A chunk the helpers parsed: its rejects to the rejects file, its rows to the writer."""
        self._rejects(summary, parsed.rejects)
        if parsed.batch.num_rows:
            self.writer.submit(id(summary), parsed.batch, scored=parsed.scored)

    def make_room(self, summary: FileSummary) -> None:
        """Take the oldest chunk from the helpers if they hold as many as they may."""
        if self._pool is not None and self._pool.full:
            self.take(summary, self._pool.result())

    def drain(self, summary: FileSummary) -> None:
        """Take every chunk the helpers still hold."""
        while self._pool is not None and self._pool.pending:
            self.take(summary, self._pool.result())

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def flush(self, summary: FileSummary) -> None:
        if len(self.builder):
            self.writer.submit(id(summary), self.builder.take())

    def record(self, summary: FileSummary, obj: Any, where: str, line: int, raw: Any) -> None:
        """One parsed record (of whatever format) into rows, or into the rejects."""
        if summary.format is None:
            if not isinstance(obj, dict):
                self.reject(summary, BadRecord(where, f"record must be a JSON object, got {type_name(obj)}"), line, raw)
                return
            summary.format = detect(obj)
        for row in record_rows(obj, summary.format, where):
            if isinstance(row, BadRecord):
                self.reject(summary, row, line, raw)
            elif self.builder.add(row):
                self.flush(summary)
