"""Do two checkouts store the same thing? Ingest one log with each and compare every column.

Each side runs ``stillwatch.ingest.ingest_paths`` (all registered signals) in a fresh
subprocess whose ``PYTHONPATH`` is that checkout's ``src``; the two databases are then
compared row by row, matched on ``id``: the column names and types, the row count, and per
column the number of rows whose values differ (``IS DISTINCT FROM``, so nulls count).
The rejects files must match byte for byte. Exits 1 on any difference.

    python bench/ingest/same.py LOG [LOG ...] --base /path/to/main/src [--head src] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

_INGEST = """
import sys
from stillwatch.ingest import Store, ingest_paths
db, *logs = sys.argv[1:]
with Store(db) as store:
    ingest_paths(logs, store)
"""


def _ingest(src: Path, db: Path, logs: list[str]) -> None:
    for stale in (db, Path(f"{db}.wal"), Path(f"{db}.rejects.jsonl")):
        stale.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": str(src)}
    subprocess.run([sys.executable, "-c", _INGEST, str(db), *logs], check=True, env=env)


def compare(base: Path, head: Path) -> list[str]:
    """Differences between the two stores, as lines of text (empty when identical)."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{base}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{head}' AS b (READ_ONLY)")
    problems: list[str] = []
    described = {side: con.execute(f"DESCRIBE {side}.exchanges").fetchall() for side in ("a", "b")}
    types = {side: {row[0]: row[1] for row in rows} for side, rows in described.items()}
    if described["a"] != described["b"]:
        problems.append(f"columns differ:\n  base {described['a']}\n  head {described['b']}")
    counts = [con.execute(f"SELECT count(*), count(DISTINCT id) FROM {s}.exchanges").fetchall()[0] for s in "ab"]
    if counts[0] != counts[1]:
        problems.append(f"row counts differ: base {counts[0]}, head {counts[1]}")
    shared = [name for name in types["a"] if name in types["b"]]
    checks = ", ".join(f'count(*) FILTER (WHERE a."{c}" IS DISTINCT FROM b."{c}")' for c in shared)
    diffs = con.execute(f"SELECT {checks} FROM a.exchanges a FULL JOIN b.exchanges b USING (id)").fetchall()[0]
    for name, n in zip(shared, diffs, strict=True):
        if n:
            problems.append(f"column {name}: {n} rows differ")
    print(f"compared {counts[0][0]:,} rows x {len(shared)} columns: "
          f"{'identical' if not problems else f'{len(problems)} problems'}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("logs", nargs="+")
    parser.add_argument("--base", type=Path, required=True, help="the reference checkout's src directory")
    parser.add_argument("--head", type=Path, default=Path(__file__).resolve().parents[2] / "src")
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stillwatch-same-") as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        dbs = {side: work / f"{side}.duckdb" for side in ("base", "head")}
        for side, src in (("base", args.base), ("head", args.head)):
            _ingest(src.resolve(), dbs[side], args.logs)
        problems = compare(dbs["base"], dbs["head"])
        rejects = [Path(f"{dbs[side]}.rejects.jsonl") for side in ("base", "head")]
        texts = [p.read_bytes() if p.exists() else b"" for p in rejects]
        if texts[0] != texts[1]:
            problems.append("rejects files differ")
        sizes = {side: db.stat().st_size / 1e6 for side, db in dbs.items()}
        print(f"store size: base {sizes['base']:.1f} MB, head {sizes['head']:.1f} MB")
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
