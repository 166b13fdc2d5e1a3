"""The relational engine the batch stages run their SQL on.

Stages write their relational work as SQL text in the dialect DuckDB and Spark SQL share
(``max_by``, ``INTERVAL 1 DAY``, window functions), and hand it to an Engine. The embedded
default is DuckDB over the ingest store; ``stillwatch.spark`` provides the same interface,
translating the SQL with sqlglot (see ``stillwatch.spark.dialect``).
"""

from __future__ import annotations

from typing import Protocol

import duckdb
import pyarrow as pa


class Engine(Protocol):
    def sql(self, query: str) -> pa.Table:
        """Run a query and return its result as an Arrow table."""

    def execute(self, statement: str) -> None:
        """Run a statement that returns nothing (CREATE VIEW, CREATE TABLE AS ...)."""

    def register(self, name: str, table: pa.Table) -> None:
        """Expose an Arrow table to later queries under ``name``."""

    def has_table(self, name: str) -> bool:
        """Is there a table or view called ``name``?"""

    def drop(self, name: str) -> None:
        """Forget a temp table made by ``execute``, freeing what holds it (if it exists)."""


class DuckDBEngine:
    """Runs stage SQL on a DuckDB connection (the ingest store, or an in-memory one)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def sql(self, query: str) -> pa.Table:
        return self.con.sql(query).to_arrow_table()

    def execute(self, statement: str) -> None:
        self.con.execute(statement)

    def register(self, name: str, table: pa.Table) -> None:
        self.con.register(name, table)

    def drop(self, name: str) -> None:
        self.con.execute(f"DROP TABLE IF EXISTS {name}")

    def has_table(self, name: str) -> bool:
        found = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
        ).fetchall()
        return bool(found[0][0])
