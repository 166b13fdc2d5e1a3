"""How the scan's cost grows with the log, on the embedded engine and on Spark.

    .venv/bin/python bench/scale/run.py [--sizes 100k,1m,10m] [--engines duckdb,spark]
                                        [--master local[2]] [--out bench/scale/results]

For each size it simulates the default scenario to Parquet (``simulate --format parquet``),
then scans it end to end (ingest included) with ``stillwatch scan`` once per engine, each as
a subprocess. Peak memory is the summed RSS of the scan's whole process tree (for Spark: the
JVM and its Python workers too), sampled every 0.2 s. It prints exchanges/s, wall time, peak
memory, cost per exchange relative to the smallest size (1.0 = linear), and whether the two
engines gave every account the same verdict. Sizes are approximate: the simulator draws
populations, not exact counts.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tree_rss import TreePeak  # noqa: E402

#: exchanges the default scenario yields per unit of --scale (measured: 23,620 at 0.001)
PER_SCALE = 23.6e6
SIZES = {"100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}


def _cli() -> str:
    return str(Path(sys.executable).with_name("stillwatch"))


def measured(cmd: list[str]) -> tuple[float, int, subprocess.CompletedProcess[bytes]]:
    """(wall seconds, peak tree RSS in bytes, the finished process)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sampler = TreePeak(proc.pid, interval=0.2)
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    peak = sampler.stop()
    return wall, peak, subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def simulate(size: int, seed: int, out: Path) -> Path:
    log = out / "log.parquet"
    if not log.exists():
        scale = size / PER_SCALE
        subprocess.run([_cli(), "simulate", "--out", str(out), "--scale", f"{scale:.5f}", "--seed", str(seed),
                        "--format", "parquet", "--workers", "2"], check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    return log


def scan(log: Path, engine: str, master: str, memory: str | None, out: Path) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    cmd = [_cli(), "scan", str(log), "--out", str(out), "--authorized", str(log.parent / "authorized.txt"),
           "--engine", engine, "--json"]  # fmt: skip
    if engine == "spark":
        cmd += ["--spark-master", master] + (["--spark-memory", memory] if memory else [])
    wall, peak, proc = measured(cmd)
    if proc.returncode != 0:
        # Spark's first error is often far above the traceback that ends its output
        out.mkdir(parents=True, exist_ok=True)
        (out / "stderr.log").write_bytes(proc.stderr)
        raise SystemExit(f"{engine} scan of {log} failed (all of its output: {out / 'stderr.log'}):\n"
                         f"{proc.stderr.decode()[-3000:]}")
    summary = orjson.loads(proc.stdout)
    verdicts = {
        row["account"]: row["verdict"]
        for row in map(orjson.loads, (out / "accounts.jsonl").read_bytes().splitlines())
    }
    # the store and its spill folder are scratch: they would fill the disk at 10M
    for scratch in out.glob("stillwatch.duckdb*"):
        shutil.rmtree(scratch) if scratch.is_dir() else scratch.unlink()
    return {"wall_s": wall, "peak_mb": peak / 2**20, "exchanges": summary["exchanges"],
            "stages_s": summary["timings_s"], "verdicts": verdicts}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100k,1m")
    ap.add_argument("--engines", default="duckdb,spark")
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--spark-memory", default=None,
                    help="the Spark driver's memory (local mode: all of it); default: the scan's")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--out", type=Path, default=Path("bench/scale/results"))
    ap.add_argument("--keep", action="store_true", help="keep the simulated logs")
    args, _ = ap.parse_known_args()  # bench/run.sh passes every bench the same arguments
    engines = args.engines.split(",")
    rows = []
    for name in args.sizes.split(","):
        work = args.out / name
        log = simulate(SIZES[name], args.seed, work / "sim")
        n_log = pq.ParquetFile(log).metadata.num_rows
        runs = {}
        for engine in engines:
            r = runs[engine] = scan(log, engine, args.master, args.spark_memory, work / engine)
            print(f"{name} {engine}: {r['exchanges']:,} exchanges in {r['wall_s']:.1f} s, "
                  f"peak {r['peak_mb']:.0f} MB, stages {r['stages_s']}", flush=True)  # fmt: skip
        agree = None
        if len(runs) == 2:
            a, b = (r["verdicts"] for r in runs.values())
            agree = sum(a[k] == b.get(k) for k in a) / max(len(a), 1)
        for engine, r in runs.items():
            rows.append({"size": name, "log_exchanges": n_log, "engine": engine, "agree": agree,
                         **{k: v for k, v in r.items() if k != "verdicts"}})  # fmt: skip
        if not args.keep:
            sim = work / "sim"
            sim.unlink() if sim.is_symlink() else shutil.rmtree(sim)
    first = {r["engine"]: r for r in rows if r["size"] == rows[0]["size"]}
    print(f"\n{'size':>5} {'engine':>7} {'exchanges':>11} {'wall s':>8} {'exch/s':>8} {'peak MB':>8} "
          f"{'cost/exch vs first':>18} {'same verdicts':>13}")  # fmt: skip
    for r in rows:
        base = first[r["engine"]]
        growth = (r["wall_s"] / r["exchanges"]) / (base["wall_s"] / base["exchanges"])
        agree = "-" if r["agree"] is None else f"{r['agree']:.4f}"
        print(f"{r['size']:>5} {r['engine']:>7} {r['exchanges']:>11,} {r['wall_s']:>8.1f} "
              f"{r['exchanges'] / r['wall_s']:>8,.0f} {r['peak_mb']:>8.0f} {growth:>18.2f} {agree:>13}")  # fmt: skip
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "scale.json").write_bytes(orjson.dumps(rows, option=orjson.OPT_INDENT_2))


if __name__ == "__main__":
    main()
