"""Opening log files: plain, gzip or zstd JSON Lines, and Parquet, told apart by content.

The compression is read from the file's first bytes, not its name, so a ``.log`` that is
really gzip still works. Lines are streamed through a buffered reader, never loaded whole.
A file that ends inside a compressed stream is an error (``BadFile``) raised where the
damage is met, after every complete line before it has been yielded.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import zstandard

from stillwatch.errors import BadFile

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
PARQUET_MAGIC = b"PAR1"
_BUFFER = 1 << 20
_CHUNK = 1 << 18
_JSON_COLUMNS = frozenset({"messages", "params", "tools"})
#: The largest file read as one JSON document (an OTLP export written as a whole file).
WHOLE_FILE_LIMIT = 1 << 30


def sniff(path: Path) -> str:
    """``"parquet"``, ``"gzip"``, ``"zstd"`` or ``"plain"``, from the first bytes."""
    with path.open("rb") as fh:
        head = fh.read(4)
    if head == PARQUET_MAGIC:
        return "parquet"
    if head[:2] == GZIP_MAGIC:
        return "gzip"
    if head == ZSTD_MAGIC:
        return "zstd"
    return "plain"


class _ZstdRaw(io.RawIOBase):
    """A zstd stream that, unlike ``stream_reader``, notices when the input stops short."""

    def __init__(self, fh: IO[bytes], name: str) -> None:
        self._fh = fh
        self._name = name
        self._dobj = zstandard.ZstdDecompressor().decompressobj()
        self._pending = b""
        self._started = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        while not self._pending:
            chunk = self._fh.read(_CHUNK)
            if not chunk:
                if self._started and not self._dobj.eof:
                    raise BadFile(f"{self._name}: zstd stream ends early (file truncated?)")
                return 0
            self._pending = self._decompress(chunk)
        n = min(len(view), len(self._pending))
        view[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def _decompress(self, chunk: bytes) -> bytes:
        out = []
        while chunk:
            if self._dobj.eof:  # a new frame follows the finished one
                self._dobj = zstandard.ZstdDecompressor().decompressobj()
            self._started = True
            try:
                out.append(self._dobj.decompress(chunk))
            except zstandard.ZstdError as exc:
                raise BadFile(f"{self._name}: corrupt zstd data: {exc}") from None
            chunk = self._dobj.unused_data if self._dobj.eof else b""
        return b"".join(out)


def open_lines(path: Path) -> tuple[IO[bytes], IO[bytes]]:
    """``(raw file, decompressed binary stream)`` for a JSON Lines file of any compression."""
    kind = sniff(path)
    raw = path.open("rb", buffering=_BUFFER)
    if kind == "gzip":
        # GzipFile buffers itself; a second buffer on top would fill by looping reads and
        # lose the lines before a truncation along with the error.
        return raw, gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    if kind == "zstd":
        return raw, io.BufferedReader(_ZstdRaw(raw, str(path)), _BUFFER)
    return raw, raw


def _damage(name: str, exc: Exception) -> BadFile:
    if isinstance(exc, EOFError | gzip.BadGzipFile | zlib.error):
        return BadFile(f"{name}: compressed stream is damaged or truncated ({exc})")
    return BadFile(f"{name}: cannot read: {exc}")


_DAMAGE = (EOFError, gzip.BadGzipFile, zlib.error, OSError)


def iter_lines(stream: IO[bytes], name: str) -> Iterator[bytes]:
    """Every line of ``stream``, turning decompression failures into ``BadFile``."""
    try:
        # Not ``yield from``: closing this generator early would close the stream too.
        for line in stream:
            yield line
    except _DAMAGE as exc:
        raise _damage(name, exc) from None


def iter_chunks(stream: IO[bytes], name: str, first_line: int, size: int) -> Iterator[tuple[int, bytes]]:
    """The rest of ``stream`` as ``(number of its first line, whole lines)`` of about ``size`` bytes.

    Lines end at a newline byte, as in ``iter_lines``, so the numbers agree. On damage,
    every complete line read before it is yielded first, then ``BadFile`` raised.
    """
    rest = b""
    while True:
        parts, got, newline = [rest], len(rest), b"\n" in rest
        failure: BadFile | None = None
        ended = False
        try:
            while got < size or not newline:
                piece = stream.read1(max(size - got, _CHUNK))  # type: ignore[attr-defined]
                if not piece:
                    ended = True
                    break
                parts.append(piece)
                got += len(piece)
                newline = newline or b"\n" in piece
        except BadFile as exc:  # the zstd reader's own
            failure = exc
        except _DAMAGE as exc:
            failure = _damage(name, exc)
        data = b"".join(parts)
        cut = len(data) if ended else data.rfind(b"\n") + 1
        if cut:
            yield first_line, data[:cut]
            first_line += data.count(b"\n", 0, cut) + (ended and not data.endswith(b"\n"))
        if failure is not None:
            raise failure
        if ended:
            return
        rest = data[cut:]


def read_whole(stream: IO[bytes], name: str, already: bytes = b"") -> bytes:
    """The rest of ``stream`` as one document, refusing files over ``WHOLE_FILE_LIMIT``."""
    parts = [already]
    size = len(already)
    for line in iter_lines(stream, name):
        size += len(line)
        if size > WHOLE_FILE_LIMIT:
            raise BadFile(f"{name}: too large to read as one JSON document; write one object a line")
        parts.append(line)
    return b"".join(parts)


def iter_parquet_batches(path: Path, batch_size: int) -> Iterator[tuple[int, pa.RecordBatch, int]]:
    """``(first row number, Arrow batch, rows in file)`` per record batch of a Parquet file;
    ``parquet_records`` turns a batch into the records the normaliser takes."""
    name = str(path)
    try:
        # Pages are read as the batches need them, not a row group's column chunks at once:
        # a writer's row groups can hold hundreds of MB of text (1M exchanges: 388 -> 243 MB
        # peak while iterating).
        reader = pq.ParquetFile(path, buffer_size=1 << 20, pre_buffer=False)
        total = reader.metadata.num_rows
        start = 1
        for batch in reader.iter_batches(batch_size=batch_size):
            yield start, batch, total
            start += batch.num_rows
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise BadFile(f"{name}: unreadable Parquet ({exc})") from None


def parquet_records(batch: pa.RecordBatch, name: str) -> list[dict[str, Any]]:
    """``parquet_rows``, with a value Python cannot hold a ``BadFile`` naming the file."""
    try:
        return parquet_rows(batch)
    except (pa.ArrowException, ValueError) as exc:
        raise BadFile(f"{name}: unreadable Parquet ({exc})") from None


def parquet_rows(batch: pa.RecordBatch) -> list[dict[str, Any]]:
    """A Parquet batch as record dicts the normaliser takes.

    Null members of nested structs are dropped, since Parquet cannot say "absent": a
    message part ``{"type": "image", "text": null}`` read back means ``{"type": "image"}``.
    ``messages``, ``params`` and ``tools`` may also be string columns holding JSON.
    """
    # Column by column, then zipped: a third faster than ``to_pylist`` (which builds rows).
    columns = _stamps_as_text(batch).to_pydict()
    names = list(columns)
    rows = [dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)]
    if not names:
        rows = [{} for _ in range(batch.num_rows)]
    nested = [f.name for f in batch.schema if pa.types.is_nested(f.type)]
    # Parquet has no union type, so a writer may keep these as JSON text instead.
    as_json = [
        f.name
        for f in batch.schema
        if f.name in _JSON_COLUMNS and (pa.types.is_string(f.type) or pa.types.is_large_string(f.type))
    ]
    for row in rows:
        for key in nested:
            row[key] = _drop_nulls(row[key])
        for key in as_json:
            text = row[key]
            if text is not None:
                try:
                    row[key] = orjson.loads(text)
                except orjson.JSONDecodeError:
                    pass  # left as text; the normaliser rejects it with the field named
    return rows


def _stamps_as_text(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Timestamp columns as RFC 3339 text in UTC, written by Arrow.

    Python datetimes cost 8 us each to build from a zoned column, and the normaliser's fast
    path takes only text and numbers, so every Parquet record went to the exact check.
    Reading 100k simulated exchanges from Parquet took 6.2 CPU s (3.5 s as JSON Lines), and
    5.5 s with text (and ``to_pydict``). A naive column is UTC, as it was as a datetime
    (``timestamps.datetime_to_us``).
    """
    for index, field in enumerate(batch.schema):
        if pa.types.is_timestamp(field.type):
            # Nanoseconds are cut to the microseconds the store keeps.
            unit = "us" if field.type.unit == "ns" else field.type.unit
            utc = batch.column(index).cast(pa.timestamp(unit, "UTC"), safe=False)
            text = pc.strftime(utc, format="%Y-%m-%dT%H:%M:%SZ")
            batch = batch.set_column(index, field.name, text)
    return batch


def _drop_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value
