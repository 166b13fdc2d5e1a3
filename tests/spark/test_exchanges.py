"""Logs read on Spark hold the same rows, signals included, as the embedded store's."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

pytest.importorskip("pyspark")

from stillwatch.ingest import Store, ingest_paths  # noqa: E402
from stillwatch.spark.exchanges import read_exchanges, row_schema  # noqa: E402


def _records(simulated: Path, n: int) -> list[dict[str, Any]]:
    with (simulated / "log.jsonl").open("rb") as fh:
        return [orjson.loads(next(fh)) for _ in range(n)]


def _as_parquet(records: list[dict[str, Any]], path: Path) -> None:
    """Parquet has no union type: messages, params and tools travel as JSON text."""
    rows = []
    for r in records:
        row = dict(r)
        for key in ("messages", "params", "tools", "response", "usage"):
            if key in row and not isinstance(row[key], str | int | float):
                row[key] = orjson.dumps(row[key]).decode()
        rows.append(row)
    pq.write_table(pa.Table.from_pylist(rows), path)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)
    return bool(a == b)


def test_rows_match_the_embedded_store_and_bad_records_are_named(spark: Any, simulated: Path, tmp_path: Path) -> None:
    records = _records(simulated, 60)
    lines = [orjson.dumps(r) for r in records[:40]]
    lines += [b"{not json", orjson.dumps({"id": "x1", "time": "2026-01-01T00:00:00Z"}), lines[0]]
    jsonl = tmp_path / "part.jsonl"
    jsonl.write_bytes(b"\n".join(lines) + b"\n")
    parquet = tmp_path / "part.parquet"
    _as_parquet(records[40:], parquet)

    log = read_exchanges(spark, [str(jsonl), str(parquet)])
    frame, rejects = log.exchanges, log.rejects
    got = {r["id"]: r for r in frame.toArrow().to_pylist()}
    assert len(got) == 60  # the repeated record is stored once

    bad = rejects.toArrow().to_pylist()
    assert len(bad) == 2
    assert all(b["file"].endswith("part.jsonl") for b in bad)
    reasons = " | ".join(sorted(b["reason"] for b in bad))
    assert "not valid JSON" in reasons and "account" in reasons

    with Store(tmp_path / "s.duckdb") as store:
        ingest_paths([jsonl, parquet], store)
        stored = store.connection.sql("SELECT * FROM exchanges").to_arrow_table().to_pylist()
    columns = [f.name for f in row_schema() if f.name != "source"]
    assert {r["id"] for r in stored} == set(got)
    for want in stored:
        have = got[want["id"]]
        diff = [c for c in columns if not _same(want[c], have[c])]
        assert not diff, (want["id"], {c: (want[c], have[c]) for c in diff})
