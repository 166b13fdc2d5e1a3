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
