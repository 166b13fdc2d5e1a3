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
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa

from stillwatch.errors import BadFile, BadRecord, StillwatchError
from stillwatch.ingest.adapters import FORMATS, detect
from stillwatch.ingest.columns import BatchBuilder
from stillwatch.ingest.jsontypes import type_name
from stillwatch.ingest.normalize import normalize_row
from stillwatch.ingest.records import record_rows
from stillwatch.ingest.reader import iter_lines, iter_parquet, open_lines, read_whole, sniff
from stillwatch.ingest.rejects import RejectsFile, rejects_path
from stillwatch.ingest.store import Store
from stillwatch.ingest.writer import BackgroundWriter
from stillwatch.signals.base import Signal

_SPACE = frozenset(b" \t\r\n\f\v")


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
                 batch_size: int, progress: Callable[[int], None] | None,
                 on_reject: Callable[[BadRecord], None] | None) -> None:  # fmt: skip
        self.writer = writer
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


def _read_lines(run: _Run, path: Path, summary: FileSummary) -> None:
    name = summary.path
    raw_file, stream = open_lines(path)
    reported = 0
    builder = run.builder
    rows = builder.rows
    loads = orjson.loads
    lineno = 0
    try:
        for line in iter_lines(stream, name):
            lineno += 1
            if line[0] in _SPACE and not line.strip():
                continue
            where = f"{name}:{lineno}"
            try:
                obj = loads(line)
            except orjson.JSONDecodeError as exc:
                if summary.format is None and summary.rejected == 0 and _starts_document(line):
                    # Perhaps one pretty-printed document (an OTLP export saved whole).
                    text = read_whole(stream, name, line)
                    try:
                        obj = loads(text)
                    except orjson.JSONDecodeError:
                        raise BadFile(f"{name}: neither JSON Lines nor one JSON document ({exc})") from None
                    run.record(summary, obj, where, lineno, text)
                    return
                run.reject(summary, BadRecord(where, f"not valid JSON ({exc.msg} at character {exc.pos})"), lineno, line)
                continue
            if summary.format == "exchange":
                # The common case, kept free of calls it does not need.
                try:
                    rows.append(normalize_row(obj, where))
                except BadRecord as error:
                    run.reject(summary, error, lineno, line)
                    continue
                if len(rows) < builder.size:
                    continue
                run.flush(summary)
            else:
                run.record(summary, obj, where, lineno, line)
                if len(rows):
                    continue
            if run.progress is not None:
                position = raw_file.tell()
                run.progress(position - reported)
                reported = position
    finally:
        if run.progress is not None:
            run.progress(max(path.stat().st_size - reported, 0))
        raw_file.close()


def _read_parquet(run: _Run, path: Path, summary: FileSummary, batch_size: int) -> None:
    size, reported, seen = path.stat().st_size, 0, 0
    for start, rows, total in iter_parquet(path, batch_size):
        for offset, obj in enumerate(rows):
            line = start + offset
            run.record(summary, obj, f"{summary.path}:{line}", line, obj)
        seen += len(rows)
        if run.progress is not None:
            position = size * seen // max(total, 1)
            run.progress(position - reported)
            reported = position
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
    """
    if fmt is not None and fmt not in FORMATS:
        raise StillwatchError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    summary = IngestSummary(db=store.path, rejects_file=str(rejects_path(store.path)))
    rejects = RejectsFile(Path(summary.rejects_file))
    with store.bulk(), _tuned_interpreter():
        _ingest(paths, store, summary, rejects, fmt=fmt, strict=strict, batch_size=batch_size,
                progress=progress, signals=signals, on_reject=on_reject)  # fmt: skip
    # Arrow's allocator keeps freed batches' memory for reuse (about 70 MB after 200k
    # exchanges); a scan in the same process wants it for DuckDB.
    pa.default_memory_pool().release_unused()
    return summary


def _ingest(paths: Sequence[str | Path], store: Store, summary: IngestSummary, rejects: RejectsFile, *,
            fmt: str | None, strict: bool, batch_size: int, progress: Callable[[int], None] | None,
            signals: Sequence[Signal] | None, on_reject: Callable[[BadRecord], None] | None) -> None:  # fmt: skip
    started = time.perf_counter()
    writer = BackgroundWriter(store, signals)
    run = _Run(writer, rejects, fmt=fmt, strict=strict, batch_size=batch_size, progress=progress, on_reject=on_reject)
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
            writer.close()
        finally:
            rejects.close()
        for file_summary in summary.files:
            inserted, duplicates = writer.results.get(id(file_summary), (0, 0))
            file_summary.accepted, file_summary.duplicates = inserted, duplicates
        summary.seconds = time.perf_counter() - started
