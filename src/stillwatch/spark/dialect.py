"""The stage SQL, written once in DuckDB's dialect, translated for Spark SQL by sqlglot.

The stages keep one SQL text each (``accounts.features``, ``links.pairs``, ...). DuckDB runs
it as written; for Spark, sqlglot parses it as DuckDB SQL and writes Spark SQL. Most of the
text is the dialect both engines share, and sqlglot maps the rest (``unnest`` -> ``explode``,
``regexp_matches`` -> ``RLIKE``, ``VARCHAR`` -> ``STRING``). Two mappings are ours:

- ``epoch(ts)`` is fractional seconds in DuckDB; sqlglot's default, ``UNIX_TIMESTAMP``,
  truncates to whole seconds, which would change inter-arrival statistics. We write
  microseconds divided out instead.
- ``CREATE [OR REPLACE] TEMP TABLE x AS SELECT`` has no Spark SQL equivalent;
  ``split_create`` hands its parts to the engine, which materialises the query itself.
- ``WITH x AS [NOT] MATERIALIZED`` is a hint to DuckDB's planner that Spark SQL cannot
  parse; it is dropped, and Spark plans the CTE as it always does.
"""

from __future__ import annotations

from typing import NamedTuple

import sqlglot
from sqlglot import exp
from sqlglot.dialects.spark import Spark

from stillwatch.errors import StillwatchError


def _cte_without_hint(self: Spark.Generator, expression: exp.CTE) -> str:
    plain = expression.copy()
    plain.set("materialized", None)
    return Spark.Generator.cte_sql(self, plain)


class _SparkSQL(Spark):
    class Generator(Spark.Generator):
        TRANSFORMS = {
            **Spark.Generator.TRANSFORMS,
            exp.CTE: _cte_without_hint,
            exp.TimeToUnix: lambda self, e: (
                f"(CAST(UNIX_MICROS(CAST({self.sql(e, 'this')} AS TIMESTAMP)) AS DOUBLE) / 1000000)"
            ),
        }


class TempTable(NamedTuple):
    """A ``CREATE TEMP TABLE name AS query`` statement, split for the engine."""

    name: str
    query: str  # already in Spark SQL


def to_spark(sql: str) -> str:
    """One DuckDB-dialect statement as Spark SQL."""
    try:
        statements = sqlglot.transpile(sql, read="duckdb", write=_SparkSQL)
    except sqlglot.errors.SqlglotError as exc:
        raise StillwatchError(f"cannot translate stage SQL for Spark: {exc}") from None
    if len(statements) != 1:
        raise StillwatchError(f"expected one SQL statement, got {len(statements)}")
    return statements[0]


def split_create(sql: str) -> TempTable | None:
    """The parts of a ``CREATE TEMP TABLE ... AS SELECT``; None for any other statement."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    if not isinstance(tree, exp.Create) or str(tree.args.get("kind", "")).upper() != "TABLE":
        return None
    query = tree.expression
    if query is None:
        return None
    name = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
    return TempTable(name=name.name, query=query.sql(dialect=_SparkSQL))
