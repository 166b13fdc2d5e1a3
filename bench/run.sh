#!/usr/bin/env bash
# Run every benchmark: each bench/<stage>/run.py in turn, with the venv's python.
# Usage: bash bench/run.sh BIN [ARGS...]   (ARGS are passed to every run.py, e.g. --n 100000)
set -euo pipefail
bin=${1:?usage: bash bench/run.sh BIN [ARGS...]}
shift
here=$(cd "$(dirname "$0")" && pwd)
status=0
for script in "$here"/*/run.py; do
    [ -e "$script" ] || continue
    echo "== ${script#"$here"/}"
    "$bin/python" "$script" "$@" || { echo "!! ${script#"$here"/} failed" >&2; status=1; }
    echo
done
exit $status
