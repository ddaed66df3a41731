#!/usr/bin/env bash
# Copies the raw outputs of tools/experiments/real-models.sh (each finished row's log, results.json, metrics.csv
# and run.json; not the models) from OUT into DEST, the folder committed under docs/measurements.
# Usage: tools/experiments/real-models-collect.sh OUT DEST
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: real-models-collect.sh OUT DEST" >&2; exit 2; }
for run in "$1"/*/results.json; do
  row=$(basename "$(dirname "$run")")
  mkdir -p "$2/$row"
  cp "$1/$row.log" "$2/$row/finetune.log"
  cp "$1/$row/results.json" "$1/$row/metrics.csv" "$1/$row/run.json" "$2/$row/"
done
[ -f "$1/import.log" ] && cp "$1/import.log" "$2/" || true
