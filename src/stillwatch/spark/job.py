"""``stillwatch scan --engine spark``: read logs in Spark, run the scan, keep the rejects."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson

from stillwatch.config import ScanConfig
from stillwatch.engine import DuckDBEngine
from stillwatch.ingest import Store
from stillwatch.intel.match import TABLE as PEER_TABLE
from stillwatch.scan import PeerEvidence, ScanResult, Scanner
from stillwatch.spark.engine import SparkEngine, spark_session
from stillwatch.spark.exchanges import read_exchanges


@dataclass
class SparkScan:
    result: ScanResult
    accepted: int
    rejected: int
    rejects_file: Path | None


def _share_peer_indicators(engine: SparkEngine, db: Path | None) -> None:
    """Peer indicators imported into a local store (``stillwatch import``) go to Spark too."""
    if db is None or not db.exists():
        return
    with Store(db, read_only=True) as store:
        if DuckDBEngine(store.connection).has_table(PEER_TABLE):
            engine.register(PEER_TABLE, store.connection.sql(f"SELECT * FROM {PEER_TABLE}").to_arrow_table())


def scan_on_spark(
    paths: Sequence[str],
    config: ScanConfig,
    authorized: set[str],
    out_dir: Path,
    *,
    master: str | None = None,
    memory: str | None = None,
    fmt: str | None = None,
    peer_db: Path | None = None,
    peer_evidence: PeerEvidence | None = None,
    progress: Callable[[str], None] | None = None,
) -> SparkScan:
    step = progress or (lambda _name: None)
    spark = spark_session(master, memory=memory)
    engine = SparkEngine(spark)
    step("read")
    log = read_exchanges(spark, paths, fmt)
    log.exchanges.createOrReplaceTempView("exchanges")
    _share_peer_indicators(engine, peer_db)
    rejects_file = None
    if log.rejected:
        rejects_file = out_dir / "rejects.jsonl"
        with rejects_file.open("wb") as fh:
            for row in log.rejects.toLocalIterator():
                entry = {"file": row["file"], "line": None, "reason": row["reason"], "raw": row["raw"]}
                fh.write(orjson.dumps(entry) + b"\n")
    result = Scanner(config, authorized, peer_evidence).run(engine, progress=progress)
    return SparkScan(result, log.accepted, log.rejected, rejects_file)
