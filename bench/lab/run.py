"""The full distillation lab: the policy x budget table, the radioactivity p-values and the
teacher's watermark cost, as recorded in docs/lab.md.

    .venv/bin/python bench/lab/run.py [--out bench/lab/results] [--seed 0] [--quick]

The same as ``stillwatch lab run --out DIR``; up to an hour on two CPU cores (a teacher already
trained in DIR is reused). Prints the tables; results.json and the plots stay in DIR.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

from stillwatch.lab import FULL, QUICK, run_lab


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true")
    args, _ = parser.parse_known_args()  # bench/run.sh passes every bench the same arguments
    settings = dataclasses.replace(QUICK if args.quick else FULL, seed=args.seed)
    started = time.perf_counter()
    run_lab(settings, args.out, log=lambda m: print(m, file=sys.stderr, flush=True))
    print((args.out / "results.md").read_text())
    print(f"command: bench/lab/run.py --out {args.out} --seed {args.seed}{' --quick' if args.quick else ''}; "
          f"{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
