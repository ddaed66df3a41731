#!/usr/bin/env bash
# The fine-tuning techniques table on a real pretrained model (issue 19): every technique row of
# sst2-optimization.sh and sst2-representation.sh, plus self-distillation, fine-tuned from all-MiniLM-L6-v2 on the
# first 8,000 sentences of SST-2 train for the same budget per row (250 optimizer steps of batch 32 = one epoch,
# peak lr 5e-5; frozen-feature and adapter rows at 1e-3, as on the tiny model; gradual unfreezing adds one layer
# every 30 steps, so all 7 groups train from step 180), seeds 1, 2 and 3, dev accuracy on all 872 dev sentences. Seeds run in the outer loop, so an interrupted run has every row at the same seeds;
# rerunning continues where it stopped (finished runs are kept).
#
#   dotnet build src/BertCore.Cli -c Release -o /var/tmp/exp-bin
#   BERTCORE_DLL=/var/tmp/exp-bin/bertcore.dll tools/experiments/sst2-techniques-minilm.sh [OUT]   # default /var/tmp/techniques
#
# Writes OUT/optimization/table.md, OUT/representation/table.md, OUT/self-distill/runs.tsv and OUT/table.md (all rows).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-/var/tmp/techniques}
dll=${BERTCORE_DLL:-$here/../../src/BertCore.Cli/bin/Release/net10.0/bertcore.dll}
data=$here/../../../shared/data/sst2
model=$(BERTCORE_DLL=$dll "$here/import-minilm.sh" "$out/models")
steps=250 train=8000 lr=5e-5
mkdir -p "$out/self-distill"
runs="$out/self-distill/runs.tsv"
[ -f "$runs" ] || printf 'row\tseed\tlr\taccuracy\tseconds\n' > "$runs"
for seed in 1 2 3; do
  LR=$lr STEPS=$steps MAX_TRAIN=$train SEEDS=$seed UNFREEZE_EVERY=30 BERTCORE_DLL=$dll MODEL=$model \
    "$here/sst2-optimization.sh" "$out/optimization"
  FT_LR=$lr STEPS=$steps MAX_TRAIN=$train SEEDS=$seed BIN=$dll MODEL=$model \
    ROWS="frozen-mean-lr1e-3 adapters64-lr1e-3 mean max scalar-mix concat-last-2" \
    "$here/sst2-representation.sh" "$out/representation"
  # self-distillation: fine-tune (= OUTPUT/teacher, the baseline again), then fine-tune again on its soft labels
  run="$out/self-distill/seed-$seed"
  if ! grep -q "^self-distill	$seed	" "$runs"; then
    rm -rf "$run"
    start=$(date +%s.%N)
    dotnet "$dll" distill --self --model "$model" --task classify --train "$data/train.tsv" --dev "$data/dev.tsv" \
      --output "$run" --max-steps $steps --max-train $train --batch 32 --lr $lr --seed "$seed" --keep 0 --log-every 50 \
      > "$run.log" 2>&1
    end=$(date +%s.%N)
    accuracy=$(grep -o '"accuracy": [0-9.]*' "$run/results.json" | head -1 | awk '{print $2}')
    printf 'self-distill\t%s\t%s\t%s\t%.1f\n' "$seed" "$lr" "$accuracy" "$(echo "$end - $start" | bc)" >> "$runs"
    tail -1 "$runs"
  fi
done
"$here/sst2-techniques-table.py" "$out" > "$out/table.md"
cat "$out/table.md"
