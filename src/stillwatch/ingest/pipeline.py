"""Reading log files into the store: the library side of ``stillwatch ingest``.

Per file: open (plain, gzip, zstd or Parquet), take the format from the first good record
unless told, turn each record into a row (adapter, then the exchange v1 normaliser), build
Arrow batches, and hand them to the writer thread, which runs the signals (in a child
process of their own once the input fills an insert) and stores them.
A bad record goes to the rejects file and the run goes on (or stops, with ``strict``); a
damaged file stops that file only, keeping what was read before the damage.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson
import pyarrow as pa

from stillwatch.errors import BadFile, BadRecord, StillwatchError
from stillwatch.ingest.adapters import FORMATS, detect
from stillwatch.ingest.chunks import ParsedChunk, parse_chunk, parse_records
from stillwatch.ingest.columns import BatchBuilder
from stillwatch.ingest.jsontypes import type_name
from stillwatch.ingest.parse_process import Parsed, ParsePool
from stillwatch.ingest.records import record_rows
from stillwatch.ingest.reader import (
    iter_chunks, iter_lines, iter_parquet_batches, open_lines, parquet_records, read_whole, sniff,
)  # fmt: skip
from stillwatch.ingest.rejects import RejectsFile, rejects_path
from stillwatch.ingest.store import Store
from stillwatch.ingest.writer import BackgroundWriter
from stillwatch.signals.base import Signal

_SPACE = frozenset(b" \t\r\n\f\v")
#: Bytes of whole lines handed to a parse helper at a time (about 3,000 exchanges of 2.7 KB).
CHUNK_BYTES = 8 << 20
#: Parquet rows handed to a parse helper at a time.
CHUNK_ROWS = 4096
#: Bytes of whole lines parsed at a time in this process.
LOCAL_CHUNK_BYTES = 1 << 20
#: Files smaller than this are parsed in this process: starting the helpers (an interpreter
#: each, importing the signals) costs about as much as parsing 30 MB of exchanges.
PARALLEL_FROM = 32 << 20


def _starts_document(line: bytes) -> bool:
    """Does a first line that is not JSON open a pretty-printed document?"""
    head = line.strip()
    return head in (b"{", b"[") or head.startswith(b'{"resourceSpans"')


@dataclass
class FileSummary:
    """What became of one input file's records."""

    path: str
    format: str | None = None
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    error: str | None = None


