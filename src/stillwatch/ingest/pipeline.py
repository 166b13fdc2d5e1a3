"""Reading log files into the store: the library side of ``stillwatch ingest``.

Per file (``files``): open (plain, gzip, zstd or Parquet), take the format from the first
good record unless told, turn each record into a row (adapter, then the exchange v1
normaliser; for large exchange files, in parse helpers), build Arrow batches, and hand them
to the writer thread, which runs the signals (in a helper of their own once the input fills
an insert) and stores them. A bad record goes to the rejects file and the run goes on (or
stops, with ``strict``); a damaged file stops that file only, keeping what was read before
the damage.
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
from typing import Any

import pyarrow as pa

from stillwatch.errors import BadFile, BadRecord, StillwatchError
from stillwatch.ingest.adapters import FORMATS
from stillwatch.ingest.chunks import GC_THRESHOLD
from stillwatch.ingest.files import read_lines, read_parquet
from stillwatch.ingest.reader import sniff
from stillwatch.ingest.rejects import RejectsFile, rejects_path
from stillwatch.ingest.run import FileSummary, Run
from stillwatch.ingest.store import Store
from stillwatch.ingest.writer import BackgroundWriter
from stillwatch.signals.base import Signal

__all__ = ["FileSummary", "IngestSummary", "default_workers", "ingest_paths"]


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


@contextmanager
def _tuned_interpreter() -> Iterator[None]:
    """Two interpreter settings for the length of an ingest, restored after."""
    # The writer thread needs the GIL briefly between DuckDB calls (and DuckDB's scan of an
    # Arrow table takes it per chunk). With the default 5 ms switch interval it waited on the
    # busy parsing thread for each of those; 0.5 ms made the writer 2.5x faster in a test
    # with no cost to the parser.
    interval = sys.getswitchinterval()
    # And the collector's threshold while parsing (``chunks.GC_THRESHOLD`` says why).
    thresholds = gc.get_threshold()
    sys.setswitchinterval(min(interval, 0.0005))
    gc.set_threshold(max(thresholds[0], GC_THRESHOLD), *thresholds[1:])
    try:
        yield
    finally:
        sys.setswitchinterval(interval)
        gc.set_threshold(*thresholds)


def default_workers() -> int:
    """A parse helper for each core but one (up to 8); none on one or two cores.

    On two cores the ingest already keeps both busy (the signals' helper and DuckDB take
    the second), and parse helpers only moved the same CPU seconds between processes:
    955k exchanges took 30.9 s with two against 29.7 s without. Their use is on more
    cores, where the parent's share (reading, handing out, inserting: 19.3 of those 57.6
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
    run = Run(writer, rejects, fmt=fmt, strict=strict, batch_size=batch_size, workers=workers, progress=progress,
               on_reject=on_reject)  # fmt: skip
    try:
        for raw_path in paths:
            path = Path(raw_path)
            file_summary = FileSummary(path=str(raw_path), format=fmt)
            summary.files.append(file_summary)
            try:
                if sniff(path) == "parquet":
                    read_parquet(run, path, file_summary, batch_size)
                else:
                    read_lines(run, path, file_summary)
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
