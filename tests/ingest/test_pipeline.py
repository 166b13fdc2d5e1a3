from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.adapters.otlp_exports import export, genai_span, http_span
from ingest.adapters.test_litellm import payload
from ingest.records import exchange, jsonl, write_log
from stillwatch.errors import BadRecord, StillwatchError
from stillwatch.ingest import IngestSummary, Store, files, ingest_paths, run
from stillwatch.signals import signal_fields
from stillwatch.types import EXCHANGE_COLUMNS


def _ingest(db: Path, *paths: Path, **options: Any) -> IngestSummary:
    options.setdefault("signals", [])
    with Store(db) as store:
        return ingest_paths(list(paths), store, **options)


def _stored(db: Path, sql: str = "SELECT id FROM exchanges ORDER BY id") -> list[Any]:
    with Store(db, read_only=True) as store:
        return [r[0] if len(r) == 1 else r for r in store.connection.execute(sql).fetchall()]


def _records(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [exchange(id=f"ex-{i:05d}", time=1_740_000_000 + i) for i in range(start, start + n)]


@pytest.mark.parametrize("compression", ["plain", "gzip", "zstd"])
def test_round_trip(tmp_path: Path, db: Path, compression: str) -> None:
    log = write_log(tmp_path / "log.jsonl", _records(300), compression)
    summary = _ingest(db, log, batch_size=64)
    assert (summary.accepted, summary.rejected, summary.duplicates) == (300, 0, 0)
    assert summary.files[0].format == "exchange"
    assert _stored(db) == [f"ex-{i:05d}" for i in range(300)]
    assert _stored(db, "SELECT source FROM exchanges WHERE id = 'ex-00007'") == [f"{log}:8"]


def test_parquet_round_trip(tmp_path: Path, db: Path) -> None:
    records = _records(50)
    for r in records:  # times as timestamps, params as a struct
        r["time"] = pa.scalar(r["time"] * 1_000_000, pa.timestamp("us", tz="UTC")).as_py()
        r.pop("account_created")
    # Parquet has no union type: message content is all parts, or the array is JSON text.
    as_parts = [{**r, "messages": [{"role": m["role"], "content": m["content"] if isinstance(m["content"], list)
                 else [{"type": "text", "text": m["content"]}]} for m in r["messages"]]} for r in records[:25]]  # fmt: skip
    as_text = [{**r, "messages": orjson.dumps(r["messages"]).decode()} for r in records[25:]]
    pq.write_table(pa.Table.from_pylist(as_parts), tmp_path / "a.parquet")
    pq.write_table(pa.Table.from_pylist(as_text), tmp_path / "b.parquet")
    summary = _ingest(db, tmp_path / "a.parquet", tmp_path / "b.parquet")
    assert (summary.accepted, summary.rejected) == (50, 0), summary.to_json()
    got = _stored(db, "SELECT prompt_text, n_images, temperature, epoch(time) FROM exchanges WHERE id IN ('ex-00000', 'ex-00049')")
    assert sorted(got) == [("And 3+3?", 1, 0.7, 1_740_000_000.0), ("And 3+3?", 1, 0.7, 1_740_000_049.0)]


def test_ingesting_twice_adds_nothing(tmp_path: Path, db: Path) -> None:
    log = write_log(tmp_path / "log.jsonl", _records(200) + _records(5))  # 5 repeated within the file
    first = _ingest(db, log, batch_size=32)
    assert (first.accepted, first.duplicates) == (200, 5)
    again = _ingest(db, log)
    assert (again.accepted, again.duplicates) == (0, 205)
    overlap = write_log(tmp_path / "next.jsonl", _records(50, start=180))
    assert (_ingest(db, overlap).accepted, len(_stored(db))) == (30, 230)


def test_bad_records_are_skipped_and_kept_aside(tmp_path: Path, db: Path) -> None:
    lines = [orjson.dumps(exchange(id="a")), b"", b"   ", b"{not json", orjson.dumps(exchange(id="b", account=3)),
             b"[1, 2]", orjson.dumps(exchange(id="c", messages=...)), orjson.dumps(exchange(id="d"))]  # fmt: skip
    log = tmp_path / "mixed.jsonl"
    log.write_bytes(b"\n".join(lines) + b"\n")
    seen: list[BadRecord] = []
    summary = _ingest(db, log, on_reject=seen.append)
    assert (summary.accepted, summary.rejected) == (2, 4)
    assert [e.where for e in seen] == [f"{log}:4", f"{log}:5", f"{log}:6", f"{log}:7"]
    rejects = [json.loads(line) for line in Path(summary.rejects_file).read_text().splitlines()]
    assert [(r["file"], r["line"]) for r in rejects] == [(str(log), n) for n in (4, 5, 6, 7)]
    assert "field 'account' must be a non-empty string" in rejects[1]["reason"]
    assert rejects[0]["raw"] == "{not json"
    assert summary.to_json()["rejects_file"] == summary.rejects_file


def test_strict_stops_at_the_first_bad_record(tmp_path: Path, db: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_bytes(jsonl(_records(3)) + b"oops\n" + jsonl(_records(3, start=3)))
    with pytest.raises(BadRecord, match=":4: not valid JSON"):
        _ingest(db, log, strict=True)
    assert len(_stored(db)) == 3  # what came before is kept


def test_truncated_gzip_keeps_what_came_before(tmp_path: Path, db: Path) -> None:
    records = [exchange(id=f"ex-{i:06d}", response=f"answer {i} " * 20) for i in range(20_000)]
    data = gzip.compress(jsonl(records))
    log = tmp_path / "cut.jsonl.gz"
    log.write_bytes(data[: len(data) * 3 // 4])
    good = write_log(tmp_path / "next.jsonl", _records(5))
    summary = _ingest(db, log, good)
    cut, after = summary.files
    assert cut.error and "cut.jsonl.gz" in cut.error and summary.failed == [cut]
    assert 0 < cut.accepted < 20_000 and cut.rejected == 0
    assert after.accepted == 5 and after.error is None
    assert len(_stored(db)) == cut.accepted + 5


def test_empty_and_blank_files(tmp_path: Path, db: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    blank = tmp_path / "blank.jsonl"
    blank.write_bytes(b"\n\n  \n")
    summary = _ingest(db, empty, blank)
    assert (summary.accepted, summary.rejected, summary.failed) == (0, 0, [])
    assert summary.files[0].format is None


def test_formats_detected_per_file(tmp_path: Path, db: Path) -> None:
    native = write_log(tmp_path / "a.jsonl", _records(2))
    lite = write_log(tmp_path / "b.jsonl", [payload(), payload(id="chatcmpl-2")])
    traces = write_log(tmp_path / "c.jsonl", [export([genai_span(), http_span()])])
    summary = _ingest(db, native, lite, traces)
    assert [(f.format, f.accepted) for f in summary.files] == [("exchange", 2), ("litellm", 2), ("otlp", 1)]


def test_forced_format_rejects_other_shapes(tmp_path: Path, db: Path) -> None:
    log = write_log(tmp_path / "a.jsonl", _records(2))
    summary = _ingest(db, log, fmt="otlp")
    assert summary.rejected == 2 and summary.accepted == 0
    with pytest.raises(StillwatchError, match="unknown format"):
        _ingest(db, log, fmt="csv")


def test_whole_file_otlp_export(tmp_path: Path, db: Path) -> None:
    log = tmp_path / "traces.json"
    log.write_text(json.dumps(export([genai_span()]), indent=2))
    summary = _ingest(db, log)
    assert (summary.files[0].format, summary.accepted) == ("otlp", 1)


def test_registered_signals_add_their_columns(tmp_path: Path, db: Path) -> None:
    log = write_log(tmp_path / "log.jsonl", _records(3))
    summary = _ingest(db, log, signals=None)
    assert summary.accepted == 3
    with Store(db, read_only=True) as store:
        assert store.columns() == list(EXCHANGE_COLUMNS) + [f.name for f in signal_fields()]


def test_progress_reports_every_byte(tmp_path: Path, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "LOCAL_CHUNK_BYTES", 4096)
    log = write_log(tmp_path / "log.jsonl", _records(500), "gzip")
    steps: list[int] = []
    _ingest(db, log, progress=steps.append, batch_size=50)
    assert sum(steps) == log.stat().st_size and len(steps) > 2


def test_progress_reports_every_byte_of_parquet(tmp_path: Path, db: Path) -> None:
    log = tmp_path / "log.parquet"
    records = [dict(r, messages=orjson.dumps(r["messages"]).decode()) for r in _records(300)]
    pq.write_table(pa.Table.from_pylist(records), log)
    steps: list[int] = []
    _ingest(db, log, progress=steps.append, batch_size=50)
    assert sum(steps) == log.stat().st_size and len(steps) > 2 and min(steps) >= 0


# -- nothing crashes ingestion ------------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
_keys = st.sampled_from(["id", "time", "account", "model", "messages", "params", "tools", "asn", "response",
                         "resourceSpans", "startTime", "call_type", "metadata", "x"])  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400), st.lists(st.dictionaries(_keys, _json, max_size=6) | _json, max_size=6))
def test_arbitrary_input_never_crashes(tmp_path: Path, data: bytes, values: list[Any]) -> None:
    db = tmp_path / "fuzz.duckdb"
    for stale in tmp_path.glob("fuzz*"):
        stale.unlink()
    raw = tmp_path / "raw.log"
    raw.write_bytes(data)
    parsed = tmp_path / "values.jsonl"
    parsed.write_bytes(b"\n".join(orjson.dumps(v, option=orjson.OPT_NON_STR_KEYS) for v in values if _dumpable(v)))
    summary = _ingest(db, raw, parsed)
    for item in summary.files:
        assert item.error is None or item.path == str(raw)
    with Store(db, read_only=True) as store:
        assert summary.accepted == store.count()


def _dumpable(value: Any) -> bool:
    try:
        orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        return False
    return True


# -- parse helpers -------------------------------------------------------------------------------


@pytest.fixture
def helpers_for_small_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run, "PARALLEL_FROM", 0)
    monkeypatch.setattr(files, "CHUNK_BYTES", 20_000)
    monkeypatch.setattr(files, "CHUNK_ROWS", 40)


@pytest.mark.parametrize("compression", ["plain", "gzip", "zstd"])
@pytest.mark.usefixtures("helpers_for_small_files")
def test_parse_helpers_store_what_one_process_stores(tmp_path: Path, compression: str) -> None:
    records: list[Any] = _records(400) + _records(30, start=100)  # 30 repeated
    records[50:50] = [[1, 2], exchange(id="no-account", account=...)]
    log = write_log(tmp_path / "log.jsonl", records, compression)
    here = _ingest(tmp_path / "here.duckdb", log, signals=None, workers=0)
    apart = _ingest(tmp_path / "apart.duckdb", log, signals=None, workers=2)
    assert here.to_json()["files"] == apart.to_json()["files"]
    assert (apart.accepted, apart.rejected, apart.duplicates) == (400, 2, 30)
    with Store(tmp_path / "here.duckdb", read_only=True) as a, Store(tmp_path / "apart.duckdb", read_only=True) as b:
        assert a.columns() == b.columns() and len(b.columns()) > len(EXCHANGE_COLUMNS)
        assert a.connection.sql("SELECT * FROM exchanges ORDER BY id").fetchall() == \
            b.connection.sql("SELECT * FROM exchanges ORDER BY id").fetchall()  # fmt: skip
    lines = [json.loads(line)["line"] for line in Path(apart.rejects_file).read_text().splitlines()]
    assert lines == [51, 52]


@pytest.mark.usefixtures("helpers_for_small_files")
def test_parse_helpers_keep_what_came_before_damage(tmp_path: Path, db: Path) -> None:
    records = [exchange(id=f"ex-{i:06d}", response=f"answer {i} " * 20) for i in range(20_000)]
    data = gzip.compress(jsonl(records))
    log = tmp_path / "cut.jsonl.gz"
    log.write_bytes(data[: len(data) * 3 // 4])
    (cut,) = _ingest(db, log, workers=2).files
    (here,) = _ingest(tmp_path / "here.duckdb", log, workers=0).files
    assert cut.error == here.error and "cut.jsonl.gz" in cut.error
    assert 10_000 < cut.accepted == here.accepted < 20_000
    assert _stored(db, "SELECT max(id) FROM exchanges") == [f"ex-{cut.accepted - 1:06d}"]


@pytest.mark.usefixtures("helpers_for_small_files")
def test_a_strict_ingest_reads_in_order_without_helpers(tmp_path: Path, db: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_bytes(jsonl(_records(300)) + b"oops\n" + jsonl(_records(3, start=300)))
    with pytest.raises(BadRecord, match=":301: not valid JSON"):
        _ingest(db, log, strict=True, workers=2)
    assert len(_stored(db)) == 300


@pytest.mark.usefixtures("helpers_for_small_files")
def test_parse_helpers_read_parquet_as_one_process_does(tmp_path: Path) -> None:
    records = _records(300) + _records(20, start=10)
    for r in records:
        r["time"] = pa.scalar(r["time"] * 1_000_000 + 7, pa.timestamp("us", tz="UTC")).as_py()
        r["messages"] = orjson.dumps(r["messages"]).decode()
        r.pop("account_created")
    records[100]["account"] = ""
    log = tmp_path / "log.parquet"
    pq.write_table(pa.Table.from_pylist(records), log)
    here = _ingest(tmp_path / "here.duckdb", log, signals=None, workers=0, batch_size=40)
    apart = _ingest(tmp_path / "apart.duckdb", log, signals=None, workers=2, batch_size=40)
    assert (apart.accepted, apart.rejected, apart.duplicates) == (299, 1, 20)
    assert here.to_json()["files"] == apart.to_json()["files"]
    with Store(tmp_path / "here.duckdb", read_only=True) as a, Store(tmp_path / "apart.duckdb", read_only=True) as b:
        assert len(b.columns()) > len(EXCHANGE_COLUMNS)
        assert a.connection.sql("SELECT * FROM exchanges ORDER BY id").fetchall() == \
            b.connection.sql("SELECT * FROM exchanges ORDER BY id").fetchall()  # fmt: skip
    assert _stored(tmp_path / "apart.duckdb", "SELECT epoch_us(time) FROM exchanges WHERE id = 'ex-00003'") == [
        1_740_000_003_000_007
    ]
    rejects = [json.loads(line) for line in Path(apart.rejects_file).read_text().splitlines()]
    assert [(r["line"], '"id":"ex-00100"' in r["raw"]) for r in rejects] == [(101, True)]
