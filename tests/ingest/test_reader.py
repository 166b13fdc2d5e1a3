from __future__ import annotations

import gzip
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from stillwatch.errors import BadFile
from stillwatch.ingest.reader import iter_chunks, iter_lines, iter_parquet_batches, open_lines, parquet_records, sniff

# Enough for several compressed blocks: a stream can only be decoded block by block.
LINES = [b'{"n": %d, "pad": "%s"}\n' % (i, b"x" * (i % 50)) for i in range(60_000)]


def _read(path: Path) -> list[bytes]:
    raw, stream = open_lines(path)
    try:
        return list(iter_lines(stream, str(path)))
    finally:
        raw.close()


@pytest.mark.parametrize(
    ("kind", "compress"),
    [("plain", bytes), ("gzip", gzip.compress), ("zstd", lambda b: zstandard.ZstdCompressor().compress(b))],
)
def test_compression_is_read_from_content(tmp_path: Path, kind: str, compress: object) -> None:
    path = tmp_path / "log.data"  # the name says nothing
    path.write_bytes(compress(b"".join(LINES)))  # type: ignore[operator]
    assert sniff(path) == kind
    assert _read(path) == LINES


def test_concatenated_zstd_frames(tmp_path: Path) -> None:
    path = tmp_path / "log.zst"
    half = len(LINES) // 2
    c = zstandard.ZstdCompressor()
    path.write_bytes(c.compress(b"".join(LINES[:half])) + c.compress(b"".join(LINES[half:])))
    assert _read(path) == LINES


def _cut(path: Path, compress: object) -> Path:
    """``LINES`` compressed, with the second half of the compressed bytes missing."""
    data = compress(b"".join(LINES))  # type: ignore[operator]
    path.write_bytes(data[: len(data) // 2])
    return path


@pytest.mark.parametrize("compress", [gzip.compress, lambda b: zstandard.ZstdCompressor().compress(b)])
def test_truncated_stream_is_a_bad_file_after_the_good_lines(tmp_path: Path, compress: object) -> None:
    path = _cut(tmp_path / "cut.log", compress)
    raw, stream = open_lines(path)
    got: list[bytes] = []
    with pytest.raises(BadFile, match="cut.log"):
        for line in iter_lines(stream, str(path)):
            got.append(line)
    raw.close()
    assert got and got == LINES[: len(got)]


def _chunks(path: Path, size: int, first_line: int = 1) -> list[tuple[int, bytes]]:
    raw, stream = open_lines(path)
    try:
        return list(iter_chunks(stream, str(path), first_line, size))
    finally:
        raw.close()


@pytest.mark.parametrize("compress", [bytes, gzip.compress, lambda b: zstandard.ZstdCompressor().compress(b)])
def test_chunks_are_whole_lines_numbered_as_iter_lines_numbers_them(tmp_path: Path, compress: object) -> None:
    path = tmp_path / "log.data"
    path.write_bytes(compress(b"".join(LINES)))  # type: ignore[operator]
    chunks = _chunks(path, 100_000)
    assert len(chunks) > 5 and all(data.endswith(b"\n") for _, data in chunks)
    assert b"".join(data for _, data in chunks) == b"".join(LINES)
    lines = [(first + i, line) for first, data in chunks for i, line in enumerate(data.splitlines(keepends=True))]
    assert lines == list(enumerate(LINES, 1))


def test_a_line_longer_than_a_chunk_and_a_last_line_without_newline(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    long = b"b" * 600_000  # longer than several reads
    path.write_bytes(b"a\n" + long + b"\r\n\nc\nd")
    assert _chunks(path, 1000, first_line=3) == [(3, b"a\n"), (4, long + b"\r\n\nc\n"), (7, b"d")]
    assert _chunks(path, 1 << 20) == [(1, path.read_bytes())]


@pytest.mark.parametrize("compress", [gzip.compress, lambda b: zstandard.ZstdCompressor().compress(b)])
def test_damage_in_a_chunk_yields_the_whole_lines_before_it(tmp_path: Path, compress: object) -> None:
    path = _cut(tmp_path / "cut.log", compress)
    raw, stream = open_lines(path)
    got: list[tuple[int, bytes]] = []
    with pytest.raises(BadFile, match="cut.log"):
        for chunk in iter_chunks(stream, str(path), 1, 1 << 30):  # all in what would be one chunk
            got.append(chunk)
    raw.close()
    assert len(got) == 1 and got[0][0] == 1
    lines = got[0][1].splitlines(keepends=True)
    assert len(lines) > 1000 and lines == LINES[: len(lines)]


def test_corrupt_zstd_is_a_bad_file(tmp_path: Path) -> None:
    data = bytearray(zstandard.ZstdCompressor().compress(b"".join(LINES)))
    data[len(data) // 2 : len(data) // 2 + 16] = b"\xff" * 16
    path = tmp_path / "bad.zst"
    path.write_bytes(bytes(data))
    with pytest.raises(BadFile):
        _read(path)


def test_parquet_rows_drop_nested_nulls_and_decode_json_text(tmp_path: Path) -> None:
    path = tmp_path / "log.parquet"
    table = pa.table({
        "id": ["a", "b"],
        "messages": [[{"role": "user", "content": [{"type": "image", "text": None}]}], None],
        "params": ['{"temperature": 0.5}', None],
    })  # fmt: skip
    pq.write_table(table, path)
    assert sniff(path) == "parquet"
    ((start, batch, total),) = list(iter_parquet_batches(path, 100))
    rows = parquet_records(batch, str(path))
    assert (start, total) == (1, 2)
    assert rows[0]["messages"] == [{"role": "user", "content": [{"type": "image"}]}]
    assert rows[0]["params"] == {"temperature": 0.5} and rows[1]["params"] is None


@pytest.mark.parametrize(
    ("kind", "value"),
    [(pa.timestamp("us", tz="UTC"), 1_740_000_000_123_456), (pa.timestamp("ns", tz="UTC"), 1_740_000_000_123_456_789),
     (pa.timestamp("ms", tz="Asia/Tokyo"), 1_740_000_000_123), (pa.timestamp("s"), 1_740_000_000)],
)  # fmt: skip
def test_parquet_timestamps_arrive_as_utc_text_the_normaliser_takes(kind: pa.DataType, value: int) -> None:
    from stillwatch.ingest.normalize import normalize_row
    from stillwatch.ingest.reader import parquet_rows
    from stillwatch.ingest.timestamps import datetime_to_us

    batch = pa.record_batch({"id": ["a"], "time": pa.array([value], kind), "account": ["k"], "model": ["m"],
                             "messages": ["[]"]})  # fmt: skip
    (row,) = parquet_rows(batch)
    assert isinstance(row["time"], str) and row["time"].endswith("Z")
    unit = {"s": 1_000_000, "ms": 1000, "us": 1, "ns": 1}[kind.unit]
    expected = value * unit if kind.unit != "ns" else value // 1000
    assert normalize_row(row, "f:1")[1] == expected
    # What the datetime Arrow would have built gives the same microseconds (naive means UTC).
    if kind.unit != "ns":
        assert datetime_to_us(pa.array([value], kind)[0].as_py()) == expected


def test_truncated_parquet_is_a_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "cut.parquet"
    pq.write_table(pa.table({"id": [str(i) for i in range(1000)]}), path)
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(BadFile, match="cut.parquet"):
        list(iter_parquet_batches(path, 100))
