"""Simulator benchmark: exchanges/s, bytes per exchange, peak memory and per-kind counts.

Runs ``stillwatch.simulate.simulate`` once (default: reported-2026 at --scale 0.04, about a
million exchanges) into a temporary folder, then a same-run baseline: encoding and writing the
first 100k records of that log again with orjson alone (the floor any generator pays for its
output). Prints both rates and their ratio. Wall time on a shared 2-core machine is noisy, so
CPU seconds (this process and its workers) and the load average are printed too.

Issue #3's target is 50,000 exchanges/s of wall time on the 2-core machine with
``--workers 2`` (at --scale 0.04 and 0.01): workers hand their chunks over through scratch
files in /dev/shm, so a second worker pays off there whenever the other core is free. The
default stays one worker, as for ``simulate``; compare both on the same load.

    python bench/simulate/run.py [--scale 0.04] [--workers N] [--scenario NAME] [--format jsonl]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import orjson

from stillwatch.simulate import simulate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.04)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--scenario", default="reported-2026")
    ap.add_argument("--format", default="jsonl", choices=["jsonl", "parquet"])
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="sw-sim-bench-") as tmp:
        out = Path(tmp)
        cpu0 = _cpu()
        s = simulate(out, args.scenario, scale=args.scale, seed=args.seed, fmt=args.format, workers=args.workers)
        cpu = _cpu() - cpu0
        rss = _rss_mb()
        log = out / s.files[0]
        size = log.stat().st_size
        base_rate = _baseline(log) if args.format == "jsonl" else float("nan")

    print(f"scenario {s.scenario}  scale {s.scale}  days {s.days}  workers {s.workers}  format {s.format}")
    print(f"exchanges        {s.exchanges:>12,}")
    print(f"accounts         {s.accounts:>12,}")
    print(f"wall seconds     {s.seconds:>12.1f}")
    print(f"rate (wall)      {s.rate:>12,.0f} exchanges/s")
    print(f"cpu seconds      {cpu:>12.1f}  ({s.exchanges / cpu:,.0f} exchanges per cpu-second)")
    print(f"bytes/exchange   {size / max(1, s.exchanges):>12,.0f}  ({size / 1e6:,.0f} MB)")
    print(f"peak rss         {rss:>12,.0f} MB (largest process)")
    print(f"load average     {os.getloadavg()[0]:>12.2f}")
    print(f"baseline         {base_rate:>12,.0f} exchanges/s (orjson re-encode + write of the same records)")
    print(f"ratio            {s.rate / base_rate:>12.3f}  (simulate / baseline)")
    print("per kind:")
    for kind, k in sorted(s.kinds.items(), key=lambda kv: -kv[1]["exchanges"]):
        print(f"  {kind:<24} {k['label']:<10} {k['accounts']:>9,} accounts {k['exchanges']:>12,} exchanges")


def _baseline(log: Path, n: int = 100_000) -> float:
    records = []
    with log.open("rb") as fh:
        for line in fh:
            records.append(orjson.loads(line))
            if len(records) >= n:
                break
    t = time.perf_counter()
    with open(os.devnull, "wb") as sink, tempfile.TemporaryFile() as fh:
        fh.write(b"".join(orjson.dumps(r, option=orjson.OPT_APPEND_NEWLINE) for r in records))
        fh.flush()
        sink.write(b"")
    return len(records) / (time.perf_counter() - t)


def _cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _rss_mb() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return max(me.ru_maxrss, kids.ru_maxrss) / 1024


if __name__ == "__main__":
    main()
