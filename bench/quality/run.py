"""Detection quality on simulator seeds and scenario variants that were not used for tuning.

    .venv/bin/python bench/quality/run.py [--scenarios reported-2026,robust] [--seeds 1001,1002]
                                          [--scale 0.01] [--out bench/quality/results]

For every (scenario, seed) it simulates, scans through the CLI exactly as a user would, and
scores the results against the labels with ``stillwatch.evaluate``. Tuning used seeds below
1000; the defaults here are above it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import orjson

from stillwatch.evaluate import evaluate

TARGETS = {
    "tpr": (">=", 0.95),
    "fpr": ("<=", 0.001),
    "authorized_campaign": ("<=", 0),
    "exchange_recall": (">=", 0.99),
    "purity_min": (">=", 0.95),
}


def _cli() -> str:
    return str(Path(sys.executable).with_name("stillwatch"))


def run_one(scenario: str, seed: int, scale: float, out: Path) -> dict:
    sim = out / f"{scenario}-{seed}"
    res = sim / "results"
    subprocess.run(
        [_cli(), "simulate", "--out", str(sim), "--scenario", scenario, "--scale", str(scale),
         "--seed", str(seed)],
        check=True, stdout=subprocess.DEVNULL,
    )
    t0 = time.perf_counter()
    subprocess.run(
        [_cli(), "scan", str(sim / "log.jsonl"), "--db", str(sim / "store.duckdb"), "--out", str(res),
         "--authorized", str(sim / "authorized.txt"), "--json"],
        check=True, stdout=subprocess.DEVNULL,
    )
    report = evaluate(res, sim / "labels.jsonl")
    report["scan_seconds"] = round(time.perf_counter() - t0, 2)
    return report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenarios", default="reported-2026,robust,holdout-needle,holdout-lowslow")
    ap.add_argument("--seeds", default="1001")
    ap.add_argument("--scale", type=float, default=0.005)
    ap.add_argument("--out", type=Path, default=Path("bench/quality/results"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for scenario in args.scenarios.split(","):
        for seed in map(int, args.seeds.split(",")):
            r = run_one(scenario, seed, args.scale, args.out)
            rows.append((scenario, seed, r))
            (args.out / f"{scenario}-{seed}.json").write_bytes(orjson.dumps(r, option=orjson.OPT_INDENT_2))
    header = f"{'scenario':<22}{'seed':>6}{'accts':>7}{'tpr':>8}{'fpr':>9}{'hard':>6}{'auth':>6}{'exrec':>8}{'purity':>8}{'scan_s':>8}"
    print(header)
    for scenario, seed, r in rows:
        print(
            f"{scenario:<22}{seed:>6}{r['accounts']:>7}{r['tpr']:>8.3f}{r['fpr']:>9.4f}"
            f"{sum(r['hard_case_campaign'].values()):>6}{r['authorized_campaign']:>6}"
            f"{r['exchange_recall']:>8.3f}{r['purity_min']:>8.3f}{r['scan_seconds']:>8.1f}"
        )
        for camp, c in r["per_campaign"].items():
            print(f"    {camp:<18} {c['kind']:<28} accounts {c['accounts']:>5}  tpr {c['tpr']:.3f}  one-campaign {c['one_campaign_share']:.3f}")
        if r["hard_case_campaign"]:
            print(f"    legit kinds convicted: {r['hard_case_campaign']}")
    print("targets: " + ", ".join(f"{k} {op} {v}" for k, (op, v) in TARGETS.items()) + ", hard cases = 0")


if __name__ == "__main__":
    main()
