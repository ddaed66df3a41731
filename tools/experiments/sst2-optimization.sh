#!/usr/bin/env bash
# SST-2 fine-tuning techniques (issue 8, part B): each row fine-tunes the engine-pretrained tiny model
# (2 layers, 128 hidden) on SST-2 for the same budget of 600 optimizer steps (batch 32, peak lr 2e-4), with
# seeds 1, 2 and 3, and reports dev accuracy mean ± std and the training time of each run. TAPT's 300 MLM
# steps come on top of the 600 (their time is in the run's time).
#
# Usage: tools/experiments/sst2-optimization.sh [OUT] [ROW...]
#   OUT   folder for the runs and table.md (default /tmp/ftoptim); rows default to all of them.
# Environment: LR (peak learning rate, default 2e-4), STEPS (optimizer steps, default 600), MAX_TRAIN (train on the
# first N sentences; default all), SEEDS (default "1 2 3"), UNFREEZE_EVERY (steps between unfreezing one more layer, default 100); sst2-techniques-minilm.sh sets them for minilm-l6.
# Needs a Release build: dotnet build src/BertCore.Cli -c Release -o /tmp/ftoptim-bin (or set BERTCORE_DLL).
# MODEL: the tiny BERT of README "Measured" (the 20-minute WikiText-2 pretraining run: `bertcore vocab ... --size 8000`,
# then `bertcore pretrain ... --config tiny --max-minutes 20`); no default: MODEL must be set (that run was not kept; import-minilm.sh gives a real model).
set -euo pipefail
out=${1:-/tmp/ftoptim}
shift || true
dll=${BERTCORE_DLL:-/tmp/ftoptim-bin/bertcore.dll}
data=${SST2:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/data/sst2}
model=${MODEL:?set MODEL to the model folder to start from, e.g. MODEL=$(tools/experiments/import-minilm.sh DIR)}
lr=${LR:-2e-4}
steps=${STEPS:-600}
subset=${MAX_TRAIN:+--max-train $MAX_TRAIN}
read -r -a seeds <<< "${SEEDS:-1 2 3}"
unfreeze=${UNFREEZE_EVERY:-100}
mkdir -p "$out"

declare -A flags=(
  [baseline]=""
  [layer-decay-0.8]="--layer-decay 0.8"
  [tapt-300]="--tapt-steps 300"
  [aux-mlm-0.5]="--aux-mlm 0.5"
  [augment-1]="--augment 1"
  [unfreeze-$unfreeze]="--unfreeze-every $unfreeze"
  [stlr]="--schedule stlr"
)
order=(baseline layer-decay-0.8 tapt-300 aux-mlm-0.5 augment-1 "unfreeze-$unfreeze" stlr)
rows=("$@")
[ ${#rows[@]} -eq 0 ] && rows=("${order[@]}")

for row in "${rows[@]}"; do
  for seed in "${seeds[@]}"; do
    run="$out/$row/seed-$seed"
    [ -f "$run/results.json" ] && continue   # done before
    rm -rf "$run"
    mkdir -p "$(dirname "$run")"
    start=$(date +%s.%N)
    # shellcheck disable=SC2086
    dotnet "$dll" finetune --task classify --train "$data/train.tsv" --dev "$data/dev.tsv" --model "$model" --output "$run" \
      --max-steps "$steps" --batch 32 --lr "$lr" $subset --seed "$seed" --keep 0 --log-every 50 ${flags[$row]} > "$run.log" 2>&1
    end=$(date +%s.%N)
    echo "$(echo "$end - $start" | bc)" > "$run/wall_seconds"
    echo "$row seed $seed: $(grep -o 'best dev.*' "$run.log")"
  done
done

# The table: dev accuracy of the last (= best, one evaluation) step, mean ± sample std over the seeds.
specs=()
for row in "${order[@]}"; do specs+=("$row|${flags[$row]}"); done
python3 - "$out" "${specs[@]}" <<'PY'
import json, os, statistics, sys
out, specs = sys.argv[1], sys.argv[2:]
import re
lines = ["| row | flags | dev accuracy (mean ± std over the seeds) | per seed | wall s per run (mean) | fine-tuning loop s (mean) | TAPT s (mean) |",
         "|---|---|---|---|---|---|---|"]
for spec in specs:
    row, flags = spec.split("|", 1)
    accs, walls, loops, tapts = [], [], [], []
    for seed in (1, 2, 3):
        d = os.path.join(out, row, f"seed-{seed}")
        if not os.path.exists(os.path.join(d, "results.json")): continue
        r = json.load(open(os.path.join(d, "results.json")))
        accs.append(r["best"]["accuracy"])
        loops.append(r["seconds"])
        walls.append(float(open(os.path.join(d, "wall_seconds")).read()))
        m = re.search(r"task-adaptive pretraining: \d+ MLM steps in ([0-9.]+) s", open(d + ".log").read())
        if m: tapts.append(float(m.group(1)))
    if not accs: continue
    std = statistics.stdev(accs) if len(accs) > 1 else float("nan")
    tapt = f"{statistics.mean(tapts):.0f}" if tapts else "–"
    lines.append(f"| {row} | {flags or '(defaults)'} | {statistics.mean(accs):.4f} ± {std:.4f} | {', '.join(f'{a:.4f}' for a in accs)} | "
                 f"{statistics.mean(walls):.0f} | {statistics.mean(loops):.0f} | {tapt} |")
open(os.path.join(out, "table.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
