"""The radioactivity experiment alone (free-text teacher, students at 0-50% contamination,
null keys, paraphrase), with the full preset's settings, as recorded in docs/lab.md.

    .venv/bin/python bench/lab/radioactivity.py [--out bench/lab/results/radioactivity] [--seed 0] [--quick]

The part of ``bench/lab/run.py`` that docs/lab.md's radioactivity table comes from, about half
an hour on two CPU cores (a story teacher already trained in DIR is reused). Prints the tables;
results.json stays in DIR.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import torch

from stillwatch.lab import FULL, QUICK
from stillwatch.lab.experiment import Lab
from stillwatch.lab.radioactivity import RadioactivityExperiment
from stillwatch.lab.report import tables


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results") / "radioactivity")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true")
    args, _ = parser.parse_known_args()  # bench/run.sh passes every bench the same arguments
    settings = dataclasses.replace(QUICK if args.quick else FULL, seed=args.seed)
    torch.set_num_threads(settings.threads)
    started = time.perf_counter()
    args.out.mkdir(parents=True, exist_ok=True)
    lab = Lab(settings, args.out, log=lambda m: print(m, file=sys.stderr, flush=True))
    lab.story_key.save(args.out / "watermark.key")
    experiment = RadioactivityExperiment(settings, lab.story_teacher(), lab.story_key, args.out, lab.say)
    results = {"settings": dataclasses.asdict(settings), "key_id": lab.story_key.key_id,
               "radioactivity": experiment.run()}
    results["radioactivity"]["teacher_model"] = "lab story teacher"
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(tables(results))
    print(f"command: bench/lab/radioactivity.py --out {args.out} --seed {args.seed}{' --quick' if args.quick else ''}; "
          f"{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
