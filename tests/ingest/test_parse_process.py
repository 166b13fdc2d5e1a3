"""Parse helpers return what parsing in this process gives, in the order chunks were sent."""

from __future__ import annotations

import orjson
import pyarrow as pa
import pytest

from ingest.records import exchange
from ingest.test_signal_process import PROMPTS
from stillwatch import signals as signal_registry
from stillwatch.ingest.chunks import parse_chunk, parse_records
from stillwatch.ingest.columns import rows_to_batch
from stillwatch.ingest.helper import HelperFailed
from stillwatch.ingest.parse_process import ParsePool
from stillwatch.ingest.reader import parquet_rows


def _chunk(start: int, n: int, bad_every: int = 0) -> bytes:
    lines = []
    for i in range(start, start + n):
        if bad_every and i % bad_every == 0:
            lines.append(b'{"id": "broken"')
            continue
        messages = [{"role": "system", "content": f"You are agent {i % 3}."},
                    {"role": "user", "content": f"{PROMPTS[i % len(PROMPTS)]} ({i})"}]  # fmt: skip
        lines.append(orjson.dumps(exchange(id=f"ex-{i}", messages=messages)))
    return b"\n".join(lines) + b"\n"


def test_helpers_parse_and_score_as_this_process_would() -> None:
    signals = [cls() for cls in signal_registry.registered()]
    chunks = [(_chunk(i * 30, 30, bad_every=7), 1 + i * 30) for i in range(5)]
    pool = ParsePool(2, signals)
    try:
        got = []
        for data, first in chunks:
            if pool.full:
                got.append(pool.result())
            pool.submit(data, "log.jsonl", first)
        while pool.pending:
            got.append(pool.result())
    finally:
        pool.close()
    assert len(got) == len(chunks)
    for (data, first), result in zip(chunks, got, strict=True):
        here = parse_chunk(data, "log.jsonl", first)
        assert result.scored
        assert result.batch.equals(signal_registry.annotate(rows_to_batch(here.rows), signals))
        assert result.rejects == [(line, reason, raw.decode()) for line, reason, raw in here.rejects]
    assert sum(len(r.rejects) for r in got) == len(range(0, 150, 7))


def test_helpers_read_parquet_batches() -> None:
    records = [exchange(id=f"p{i}", time=1_740_000_000 + i, messages=orjson.dumps(exchange()["messages"]).decode())
               for i in range(20)]  # fmt: skip
    records[4]["account"] = ""
    batch = pa.RecordBatch.from_pylist(records)
    pool = ParsePool(1, [])
    try:
        pool.submit_parquet(batch, "log.parquet", 101)
        result = pool.result()
    finally:
        pool.close()
    here = parse_records(parquet_rows(batch), "log.parquet", 101)
    assert result.batch.equals(rows_to_batch(here.rows)) and result.batch.num_rows == 19
    assert [(line, '"id":"p4"' in raw) for line, _, raw in result.rejects] == [(105, True)]


def test_helpers_leave_scoring_to_a_parent_with_other_signals() -> None:
    pool = ParsePool(1, [])  # the parent runs no signals: the helper must not add any
    try:
        pool.submit(_chunk(0, 10), "log.jsonl", 1)
        result = pool.result()
    finally:
        pool.close()
    assert not result.scored
    assert result.batch.equals(rows_to_batch(parse_chunk(_chunk(0, 10), "log.jsonl", 1).rows))


def test_too_many_chunks_in_flight_is_refused_and_a_dead_helper_is_an_error() -> None:
    pool = ParsePool(1, [], depth=1)
    try:
        pool.submit(_chunk(0, 3), "f", 1)
        with pytest.raises(RuntimeError, match="before submitting more"):
            pool.submit(_chunk(3, 3), "f", 4)
        assert pool.result().batch.num_rows == 3
        pool._helpers[0].kill()
        with pytest.raises(HelperFailed, match="parse process exited"):  # the CLI says it in a line
            pool.submit(_chunk(3, 3), "f", 4)
            pool.result()
    finally:
        pool.close()
