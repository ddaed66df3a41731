#!/usr/bin/env bash
# Issue 23's levers at a fixed number of steps (the load of the machine changes the time, not the result): the tiny
# configuration pretrained for STEPS (2,000) steps of 64 × 64 tokens on SST-2's training sentences (vocabulary of 8,000
# on the same text), then SST-2 fine-tuning with the issue's protocol (2 epochs, lr 2e-4, batch 32, --max-seq 64).
# Rows (one pretraining each; SST-2 on the seeds given):
#   postln     post-LN as BERT, the defaults (lr 1e-3 for this size)
#   preln      the Cramming-style recipe: --pre-ln --no-bias --dropout 0 --beta2 0.98 --max-grad-norm 0.5 --pack
#   selective  post-LN with selective masking (Gu et al. 2020): --importance from `bertcore importance --method buffer`
#              scored by a task model fine-tuned on SST-2 from random initialization in the same vocabulary (row random, seed 1)
#   electra    post-LN with ELECTRA's replaced-token detection (--objective electra; the discriminator is fine-tuned)
#   random     no pretraining (random initialization)
# Usage: tools/experiments/pretrain-probes.sh ROW SEED...   (env OUT, STEPS); prints "ROW sSEED held-out-MLM-accuracy SST-2-accuracy"
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
data=${SHARED:-$root/../shared}/data
out=${OUT:-/var/tmp/pretrain-probes}
steps=${STEPS:-2000}
row=$1; shift
mkdir -p "$out"
bin=$out/bin
[ -f "$bin/bertcore.dll" ] || dotnet build "$root/src/BertCore.Cli" -c Release -o "$bin" -nologo -v q > "$out/build.log"
B="dotnet $bin/bertcore.dll"
[ -f "$out/vocab.txt" ] || $B vocab --in-domain "$data/sst2/train.tsv" --size 8000 --output "$out/vocab.txt" > "$out/vocab.log" 2>&1
[ -f "$out/dev-sentences.txt" ] || tail -n +2 "$data/sst2/dev.tsv" | cut -f1 > "$out/dev-sentences.txt"

finetune() {  # NAME SEED init-args...
  local name=$1 seed=$2; shift 2
  [ -f "$out/ft-$name-s$seed/results.json" ] || $B finetune --task classify --train "$data/sst2/train.tsv" --dev "$data/sst2/dev.tsv" \
    --output "$out/ft-$name-s$seed" --epochs 2 --lr 2e-4 --batch 32 --max-seq 64 --log-every 1000 --seed "$seed" "$@" > "$out/ft-$name-s$seed.log" 2>&1
}
case $row in
  random) init=(--config tiny --vocab "$out/vocab.txt") ;;
  postln|preln|selective|electra)
    extra=()
    [ "$row" = preln ] && extra=(--pre-ln --no-bias --dropout 0 --beta2 0.98 --max-grad-norm 0.5 --pack)
    [ "$row" = electra ] && extra=(--objective electra)
    if [ "$row" = selective ]; then
      finetune random 1 --config tiny --vocab "$out/vocab.txt"
      tail -n +2 "$data/sst2/train.tsv" | cut -f1 > "$out/train-sentences.txt"
      [ -f "$out/importance-buffer.tsv" ] || $B importance --task-model "$out/ft-random-s1" --corpus "$out/train-sentences.txt" \
        --output "$out/importance-buffer.tsv" > "$out/importance.log" 2>&1
      extra=(--importance "$out/importance-buffer.tsv")
    fi
    [ -f "$out/$row/config.json" ] || /usr/bin/time -f %e -o "$out/$row.seconds" $B pretrain --in-domain "$data/sst2/train.tsv" \
      --eval-corpus "$out/dev-sentences.txt" --vocab "$out/vocab.txt" --config tiny --max-steps "$steps" --batch 64 --seq 64 \
      --save-every 100000 --eval-every 1000 --log-every 200 --output "$out/$row" "${extra[@]}" > "$out/$row.log" 2>&1
    init=(--model "$out/$row") ;;
  *) echo "unknown row $row (postln, preln, selective, electra, random)" >&2; exit 2 ;;
esac
mlm=$(grep -h "eval at step $steps:" "$out/$row.log" 2>/dev/null | sed 's/.*mlm accuracy \([0-9.]*\).*/\1/' || true)
for seed in "$@"; do
  finetune "$row" "$seed" "${init[@]}"
  echo "$row s$seed ${mlm:--} $(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['best']['accuracy'])" "$out/ft-$row-s$seed/results.json")"
done
