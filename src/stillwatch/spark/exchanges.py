"""Exchange logs into a Spark DataFrame of stored rows, signals included.

The per-exchange work is the embedded ingest's own code run inside ``mapInArrow``: each
task parses its lines (or Parquet rows) with the same adapters and normaliser, and scores
the same registered signals, so a row here equals the row ``stillwatch ingest`` stores.

Differences from the embedded store, all on purpose:

- Bad records become rows of a separate rejects frame naming the file and the reason.
  Spark reads a file in splits, so line numbers are not known; the record's start is kept.
- The columns no scan stage reads (``messages``, ``response``, ``reasoning``, ``extra``)
  are dropped before the frame is cached: they are most of a record's bytes.
- Duplicates by exchange id are dropped, as the store's idempotent insert does.
- Each line must hold one record: a pretty-printed OTLP document saved whole is read by
  ``stillwatch ingest`` only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson
import pyarrow as pa

from stillwatch import signals as signal_registry
from stillwatch.errors import BadRecord
from stillwatch.ingest.adapters import detect
from stillwatch.ingest.columns import rows_to_batch
from stillwatch.ingest.jsontypes import type_name
from stillwatch.ingest.reader import parquet_rows, sniff
from stillwatch.ingest.records import record_rows
from stillwatch.ingest.rejects import raw_text
from stillwatch.types import EXCHANGE_SCHEMA

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

#: Stored columns the scan never reads.
DROPPED = ("messages", "response", "reasoning", "extra")
#: rows per cached partition of exchanges (about 70 MB of scan columns)
ROWS_PER_PARTITION = 50_000
REJECT_FIELDS = (
    pa.field("reject_file", pa.string()),
    pa.field("reject_reason", pa.string()),
    pa.field("reject_raw", pa.string()),
)

Batches = Iterator[pa.RecordBatch]


def row_schema() -> pa.Schema:
    """Stored exchange columns the scan reads, plus every registered signal's."""
    fields = [f.with_nullable(True) for f in EXCHANGE_SCHEMA if f.name not in DROPPED]
    return pa.schema(fields + [f.with_nullable(True) for f in signal_registry.signal_fields()])


def _output_schema() -> pa.Schema:
    return pa.schema(list(row_schema()) + list(REJECT_FIELDS))


class _Task:
    """The state of one Spark task: signal instances and each file's detected format."""

    def __init__(self, fmt: str | None) -> None:
        self.fmt = fmt
        self.formats: dict[str, str] = {}
        self.signals = [cls() for cls in signal_registry.registered()]
        self.schema = _output_schema()
        self.rows: list[tuple[Any, ...]] = []
        self.rejects: list[tuple[str, str, str]] = []

    def record(self, obj: Any, file: str, raw: Any) -> None:
        fmt = self.fmt or self.formats.get(file)
        if fmt is None:
            if not isinstance(obj, dict):
                self.rejects.append((file, f"record must be a JSON object, got {type_name(obj)}", raw_text(raw)))
                return
            fmt = self.formats[file] = detect(obj)
        for row in record_rows(obj, fmt, file):
            if isinstance(row, BadRecord):
                self.rejects.append((file, row.reason, raw_text(raw)))
            else:
                self.rows.append(row)

    def take(self) -> Batches:
        if self.rows:
            batch = signal_registry.annotate(rows_to_batch(self.rows), self.signals)
            n = batch.num_rows
            arrays = [batch.column(f.name) for f in row_schema()]
            arrays += [pa.nulls(n, pa.string())] * len(REJECT_FIELDS)
            yield pa.RecordBatch.from_arrays(arrays, schema=self.schema)
        if self.rejects:
            n = len(self.rejects)
            arrays = [pa.nulls(n, f.type) for f in row_schema()]
            arrays += [pa.array(list(col), pa.string()) for col in zip(*self.rejects)]
            yield pa.RecordBatch.from_arrays(arrays, schema=self.schema)
        self.rows, self.rejects = [], []


def _lines_task(fmt: str | None) -> Callable[[Batches], Batches]:
    def run(batches: Batches) -> Batches:
        task = _Task(fmt)
        for batch in batches:
            for line, file in zip(batch.column("value").to_pylist(), batch.column("file").to_pylist()):
                if line is None or not line.strip():
                    continue
                try:
                    obj = orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    task.rejects.append((file, f"not valid JSON ({exc.msg} at character {exc.pos})", raw_text(line)))
                    continue
                task.record(obj, file, line)
            yield from task.take()

    return run


def _parquet_task(fmt: str | None) -> Callable[[Batches], Batches]:
    def run(batches: Batches) -> Batches:
        task = _Task(fmt)
        for batch in batches:
            files = batch.column("file").to_pylist()
            records = parquet_rows(batch.drop_columns(["file"]))
            for obj, file in zip(records, files):
                task.record(obj, file, obj)
            yield from task.take()

    return run


def _is_parquet(path: str) -> bool:
    local = Path(path)
    if local.is_file():
        return sniff(local) == "parquet"
    return path.rstrip("/").endswith(".parquet")  # object storage: go by the name


class SparkLog(NamedTuple):
    """A log read on Spark: both frames computed and cached (memory, spilling to disk)."""

    exchanges: DataFrame
    rejects: DataFrame  # columns file, reason, raw
    accepted: int
    rejected: int


def read_exchanges(spark: SparkSession, paths: Sequence[str], fmt: str | None = None) -> SparkLog:
    """The exchanges and rejects of ``paths``: JSON Lines (plain or .gz) and Parquet, local
    or any URL the cluster's Hadoop file systems read (``s3a://``, ``gs://``, ...)."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    schema = from_arrow_schema(_output_schema())
    parts = []
    parquet = [p for p in paths if _is_parquet(p)]
    text = [p for p in paths if p not in parquet]
    if text:
        lines = spark.read.text(text).select("value", F.col("_metadata.file_path").alias("file"))
        parts.append(lines.mapInArrow(_lines_task(fmt), schema))
    if parquet:
        rows = spark.read.parquet(*parquet)
        rows = rows.select("*", F.col("_metadata.file_path").alias("file"))
        parts.append(rows.mapInArrow(_parquet_task(fmt), schema))
    both = parts[0] if len(parts) == 1 else parts[0].unionByName(parts[1])
    # Parsing and signals run once: every later stage reads the cached rows.
    both = both.persist(StorageLevel.MEMORY_AND_DISK)
    # Cached partitions sized by rows, so each fits in an executor's memory when read back
    # (a 1M-exchange log in 8 partitions ran a 2 GB driver out of heap), while a small log
    # keeps few partitions, each a task with fixed overhead.
    partitions = max(spark.sparkContext.defaultParallelism, math.ceil(both.count() / ROWS_PER_PARTITION))
    rejects = both.where(F.col("reject_reason").isNotNull()).select(
        F.col("reject_file").alias("file"), F.col("reject_reason").alias("reason"), F.col("reject_raw").alias("raw")
    )
    kept = both.where(F.col("reject_reason").isNull()).drop(*[f.name for f in REJECT_FIELDS])
    kept = kept.repartition(partitions, "id").dropDuplicates(["id"]).persist(StorageLevel.MEMORY_AND_DISK)
    rejects = rejects.persist(StorageLevel.MEMORY_AND_DISK)
    log = SparkLog(kept, rejects, kept.count(), rejects.count())  # computed before `both` goes
    both.unpersist()
    return log
