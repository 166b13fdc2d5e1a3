"""The ``Engine`` interface on a Spark session: stage SQL runs as Spark SQL.

Results come back to the driver as Arrow tables. Only the small ends of the pipeline do:
per-account profiles, account pairs, pooled campaign profiles. The exchanges themselves
stay in the cluster.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import pyarrow as pa

from stillwatch.spark.dialect import split_create, to_spark

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


#: the driver's memory when the caller names none (in local mode, all of Spark's memory)
DRIVER_MEMORY = "4g"


def spark_session(master: str | None = None, *, memory: str | None = None, partitions: int = 16) -> SparkSession:
    """A session for ``master``: by default the one ``spark-submit`` set up, else ``local[*]``.

    Times are read and grouped in UTC, as the embedded engine does. The stage queries'
    shuffles start at ``partitions`` and adaptive execution merges small ones; the cached
    exchanges are partitioned by their row count (``read_exchanges``).
    """
    from pyspark.sql import SparkSession

    # Executors must run the interpreter that has stillwatch installed.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("stillwatch")
    if master:
        builder = builder.master(master)
    elif "PYSPARK_GATEWAY_PORT" not in os.environ:
        # Under spark-submit the JVM already holds the cluster's master; alone, run locally.
        builder = builder.master("local[*]")
    session = (
        builder.config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", memory or DRIVER_MEMORY)
        .config("spark.sql.shuffle.partitions", str(partitions))
        # One Parquet row group a task where the writer made them small enough, so each
        # task parses and caches less at once: 128 MB splits of compressed input put four
        # of the simulator's 140k-row groups in one task. (A 10M-exchange log still needs
        # more than a 4 GB local driver: ``memory``.)
        .config("spark.sql.files.maxPartitionBytes", "16m")
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.sql.adaptive.coalescePartitions.enabled", "true")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")  # the scan reports its own progress
    return session


def _plain_types(table: pa.Table) -> pa.Table:
    """Spark SQL reads ``1.0`` as a decimal and averages decimals to decimals; DuckDB
    returns doubles there. Stages compute in floats, so decimals become float64."""
    for i, f in enumerate(table.schema):
        if pa.types.is_decimal(f.type):
            table = table.set_column(i, f.name, table.column(i).cast(pa.float64()))
        elif pa.types.is_large_string(f.type):
            table = table.set_column(i, f.name, table.column(i).cast(pa.string()))
    return table


class SparkEngine:
    """Runs stage SQL (DuckDB dialect, translated by sqlglot) on a Spark session."""

    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark

    def sql(self, query: str) -> pa.Table:
        return _plain_types(self.spark.sql(to_spark(query)).toArrow())

    def execute(self, statement: str) -> None:
        temp = split_create(statement)
        if temp is None:
            self.spark.sql(to_spark(statement))
            return
        # A temp table is read by several later queries: computed once, lineage cut.
        frame = self.spark.sql(temp.query).localCheckpoint(eager=True)
        frame.createOrReplaceTempView(temp.name)

    def register(self, name: str, table: pa.Table) -> None:
        self.spark.createDataFrame(table).createOrReplaceTempView(name)

    def drop(self, name: str) -> None:
        self.spark.catalog.dropTempView(name)

    def has_table(self, name: str) -> bool:
        return bool(self.spark.catalog.tableExists(name))
