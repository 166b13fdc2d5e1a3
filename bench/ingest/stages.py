"""CPU seconds per ingest stage, measured one stage at a time in one thread.

``run.py`` times the whole pipeline, where the reader and the writer thread overlap and
the machine's other work blurs wall time. This script walks the same path stage by stage
over an exchange v1 log and charges the process's CPU time (user + system, all threads,
so DuckDB's own threads count) to each:

* ``read``: lines out of the file; ``parse``: ``orjson.loads``;
* ``normalize``: ``normalize_row`` per record;
* ``batch``: rows to Arrow batches (``rows_to_batch``, token estimates included) and
  joining them into one batch per insert;
* ``signal:<name>``: each registered signal's ``score_batch`` over a ``--signal-rows``
  batch (the writer joins reader batches before scoring);
* ``annotate``: appending the signal columns to the batch;
* ``insert``: ``Store.write`` (dedupe and DuckDB insert) plus the commits.

Only the code imported as ``stillwatch`` is measured, so pointing ``PYTHONPATH`` at
another checkout's ``src`` measures that one with the same script.

    python bench/ingest/stages.py LOG [--db PATH] [--batch 2048] [--signal-rows 16384] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import orjson
import pyarrow as pa


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class _Clock:
    """Charges the CPU time between calls to named stages."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)
        self._last = _cpu()

    def charge(self, stage: str) -> None:
        now = _cpu()
        self.spent[stage] += now - self._last
        self._last = now


def _line_chunks(log: Path, size: int, clock: _Clock) -> Iterator[list[bytes]]:
    lines: list[bytes] = []
    with log.open("rb") as fh:
        for line in fh:
            if line.strip():
                lines.append(line)
            if len(lines) == size:
                clock.charge("read")
                yield lines
                lines = []
    clock.charge("read")
    if lines:
        yield lines


def measure(log: Path, db: Path, batch: int, signal_rows: int, with_signals: bool) -> dict[str, object]:
    from stillwatch.ingest.columns import rows_to_batch
    from stillwatch.ingest.normalize import normalize_row
    from stillwatch.ingest.store import Store
    from stillwatch.signals import registered

    signals = [cls() for cls in registered()] if with_signals else []
    clock = _Clock()
    rows_seen = 0
    pending: list[pa.RecordBatch] = []

    def write(store: Store) -> None:
        whole = pa.Table.from_batches(pending).combine_chunks().to_batches()[0]
        pending.clear()
        clock.charge("batch")
        arrays, fields = list(whole.columns), list(whole.schema)
        for sig in signals:
            out = sig.score_batch(whole)
            clock.charge(f"signal:{sig.name}")
            for f in sig.fields:
                arrays.append(out[f.name])
                fields.append(f)
        annotated = pa.RecordBatch.from_arrays(arrays, schema=pa.schema(fields))
        clock.charge("annotate")
        store.write(annotated)
        clock.charge("insert")

    with Store(db) as store, store.bulk():
        clock.charge("open")
        for lines in _line_chunks(log, batch, clock):
            objs = [orjson.loads(line) for line in lines]
            clock.charge("parse")
            rows = [normalize_row(obj, f"{log.name}:{rows_seen + i + 1}") for i, obj in enumerate(objs)]
            del objs
            clock.charge("normalize")
            pending.append(rows_to_batch(rows))
            rows_seen += len(rows)
            del rows
            clock.charge("batch")
            if sum(b.num_rows for b in pending) >= signal_rows:
                write(store)
        if pending:
            write(store)
        store.commit()
        clock.charge("insert")
    clock.charge("close")
    spent = {k: round(v, 3) for k, v in clock.spent.items()}
    return {"rows": rows_seen, "cpu": spent, "total": round(sum(clock.spent.values()), 3),
            "maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("log", type=Path)
    parser.add_argument("--db", type=Path, help="database file (default: a temporary one, removed after)")
    parser.add_argument("--batch", type=int, default=2048, help="rows per reader batch")
    parser.add_argument("--signal-rows", type=int, default=16_384,
                        help="rows per signal and insert batch (main before perf-ingest scored every 2048)")
    parser.add_argument("--no-signals", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stillwatch-stages-") as tmp:
        db = args.db or Path(tmp) / "stages.duckdb"
        for stale in (db, Path(f"{db}.wal")):
            stale.unlink(missing_ok=True)
        started = time.perf_counter()
        result = measure(args.log, db, args.batch, args.signal_rows, not args.no_signals)
        result["seconds"] = round(time.perf_counter() - started, 2)
        result["loadavg"] = [round(x, 2) for x in os.getloadavg()]
    if args.json:
        print(json.dumps(result))
        return
    print(f"{result['rows']:,} rows, {result['seconds']}s wall, load {result['loadavg']}")
    cpu = result["cpu"]
    assert isinstance(cpu, dict)
    for stage, seconds in cpu.items():
        print(f"  {stage:24s} {seconds:7.2f} cpu s")
    print(f"  {'total':24s} {result['total']:7.2f} cpu s, peak RSS {result['maxrss_mb']} MB")


if __name__ == "__main__":
    sys.exit(main())
