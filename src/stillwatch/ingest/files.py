"""Reading one file of a run: JSON Lines or Parquet, in chunks once the format is known.

A JSON Lines file is read a line at a time until its first good record says its format.
Exchange v1 files then go on in chunks of whole lines (``reader.iter_chunks``), parsed here
or by the run's parse helpers; other formats go on a record at a time. Parquet is read a
batch at a time, the same way. A damaged file stops where the damage is, keeping every
record before it, including those still with the helpers.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO

import orjson

from stillwatch.errors import BadFile, BadRecord
from stillwatch.ingest.chunks import is_blank, not_json, parse_chunk, parse_records
from stillwatch.ingest.parse_process import ParsePool
from stillwatch.ingest.reader import (
    iter_chunks, iter_lines, iter_parquet_batches, open_lines, parquet_records, read_whole,
)  # fmt: skip
from stillwatch.ingest.run import FileSummary, Run

#: Bytes of whole lines handed to a parse helper at a time (about 3,000 exchanges of 2.7 KB).
CHUNK_BYTES = 8 << 20
#: Parquet rows handed to a parse helper at a time.
CHUNK_ROWS = 4096
#: Bytes of whole lines parsed at a time in this process.
LOCAL_CHUNK_BYTES = 1 << 20


def _starts_document(line: bytes) -> bool:
    """Does a first line that is not JSON open a pretty-printed document?"""
    head = line.strip()
    return head in (b"{", b"[") or head.startswith(b'{"resourceSpans"')


class _Progress:
    """Reports the input bytes consumed as the difference since the last report."""

    def __init__(self, callback: Callable[[int], None] | None, where: Callable[[], int]) -> None:
        self.callback = callback
        self.where = where  # how far into the file the reader has got, in bytes
        self.reported = 0

    def update(self) -> None:
        if self.callback is not None:
            position = self.where()
            self.callback(position - self.reported)
            self.reported = position

    def finish(self, size: int) -> None:
        if self.callback is not None:
            self.callback(max(size - self.reported, 0))


def read_lines(run: Run, path: Path, summary: FileSummary) -> None:
    raw_file, stream = open_lines(path)
    progress = _Progress(run.progress, raw_file.tell)
    try:
        last = 0 if summary.format == "exchange" else _read_head(run, stream, summary, progress)
        if last is not None and summary.format == "exchange":
            if run.may_pool(path):
                _read_chunks_apart(run, run.pool(), stream, summary, last + 1, progress)
            else:
                _read_chunks_here(run, stream, summary, last + 1, progress)
    finally:
        progress.finish(path.stat().st_size)
        raw_file.close()


def _read_head(run: Run, stream: IO[bytes], summary: FileSummary, progress: _Progress) -> int | None:
    """Records one line at a time until one shows the file is exchange v1.

    Returns the number of the last line read, or None when no lines are left to read (the
    file was one pretty-printed document, or in another format and read to its end).
    """
    name = summary.path
    lineno = 0
    for line in iter_lines(stream, name):
        lineno += 1
        if is_blank(line):
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
            run.reject(summary, BadRecord(where, not_json(exc)), lineno, line)
            continue
        run.record(summary, obj, where, lineno, line)
        if summary.format == "exchange":
            return lineno
        if not len(run.builder):
            progress.update()
    return None


def _read_chunks_here(run: Run, stream: IO[bytes], summary: FileSummary, first: int, progress: _Progress) -> None:
    name = summary.path
    for first_line, data in iter_chunks(stream, name, first, LOCAL_CHUNK_BYTES):
        run.add(summary, parse_chunk(data, name, first_line, stop_at_reject=run.strict))
        progress.update()


def _read_chunks_apart(run: Run, pool: ParsePool, stream: IO[bytes], summary: FileSummary, first: int,
                       progress: _Progress) -> None:  # fmt: skip
    name = summary.path
    run.flush(summary)  # the first record, read here, goes before the helpers' rows
    try:
        for first_line, data in iter_chunks(stream, name, first, CHUNK_BYTES):
            run.make_room(summary)
            pool.submit(data, name, first_line)
            progress.update()
    finally:
        run.drain(summary)  # also after damage: what was read before it is kept


def read_parquet(run: Run, path: Path, summary: FileSummary, batch_size: int) -> None:
    name = summary.path
    size, seen, total = path.stat().st_size, 0, 1
    # Rows stand in for bytes: a Parquet file is read by column chunks, not front to back.
    progress = _Progress(run.progress, lambda: size * seen // max(total, 1))
    pool: ParsePool | None = None
    apart = run.may_pool(path)
    if apart:
        batch_size = max(batch_size, CHUNK_ROWS)
    try:
        for start, batch, total in iter_parquet_batches(path, batch_size):
            if apart and pool is None and summary.format == "exchange":
                pool = run.pool()
                run.flush(summary)  # rows read here go before the helpers' rows
            if pool is not None:
                run.make_room(summary)
                pool.submit_parquet(batch, name, start)
            elif summary.format == "exchange":
                run.add(summary, parse_records(parquet_records(batch, name), name, start, stop_at_reject=run.strict))
            else:
                for line, obj in enumerate(parquet_records(batch, name), start):
                    run.record(summary, obj, f"{name}:{line}", line, obj)
            seen += batch.num_rows
            progress.update()
    finally:
        run.drain(summary)
        progress.finish(size)
