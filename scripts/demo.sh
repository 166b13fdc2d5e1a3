#!/usr/bin/env bash
# make demo: simulate the default scenario at a small scale, scan it, and write the report.
# Usage: scripts/demo.sh BIN DEMO_DIR SHARED_DIR
set -euo pipefail
bin=$1 out=$2 shared=$3
corpus=()
[ -d "$shared/corpora" ] && corpus=(--corpus "$shared/corpora")
rm -rf "$out"
"$bin/stillwatch" simulate --out "$out/traffic" --scenario reported-2026 --scale 0.002 --seed 2026 "${corpus[@]}"
"$bin/stillwatch" scan "$out/traffic/log.jsonl" --db "$out/stillwatch.duckdb" --out "$out/results" \
    --authorized "$out/traffic/authorized.txt"
echo
echo "report:   $out/results/report.html   (open it in a browser; it needs no network)"
echo "explain:  $bin/stillwatch explain ACCOUNT --results $out/results"