@dataclass
class IngestSummary:
    """The outcome of one ingest run; ``to_json`` is what ``--json`` prints."""

    db: str
    rejects_file: str
    files: list[FileSummary] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def accepted(self) -> int:
        return sum(f.accepted for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    @property
    def duplicates(self) -> int:
        return sum(f.duplicates for f in self.files)

    @property
    def failed(self) -> list[FileSummary]:
        """Files that could not be read to the end."""
        return [f for f in self.files if f.error]

    def to_json(self) -> dict[str, Any]:
        return {
            "db": self.db,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
            "rejects_file": self.rejects_file if self.rejected else None,
            "seconds": round(self.seconds, 3),
            "files": [asdict(f) for f in self.files],
        }


class _Run:
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

    def may_pool(self, path: Path) -> bool:
        """Would an exchange file at ``path`` be parsed by helpers?"""
        # A strict run stops at the first bad record, which only reading in order can find.
        return not self.strict and self.workers > 0 and path.stat().st_size >= PARALLEL_FROM

    def pool(self, path: Path) -> ParsePool | None:
        """The parse helpers for an exchange file this large, started on first use."""
        if not self.may_pool(path):
            return None
        if self._pool is None:
            self._pool = ParsePool(self.workers, self.writer.signals)
        return self._pool

    def add(self, summary: FileSummary, parsed: ParsedChunk) -> None:
        """A chunk parsed here: its rows to the batch being built, its rejects aside."""
        self.builder.rows.extend(parsed.rows)
        for line, reason, raw in parsed.rejects:
            self.reject(summary, BadRecord(f"{summary.path}:{line}", reason), line, raw)
        if len(self.builder) >= self.builder.size:
            self.flush(summary)

    def take(self, summary: FileSummary, parsed: Parsed) -> None:
        """A chunk the helpers parsed: its rejects to the rejects file, its rows to the writer."""
        for line, reason, raw in parsed.rejects:
            self.reject(summary, BadRecord(f"{summary.path}:{line}", reason), line, raw)
        if parsed.batch.num_rows:
            self.writer.submit(id(summary), parsed.batch, scored=parsed.scored)

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


class _Progress:
    """Reports the input bytes consumed, by where the raw file's reader has got to."""

    def __init__(self, raw_file: IO[bytes], callback: Callable[[int], None] | None) -> None:
        self.raw_file = raw_file
        self.callback = callback
        self.reported = 0

    def update(self) -> None:
        if self.callback is not None:
            position = self.raw_file.tell()
            self.callback(position - self.reported)
            self.reported = position

    def finish(self, size: int) -> None:
        if self.callback is not None:
            self.callback(max(size - self.reported, 0))


def _read_lines(run: _Run, path: Path, summary: FileSummary) -> None:
    raw_file, stream = open_lines(path)
    progress = _Progress(raw_file, run.progress)
    try:
        last = 0 if summary.format == "exchange" else _read_head(run, stream, summary, progress)
        if last is not None and summary.format == "exchange":
            pool = run.pool(path)
            if pool is None:
                _read_chunks_here(run, stream, summary, last + 1, progress)
            else:
                _read_chunks_apart(run, pool, stream, summary, last + 1, progress)
    finally:
        progress.finish(path.stat().st_size)
        raw_file.close()


def _read_head(run: _Run, stream: IO[bytes], summary: FileSummary, progress: _Progress) -> int | None:
    """Records one line at a time until one shows the file is exchange v1.

    Returns the number of the last line read, or None when no lines are left to read (the
    file was one pretty-printed document, or in another format and read to its end).
    """
    name = summary.path
    lineno = 0
    for line in iter_lines(stream, name):
        lineno += 1
        if line[0] in _SPACE and not line.strip():
            continue
        where = f"{name}:{lineno}"
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            if summary.format is None and summary.rejected == 0 and _starts_document(line):
                # Perhaps one pretty-printed document (an OTLP export saved whole).
                text = read_whole(stream, name, line)
                try:
                    obj = orjson.loads(text)
                except orjson.JSONDecodeError:
                    raise BadFile(f"{name}: neither JSON Lines nor one JSON document ({exc})") from None
                run.record(summary, obj, where, lineno, text)
                return None
            run.reject(summary, BadRecord(where, f"not valid JSON ({exc.msg} at character {exc.pos})"), lineno, line)
            continue
        run.record(summary, obj, where, lineno, line)
        if summary.format == "exchange":
            return lineno
        if not len(run.builder):
            progress.update()
    return None


def _read_chunks_here(run: _Run, stream: IO[bytes], summary: FileSummary, first: int, progress: _Progress) -> None:
    name = summary.path
    for first_line, data in iter_chunks(stream, name, first, LOCAL_CHUNK_BYTES):
        run.add(summary, parse_chunk(data, name, first_line, stop_at_reject=run.strict))
        progress.update()


def _read_chunks_apart(run: _Run, pool: ParsePool, stream: IO[bytes], summary: FileSummary, first: int,
                       progress: _Progress) -> None:  # fmt: skip
    name = summary.path
    run.flush(summary)  # the first record, read here, goes before the helpers' rows
    try:
        for first_line, data in iter_chunks(stream, name, first, CHUNK_BYTES):
            if pool.full:
                run.take(summary, pool.result())
            pool.submit(data, name, first_line)
            progress.update()
    finally:
        # Also after damage: what was read before it is kept.
        while pool.pending:
            run.take(summary, pool.result())


def _read_parquet(run: _Run, path: Path, summary: FileSummary, batch_size: int) -> None:
    name = summary.path
    size, reported, seen = path.stat().st_size, 0, 0
    pool: ParsePool | None = None
    if run.may_pool(path):
        batch_size = max(batch_size, CHUNK_ROWS)
    try:
        for start, batch, total in iter_parquet_batches(path, batch_size):
            if pool is None and summary.format == "exchange" and (pool := run.pool(path)) is not None:
                run.flush(summary)  # rows read here go before the helpers' rows
            if pool is not None:
                if pool.full:
                    run.take(summary, pool.result())
                pool.submit_parquet(batch, name, start)
            elif summary.format == "exchange":
                run.add(summary, parse_records(parquet_records(batch, name), name, start, stop_at_reject=run.strict))
            else:
                for line, obj in enumerate(parquet_records(batch, name), start):
                    run.record(summary, obj, f"{name}:{line}", line, obj)
            seen += batch.num_rows
            if run.progress is not None:
                position = size * seen // max(total, 1)
                run.progress(position - reported)
                reported = position
    finally:
        while pool is not None and pool.pending:
            run.take(summary, pool.result())
        if run.progress is not None:
            run.progress(size - reported)


@contextmanager
def _tuned_interpreter() -> Iterator[None]:
    """Two interpreter settings for the length of an ingest, restored after."""
    # The writer thread needs the GIL briefly between DuckDB calls (and DuckDB's scan of an
    # Arrow table takes it per chunk). With the default 5 ms switch interval it waited on the
    # busy parsing thread for each of those; 0.5 ms made the writer 2.5x faster in a test
    # with no cost to the parser.
    interval = sys.getswitchinterval()
    # Every parsed record allocates a dozen dicts and lists, so the collector's youngest
    # generation filled every 50-odd records and its older ones were walked again and again;
    # the records hold no cycles. A threshold of 20,000 took 8-10% off the ingest's CPU (200k
    # simulated exchanges, no signals: 5.8-6.0 s against 5.2-5.5 s), memory unchanged.
    thresholds = gc.get_threshold()
    sys.setswitchinterval(min(interval, 0.0005))
    gc.set_threshold(max(thresholds[0], 20_000), *thresholds[1:])
    try:
        yield
    finally:
        sys.setswitchinterval(interval)
        gc.set_threshold(*thresholds)


def default_workers() -> int:
    """A parse helper for each core but one (up to 8); none on one or two cores.

    On two cores the ingest already keeps both busy (the signals' helper and DuckDB take
    the second), and parse helpers only moved the same CPU seconds between processes:
    955k exchanges took 35.1 s with two against 34.6 s without. Their use is on more
    cores, where the parent's share (reading, handing out, inserting: 20.5 of those 66
    CPU s) is what is left on the critical path.
    """
    cores = os.cpu_count() or 1
    return 0 if cores < 3 else min(cores - 1, 8)


def ingest_paths(
    paths: Sequence[str | Path],
    store: Store,
    *,
    fmt: str | None = None,
    strict: bool = False,
    progress: Callable[[int], None] | None = None,
    batch_size: int = 2048,
    signals: Sequence[Signal] | None = None,
    on_reject: Callable[[BadRecord], None] | None = None,
    workers: int | None = None,
) -> IngestSummary:
    """Read log files into ``store``; see the module docstring for what happens to each.

    Parameters
    ----------
    fmt:
        ``"exchange"``, ``"litellm"`` or ``"otlp"``; None detects it per file.
    strict:
        Raise ``BadRecord`` at the first bad record (rows before it stay stored).
    progress:
        Called with the number of input bytes consumed since the last call.
    batch_size:
        Records per Arrow batch built by the reader (the writer joins them into larger
        inserts); small batches keep the rows being transposed in cache.
    signals:
        Signal instances to run; None runs every registered signal.
    on_reject:
        Called with each ``BadRecord`` as it is met (the CLI prints them).
    workers:
        Helper processes parsing exchange v1 files (JSON Lines or Parquet) of ``PARALLEL_FROM`` bytes and
        more; 0 parses in this process. None: ``default_workers()``.
    """
    if fmt is not None and fmt not in FORMATS:
        raise StillwatchError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    summary = IngestSummary(db=store.path, rejects_file=str(rejects_path(store.path)))
    rejects = RejectsFile(Path(summary.rejects_file))
    if workers is None:
        workers = default_workers()
    with store.bulk(), _tuned_interpreter():
        _ingest(paths, store, summary, rejects, fmt=fmt, strict=strict, batch_size=batch_size,
                workers=workers, progress=progress, signals=signals, on_reject=on_reject)  # fmt: skip
    # Arrow's allocator keeps freed batches' memory for reuse (about 70 MB after 200k
    # exchanges); a scan in the same process wants it for DuckDB.
    pa.default_memory_pool().release_unused()
    return summary


def _ingest(paths: Sequence[str | Path], store: Store, summary: IngestSummary, rejects: RejectsFile, *,
            fmt: str | None, strict: bool, batch_size: int, workers: int, progress: Callable[[int], None] | None,
            signals: Sequence[Signal] | None, on_reject: Callable[[BadRecord], None] | None) -> None:  # fmt: skip
    started = time.perf_counter()
    writer = BackgroundWriter(store, signals)
    run = _Run(writer, rejects, fmt=fmt, strict=strict, batch_size=batch_size, workers=workers, progress=progress,
               on_reject=on_reject)  # fmt: skip
    try:
        for raw_path in paths:
            path = Path(raw_path)
            file_summary = FileSummary(path=str(raw_path), format=fmt)
            summary.files.append(file_summary)
            try:
                if sniff(path) == "parquet":
                    _read_parquet(run, path, file_summary, batch_size)
                else:
                    _read_lines(run, path, file_summary)
            except BadFile as exc:
                file_summary.error = str(exc)
            except OSError as exc:
                file_summary.error = f"{path}: cannot read: {exc.strerror or exc}"
            finally:
                run.flush(file_summary)  # what was read before a failure is kept
                writer.commit()
    finally:
        try:
            run.close()
            writer.close()
        finally:
            rejects.close()
        for file_summary in summary.files:
            inserted, duplicates = writer.results.get(id(file_summary), (0, 0))
            file_summary.accepted, file_summary.duplicates = inserted, duplicates
        summary.seconds = time.perf_counter() - started
