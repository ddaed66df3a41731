#!/usr/bin/env bash
# Data-parallel scaling on this machine (issue 26): pretraining steps/s and tokens/s of each config in CONFIGS for
#   a: 1 process x 1 thread       (--threads 1 --grad-accum 2)
#   b: mpirun -np 2 x 1 thread    (--threads 1 --grad-accum 2; each rank runs one of the step's two micro-batches)
#   c: 1 process x 2 threads      (--threads 2 --grad-accum 2)
#   d: as b, with BERTCORE_MPI_BUCKET_MB=0 (the whole gradient in one exchange after the backward; b uses the
#      environment's bucket size, 25 MiB by default, each bucket sent while the backward runs)
# at the same global batch (2 micro-batches of 32 packed sequences of 128 tokens of WikiText-2, BERT's uncased
# vocabulary) and the same steps: STEPS timed after WARMUP. A case's time is the wall-clock time between the log lines
# of steps WARMUP and WARMUP + STEPS as they reach this script (all of it: compute, the all-reduce, ranks waiting for
# each other); tokens/s = 2 x 32 x 128 tokens per step / seconds per step. Each case prints one JSON line (the
# machine, the exact command, and the tokens/s rank 0 reports in metrics.csv as a cross-check), also written to
# OUT/cases.jsonl; each run's output with arrival times goes to OUT/CASE-CONFIG.log, its metrics.csv beside. Cases
# with ranks also record the bucket size and how long each rank waited for the gradients, in all and per step (rank
# 0's last line; the steps are all the run's, WARMUP + STEPS + 1). Then
# case c's seconds per step (one rank with all of this machine's cores) go to OUT/step-seconds.json, which
# tools/experiments/dp-scaling-model.py turns into OUT/model.md and OUT/model.jsonl.
# Usage: tools/bench/dp-scaling.sh [OUT=dp-scaling]
# Env: CONFIGS ("tiny mini"), CASES ("a b c"; d on request), WARMUP (10), STEPS (40), SHARED (../shared), BERTCORE_BIN.
# Needs Open MPI for case b (tools/mpi/ensure-openmpi.sh installs it) and a quiet machine: nothing else may run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:-dp-scaling}
configs=${CONFIGS:-tiny mini}
cases=${CASES:-a b c}
warmup=${WARMUP:-10}
steps=${STEPS:-40}
shared=${SHARED:-$repo/../shared}
bin=${BERTCORE_BIN:-/tmp/bertcore-bench-bin}
corpus=$shared/data/corpus/wikitext-2-raw/wiki.test.raw
vocab=$shared/data/vocab/bert-base-uncased-vocab.txt
batch=32 grad_accum=2 seq=128
for input in "$corpus" "$vocab"; do [ -f "$input" ] || { echo "dp-scaling: $input is missing (set SHARED)" >&2; exit 1; }; done
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet build "$repo/src/BertCore.Cli" -c Release -o "$bin" -nologo -v q --disable-build-servers >/dev/null
if ! dotnet "$bin/bertcore.dll" pretrain --help | grep -q -- '--threads'; then
  echo "dp-scaling: this bertcore's pretrain has no --threads option (it comes with data-parallel training, issue 26)" >&2
  exit 1
fi
if [[ " $cases " == *" b "* || " $cases " == *" d "* ]]; then
  if [ -x "$repo/tools/mpi/ensure-openmpi.sh" ]; then
    "$repo/tools/mpi/ensure-openmpi.sh" >&2 || { echo "dp-scaling: cases b and d need Open MPI (see the line above)" >&2; exit 1; }
  elif ! command -v mpirun >/dev/null; then
    echo "dp-scaling: cases b and d need Open MPI's mpirun: apt-get install openmpi-bin libopenmpi-dev" >&2
    exit 1
  fi
fi
mpirun_flags=(--oversubscribe --bind-to none)
[ "$(id -u)" = 0 ] && mpirun_flags+=(--allow-run-as-root)
cpu() { grep -m1 -P "^$1\\s*:" /proc/cpuinfo | cut -d: -f2 | xargs; }   # a field of the first processor
machine="$(cpu 'model name') (family $(cpu 'cpu family'), model $(cpu model)), $(nproc) vCPUs"
tokens_per_step=$((batch * grad_accum * seq))

