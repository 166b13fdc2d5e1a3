"""SparkEngine: the Engine interface the stages use, on a local Spark session."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

pytest.importorskip("pyspark")

from stillwatch.engine import DuckDBEngine  # noqa: E402
from stillwatch.spark.engine import SparkEngine  # noqa: E402


def test_both_engines_answer_stage_sql_alike(spark: Any) -> None:
    import duckdb

    table = pa.table({
        "g": ["a", "a", "b"],
        "time": pa.array([0, 1_250_000, 0], pa.timestamp("us", tz="UTC")),
        "k": ["x", "y", "x"],
    })  # fmt: skip
    query = """
        SELECT g, avg(CASE WHEN k = 'x' THEN 1.0 ELSE 0.0 END) AS share,
               max(epoch(time)) - min(epoch(time)) AS span, count(DISTINCT hour(time)) AS hours
        FROM t GROUP BY g ORDER BY g
    """
    answers = []
    for engine in (SparkEngine(spark), DuckDBEngine(duckdb.connect())):
        engine.register("t", table)
        engine.execute("CREATE OR REPLACE TEMP TABLE t2 AS SELECT g, k FROM t WHERE k = 'x'")
        assert engine.has_table("t2") and not engine.has_table("nope")
        answers.append(engine.sql(query))
    spark_answer, duck_answer = answers
    # decimals (Spark's reading of 1.0) come back as doubles, like DuckDB's
    assert spark_answer.schema.field("share").type == pa.float64()
    assert spark_answer.to_pylist() == duck_answer.to_pylist()
    assert spark_answer.to_pylist()[0]["span"] == 1.25


def test_both_engines_measure_synchrony_alike(spark: Any) -> None:
    import duckdb

    from stillwatch.campaigns.timing import group_sync

    minute = 60_000_000
    waves = [0, 37, 120, 301, 444]  # ten-minute buckets
    times = [w * 10 * minute + i * minute for w in waves for i in range(2)]
    table = pa.table({
        "grp": ["lock"] * 2 * len(times) + ["mixed"] * 2 * len(times),
        "account": ["a"] * len(times) + ["b"] * len(times) + ["c"] * len(times) + ["d"] * len(times),
        "time": pa.array(times * 3 + [t + 7 * 10 * minute for t in times], pa.timestamp("us", tz="UTC")),
    })  # fmt: skip
    answers = []
    for engine in (SparkEngine(spark), DuckDBEngine(duckdb.connect())):
        engine.register("activity", table)
        answers.append(group_sync(engine, "activity", "grp"))
    assert answers[0] == pytest.approx(answers[1])
    assert answers[1]["lock"] == 1.0 and answers[1]["mixed"] < 1.0
