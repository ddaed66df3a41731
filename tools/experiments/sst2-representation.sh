#!/usr/bin/env bash
# SST-2 dev accuracy of the sentence-representation and parameter-efficient fine-tuning options (issue 8, part A),
# from the engine-pretrained tiny model, 3 seeds per row, the same budget per row: 600 steps of batch 32.
#
#   dotnet build src/BertCore.Cli -c Release -o /tmp/ftrepr-bin
#   tools/experiments/sst2-representation.sh [OUT]          # OUT defaults to /tmp/ftrepr/sst2
#
# Writes OUT/runs.tsv (one line per run: row, seed, dev accuracy, wall seconds of the finetune command) and
# OUT/table.md (mean ± sample standard deviation over the seeds). Environment: BIN (the bertcore.dll),
# MODEL (the starting model folder), DATA (the folder with SST-2's train.tsv and dev.tsv), ROWS (row names to run),
# FT_LR (the learning rate of the rows listed at 2e-4 below), STEPS (default 600), MAX_TRAIN (first N sentences;
# default all), SEEDS (default "1 2 3"); sst2-techniques-minilm.sh sets them for minilm-l6.
# MODEL: the tiny BERT of README "Measured" (the 20-minute WikiText-2 pretraining run: `bertcore vocab ... --size 8000`,
# then `bertcore pretrain ... --config tiny --max-minutes 20`); no default: MODEL must be set (that run was not kept; import-minilm.sh gives a real model).
set -euo pipefail
OUT=${1:-/tmp/ftrepr/sst2}
BIN=${BIN:-/tmp/ftrepr-bin/bertcore.dll}
MODEL=${MODEL:?set MODEL to the model folder to start from, e.g. MODEL=$(tools/experiments/import-minilm.sh DIR)}
DATA=${DATA:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/data/sst2}
read -r -a SEEDS <<< "${SEEDS:-1 2 3}"
BUDGET=(--max-steps "${STEPS:-600}" --batch 32 ${MAX_TRAIN:+--max-train "$MAX_TRAIN"})
FT=${FT_LR:-2e-4}

# name → learning rate, extra flags. The frozen rows share one feature cache: the first seed of each pooling
# computes it, the others read it (their time is then training alone). Frozen and adapter rows also run at 1e-3 (Houlsby et al. use 1e-3 for
# adapters; a head alone on frozen features is a linear model that moves little at 2e-4 in 600 steps); the last
# three rows try larger rates still, after the first ten had shown both far below full fine-tuning.
declare -A LR=(
  [baseline]=$FT [frozen]=$FT [frozen-lr1e-3]=1e-3 [frozen-mean-lr1e-3]=1e-3 [adapters64]=$FT [adapters64-lr1e-3]=1e-3
  [scalar-mix]=$FT [concat-last-2]=$FT [mean]=$FT [max]=$FT
  [frozen-mean-lr1e-2]=1e-2 [frozen-scalar-mix-lr1e-2]=1e-2 [adapters64-lr3e-3]=3e-3)
declare -A FLAGS=(
  [baseline]="" [frozen]="--freeze-encoder --feature-cache $OUT/cache" [frozen-lr1e-3]="--freeze-encoder --feature-cache $OUT/cache"
  [frozen-mean-lr1e-3]="--freeze-encoder --pooling mean --feature-cache $OUT/cache"
  [adapters64]="--adapters 64" [adapters64-lr1e-3]="--adapters 64" [scalar-mix]="--pooling scalar-mix"
  [concat-last-2]="--pooling concat-last-2" [mean]="--pooling mean" [max]="--pooling max"
  [frozen-mean-lr1e-2]="--freeze-encoder --pooling mean --feature-cache $OUT/cache"
  [frozen-scalar-mix-lr1e-2]="--freeze-encoder --pooling scalar-mix --feature-cache $OUT/cache" [adapters64-lr3e-3]="--adapters 64")
ROWS=${ROWS:-"baseline frozen frozen-lr1e-3 frozen-mean-lr1e-3 adapters64 adapters64-lr1e-3 scalar-mix concat-last-2 mean max
  frozen-mean-lr1e-2 frozen-scalar-mix-lr1e-2 adapters64-lr3e-3"}

mkdir -p "$OUT"
RUNS="$OUT/runs.tsv"
[ -f "$RUNS" ] || printf 'row\tseed\tlr\taccuracy\tseconds\n' > "$RUNS"
for row in $ROWS; do
  for seed in "${SEEDS[@]}"; do
    run="$OUT/$row-seed$seed"
    if grep -q "^$row	$seed	" "$RUNS"; then continue; fi   # done in an earlier invocation
    rm -rf "$run"
    start=$(date +%s.%N)
    # shellcheck disable=SC2086  # FLAGS holds several words
    dotnet "$BIN" finetune --task classify --train "$DATA/train.tsv" --dev "$DATA/dev.tsv" --model "$MODEL" --output "$run" \
      "${BUDGET[@]}" --lr "${LR[$row]}" --seed "$seed" ${FLAGS[$row]} --log-every 50 > "$run.log" 2>&1
    end=$(date +%s.%N)
    accuracy=$(grep -o '"accuracy": [0-9.]*' "$run/results.json" | head -1 | awk '{print $2}')
    printf '%s\t%s\t%s\t%s\t%.1f\n' "$row" "$seed" "${LR[$row]}" "$accuracy" "$(echo "$end - $start" | bc)" >> "$RUNS"
    tail -1 "$RUNS"
  done
done

awk -F'\t' 'NR > 1 { n[$1]++; s[$1] += $4; q[$1] += $4 * $4; t[$1] += $5; lr[$1] = $3; if (!($1 in order)) order[$1] = ++rows; name[rows] = $1 }
  END {
    print "| row | lr | dev accuracy (mean ± std, 3 seeds) | seconds per run (mean) |"
    print "|---|---|---|---|"
    for (i = 1; i <= rows; i++) { r = name[i]; m = s[r] / n[r]; v = n[r] > 1 ? (q[r] - n[r] * m * m) / (n[r] - 1) : 0; if (v < 0) v = 0
      printf "| %s | %s | %.4f ± %.4f | %.0f |\n", r, lr[r], m, sqrt(v), t[r] / n[r] } }' "$RUNS" > "$OUT/table.md"
cat "$OUT/table.md"
