"""One chunk of exchange lines: the rows and rejects ingest would get reading it line by line."""

from __future__ import annotations

import orjson

from ingest.records import exchange
from stillwatch.ingest.chunks import parse_chunk, parse_records
from stillwatch.ingest.normalize import normalize_row

LINES = [orjson.dumps(exchange(id="a")), b"", b"  \t", b"{oops", orjson.dumps(exchange(id="b", account=3)),
         orjson.dumps(exchange(id="c")), b"[1]", orjson.dumps(exchange(id="d"))]  # fmt: skip


def test_rows_and_rejects_keep_their_line_numbers() -> None:
    chunk = parse_chunk(b"\n".join(LINES) + b"\n", "log.jsonl", 40)
    assert chunk.rows == [normalize_row(exchange(id=i), f"log.jsonl:{n}") for i, n in (("a", 40), ("c", 45), ("d", 47))]
    assert [(line, raw) for line, _, raw in chunk.rejects] == [(43, b"{oops"), (44, LINES[4]), (46, b"[1]")]
    assert chunk.rejects[0][1].startswith("not valid JSON (")
    assert "field 'account' must be a non-empty string" in chunk.rejects[1][1]


def test_a_strict_read_stops_at_the_first_reject() -> None:
    chunk = parse_chunk(b"\n".join(LINES), "log.jsonl", 1, stop_at_reject=True)
    assert [row[0] for row in chunk.rows] == ["a"] and [line for line, _, _ in chunk.rejects] == [4]


def test_no_final_newline_and_no_lines() -> None:
    assert len(parse_chunk(LINES[0], "f", 1).rows) == 1
    assert parse_chunk(b"", "f", 1).rows == [] and parse_chunk(b"\n\n", "f", 1).rejects == []


def test_records_already_parsed_keep_their_numbers_and_rejects_keep_the_record() -> None:
    records = [exchange(id="a"), exchange(id="b", account=""), exchange(id="c")]
    parsed = parse_records(records, "log.parquet", 11)
    assert [row[-1] for row in parsed.rows] == ["log.parquet:11", "log.parquet:13"]
    assert [(line, raw) for line, _, raw in parsed.rejects] == [(12, records[1])]
    assert len(parse_records(records, "f", 1, stop_at_reject=True).rows) == 1