run_case() {  # case config: runs one case, prints and records its JSON line
  local case=$1 config=$2 ranks=1 threads label environment=()
  case $case in
    a) threads=1 label="1 process x 1 thread" ;;
    b) threads=1 ranks=2 label="2 ranks x 1 thread" ;;
    c) threads=2 label="1 process x 2 threads" ;;
    d) threads=1 ranks=2 label="2 ranks x 1 thread, one exchange after the backward" environment=(env BERTCORE_MPI_BUCKET_MB=0) ;;
    *) echo "dp-scaling: unknown case '$case' in CASES (a, b, c, d)" >&2; exit 1 ;;
  esac
  local dir=$work/$case-$config
  local cmd=(dotnet "$bin/bertcore.dll" pretrain --corpus "$corpus" --vocab "$vocab" --config "$config" --batch $batch
    --grad-accum $grad_accum --seq $seq --pack --threads "$threads" --max-steps $((warmup + steps + 1)) --log-every 1 --output "$dir")
  # Open MPI gives each rank a terminal for its output, so bertcore would draw its live display instead of the log
  # lines timed here: each rank's output goes through a pipe.
  [ "$ranks" -gt 1 ] && cmd=("${environment[@]}" mpirun "${mpirun_flags[@]}" -np "$ranks" bash -c 'set -o pipefail; "$@" | cat' rank "${cmd[@]}")
  local command rc=0
  command=$(printf '%q ' "${cmd[@]}")
  command=${command% }
  # Every output line with the time it arrived (the step after the last timed one absorbs the final save).
  "${cmd[@]}" 2>&1 | while IFS= read -r line; do printf '%s\t%s\n' "$EPOCHREALTIME" "$line"; done > "$out/$case-$config.log" || rc=$?
  if [ "$rc" != 0 ]; then
    echo "dp-scaling: case $case ($label, $config) failed with exit code $rc: $command" >&2
    [ "$ranks" -gt 1 ] && echo "dp-scaling: the $ranks ranks did not run to the end; the last lines they printed:" >&2
    tail -n 15 "$out/$case-$config.log" | cut -f2- >&2
    exit 1
  fi
  /usr/bin/python3 - "$out/$case-$config.log" "$dir/metrics.csv" "$warmup" "$steps" "$tokens_per_step" "$ranks" <<'PY' > "$work/result.json"
import csv, json, re, statistics, sys
log, metrics, warmup, steps, tokens, ranks = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])
seen, waited, bucket_mb = {}, None, None
for line in open(log, encoding="utf-8", errors="replace"):
    stamp, _, text = line.rstrip("\n").partition("\t")
    m = re.match(r"step (\d+)/", text)
    if m:
        seen.setdefault(int(m.group(1)), []).append(float(stamp))
    m = re.match(r"data parallel: waited for the gradients \(s, in all\): (.*); gradient buckets of ([0-9.]+) MiB", text)
    if m:
        waited = {f"rank {r}": float(w) for r, w in re.findall(r"rank (\d+) ([0-9.]+)", m.group(1))}
        bucket_mb = float(m.group(2))
if ranks > 1 and waited is None:
    sys.exit(f"dp-scaling: no 'data parallel: waited for the gradients' line in {log}")
all_steps = warmup + steps + 1
if any(len(times) > 1 for times in seen.values()):
    sys.exit(f"dp-scaling: the step lines came {ranks} times each: the {ranks} processes ran as independent single-process "
             "runs, not as ranks of one run (this bertcore does not detect the mpirun launch); see " + log)
for step in (warmup, warmup + steps):
    if step not in seen:
        sys.exit(f"dp-scaling: no 'step {step}/' line in {log}")
seconds = seen[warmup + steps][0] - seen[warmup][0]
reported = []
try:
    for row in csv.DictReader(open(metrics)):
        if warmup < int(row["step"]) <= warmup + steps:
            reported.append(float(row["tokens_per_s"]))
except OSError:
    pass
print(json.dumps({"seconds": seconds, "step_s": seconds / steps, "steps_per_s": steps / seconds,
                  "tokens_per_s": tokens * steps / seconds,
                  "rank0_reported_tokens_per_s_median": statistics.median(reported) if reported else None,
                  "bucket_mb": bucket_mb, "waited_s": waited,
                  "wait_ms_per_step": {r: 1000 * w / all_steps for r, w in waited.items()} if waited else None}))
PY
  cp "$dir/metrics.csv" "$out/$case-$config-metrics.csv"
  /usr/bin/python3 - "$work/result.json" "$case" "$label" "$config" "$ranks" "$threads" "$machine" "$command" \
      "$batch" "$grad_accum" "$seq" "$warmup" "$steps" <<'PY' | tee -a "$out/cases.jsonl"
import json, sys
result = json.load(open(sys.argv[1]))
case, label, config, ranks, threads, machine, command, batch, accum, seq, warmup, steps = sys.argv[2:]
print(json.dumps({"case": case, "label": label, "config": config, "ranks": int(ranks), "threads": int(threads),
                  "batch": int(batch), "grad_accum": int(accum), "seq": int(seq), "warmup_steps": int(warmup),
                  "timed_steps": int(steps), **result, "machine": machine, "command": command}))
PY
}

: > "$out/cases.jsonl"
for config in $configs; do
  for case in $cases; do run_case "$case" "$config"; done
done
if [[ " $cases " != *" c "* ]]; then
  echo "dp-scaling: case c not run, so no step times for the scaling model" >&2
  exit 0
fi
/usr/bin/python3 - "$out/cases.jsonl" "$machine" "$batch" "$grad_accum" "$seq" "$(wc -l < "$vocab")" \
    > "$out/step-seconds.json" <<'PY'
import json, sys
cases, machine, batch, accum, seq, vocab = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])
rows = [json.loads(line) for line in open(cases) if json.loads(line)["case"] == "c"]
print(json.dumps({"machine": machine, "threads": rows[0]["threads"], "batch": batch, "grad_accum": accum, "seq": seq,
                  "vocab": vocab, "step_seconds": {r["config"]: r["step_s"] for r in rows}}, indent=2))
PY
/usr/bin/python3 "$repo/tools/experiments/dp-scaling-model.py" --step-seconds "$out/step-seconds.json" \
  --jsonl "$out/model.jsonl" | tee "$out/model.md"
