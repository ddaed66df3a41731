#!/usr/bin/env bash
# Gradient buckets sent while the backward pass runs, against one exchange after it (issue 26): pretraining on
# 2 ranks x 1 thread (tools/bench/dp-scaling.sh's case b) with BERTCORE_MPI_BUCKET_MB=0 (the whole gradient after the
# backward; dp-scaling.sh's case d), then with each bucket size in BUCKETS, at the same global batch and steps, for each
# config in CONFIGS. Prints and writes OUT/overlap.md: tokens/s of each, and how long each rank waited for the
# gradients per step (the part of the exchange that the backward pass did not hide). The raw output of each size (each
# run's log with arrival times, metrics.csv, cases.jsonl) goes to OUT/mb-SIZE, as dp-scaling.sh writes it.
# Usage: tools/bench/dp-overlap.sh [OUT=dp-overlap]
# Env: BUCKETS ("25 4 1": 25 MiB is the default size), CONFIGS ("tiny mini"), WARMUP (10), STEPS (40), SHARED,
# BERTCORE_BIN (as dp-scaling.sh). Needs a quiet machine: nothing else may run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-dp-overlap}
export CONFIGS=${CONFIGS:-tiny mini}
CASES=d "$here/dp-scaling.sh" "$out/mb-0"
for size in ${BUCKETS:-25 4 1}; do
  BERTCORE_MPI_BUCKET_MB=$size CASES=b "$here/dp-scaling.sh" "$out/mb-$size"
done
cat "$out"/mb-*/cases.jsonl > "$out/cases.jsonl"
/usr/bin/python3 - "$out/cases.jsonl" <<'PY' | tee "$out/overlap.md"
import json, sys
rows = sorted((json.loads(line) for line in open(sys.argv[1])), key=lambda r: (r["config"], -r["bucket_mb"] if r["bucket_mb"] else float("-inf")))
print("| config | gradient exchange | tokens/s | vs one exchange | wait ms/step, rank 0 | rank 1 |")
print("|---|---|---:|---:|---:|---:|")
for r in rows:
    base = next(x for x in rows if x["config"] == r["config"] and x["bucket_mb"] == 0)
    wait = r["wait_ms_per_step"]
    how = "one exchange after the backward" if r["bucket_mb"] == 0 else f"buckets of {r['bucket_mb']:g} MiB during the backward"
    print(f"| {r['config']} | {how} | {r['tokens_per_s']:,.0f} | {r['tokens_per_s'] / base['tokens_per_s']:.3f}x | "
          f"{wait['rank 0']:.1f} | {wait['rank 1']:.1f} |")
print(f"\n2 ranks x 1 thread, {rows[0]['timed_steps']} steps timed after {rows[0]['warmup_steps']}; waits per step over all "
      f"{rows[0]['warmup_steps'] + rows[0]['timed_steps'] + 1} steps; {rows[0]['machine']}")
PY
