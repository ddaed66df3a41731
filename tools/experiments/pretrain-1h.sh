#!/usr/bin/env bash
# Issue 23's recipe, end to end on this machine: does a model pretrained by BertCore for at most MINUTES (60) beat random
# initialization on SST-2 (and STS-B, RTE, WNUT-17) under the same fine-tuning protocol?
#   1. a WordPiece vocabulary of VOCAB (8,000) tokens on SST-2's training sentences (labels dropped), mixed with WikiText-2
#      when RATIO < 1 (the in-domain share of the text; default 1: SST-2's own text only);
#   2. `pretrain --max-minutes MINUTES` of the tiny configuration (2 layers, 128 wide) on the same text, BATCH × SEQ
#      (64 × 64) tokens per step, the default lr for this size (1e-3), warmup 6% of the budget then linear decay to 0
#      at the budget, objective OBJECTIVE, and RECIPE: more architecture/optimizer options (default none: post-LN with
#      BERT's AdamW and dropout, which measured best at 2,000 steps; e.g. RECIPE="--pre-ln --no-bias --dropout 0
#      --beta2 0.98 --max-grad-norm 0.5 --pack" for the Cramming-style recipe);
#   3. SST-2 fine-tuning on SEEDS (1 2 3) from the pretrained model and from random initialization (same vocabulary,
#      configuration and protocol: 2 epochs, lr FT_LR (2e-4), mean pooling (POOLING; not for WNUT-17's tagger), batch 32,
#      --max-seq 64); STS-B and RTE the same on the first seed, WNUT-17's tagger NER_EPOCHS (10) at NER_LR (1e-3) (in 2
#      epochs at 2e-4 a tiny tagger finds no entity at all);
#   4. a markdown table (OUT/table.md) from the runs' results.json and the pretraining's metrics.csv.
# Usage: tools/experiments/pretrain-1h.sh            (env: OUT, MINUTES, OBJECTIVE mlm|electra, RATIO, BATCH, SEQ, RECIPE,
#        SEEDS, VOCAB, PRETRAIN_EXTRA "more pretrain options" for ablations, e.g. PRETRAIN_EXTRA="--mask-prob 0.3:0.15";
#        EPOCHS (2), FT_LR (2e-4) and POOLING (mean) of fine-tuning, NER_EPOCHS (10) and NER_LR (1e-3) of WNUT-17's,
#        FINETUNE_EXTRA "more finetune options", e.g. "--max-train 500 --max-dev 100" for a smoke run)
# Runs that already have results are kept, so a stopped script resumes where it was (and an OUT holding vocab.txt and
# pretrained-OBJECTIVE/ from an earlier run only fine-tunes, e.g. under another protocol). Needs a quiet machine: the
# pretraining budget is wall-clock time.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
data=${SHARED:-$root/../shared}/data
out=${OUT:-/var/tmp/pretrain-1h}
minutes=${MINUTES:-60}
objective=${OBJECTIVE:-mlm}
ratio=${RATIO:-1}
seeds=${SEEDS:-1 2 3}
vocab_size=${VOCAB:-8000}
batch=${BATCH:-64}
seq=${SEQ:-64}
# RECIPE: the architecture and optimizer options; the default is what measured best at 2,000 steps (post-LN as BERT,
# its default AdamW and dropout); the Cramming-style alternative: "--pre-ln --no-bias --dropout 0 --beta2 0.98 --max-grad-norm 0.5 --pack"
recipe=${RECIPE:-}
# The fine-tuning protocol, the same for both starts: FT_LR and POOLING (the sentence vector of classify, pair and
# regress; an MLM-pretrained model has no trained pooler, so mean pooling is the default: see docs/pretraining.md)
ft_lr=${FT_LR:-2e-4}
pool=${POOLING:-mean}
mkdir -p "$out"
bin=$out/bin
[ -f "$bin/bertcore.dll" ] || dotnet build "$root/src/BertCore.Cli" -c Release -o "$bin" -nologo -v q > "$out/build.log"
B="dotnet $bin/bertcore.dll"
general=$data/corpus/wikitext-2-raw/wiki.test.raw

# RATIO 1: SST-2's own text only; below 1, mixed with WikiText-2 (the vocabulary counts the same mix).
mix=(--corpus "$general" --in-domain "$data/sst2/train.tsv" --in-domain-ratio "$ratio")
[ "$ratio" = 1 ] && mix=(--in-domain "$data/sst2/train.tsv")
[ -f "$out/vocab.txt" ] || $B vocab "${mix[@]}" --size "$vocab_size" --output "$out/vocab.txt" > "$out/vocab.log" 2>&1

# Held-out MLM (and RTD) accuracy on SST-2's dev sentences, which the pretraining never sees.
tail -n +2 "$data/sst2/dev.tsv" | cut -f1 > "$out/sst2-dev-sentences.txt"
pretrained=$out/pretrained-$objective
if [ ! -f "$pretrained/config.json" ]; then
  /usr/bin/time -f "%e" -o "$out/pretrain-$objective.seconds" $B pretrain "${mix[@]}" \
    --eval-corpus "$out/sst2-dev-sentences.txt" --vocab "$out/vocab.txt" --config tiny --objective "$objective" $recipe \
    --max-minutes "$minutes" --batch "$batch" --seq "$seq" --save-every 2000 --eval-every 2000 --log-every 200 \
    --output "$pretrained" ${PRETRAIN_EXTRA:-} > "$out/pretrain-$objective.log" 2>&1
fi

# The same architecture from random initialization: the pretrained run's config.json (pre-LN, no biases) and vocabulary.
finetune() {  # task train dev name init-args... : one run into OUT/runs/NAME unless it has results
  local task=$1 train=$2 dev=$3 name=$4; shift 4
  local protocol=(--epochs "${EPOCHS:-2}" --lr "$ft_lr" --pooling "$pool")
  [ "$task" = ner ] && protocol=(--epochs "${NER_EPOCHS:-10}" --lr "${NER_LR:-1e-3}")
  [ -f "$out/runs/$name/results.json" ] || $B finetune --task "$task" --train "$train" --dev "$dev" --output "$out/runs/$name" \
    "${protocol[@]}" --batch 32 --max-seq 64 --log-every 500 ${FINETUNE_EXTRA:-} "$@" > "$out/runs/$name.log" 2>&1
}
mkdir -p "$out/runs"
for seed in $seeds; do
  finetune classify "$data/sst2/train.tsv" "$data/sst2/dev.tsv" "sst2-$objective-s$seed" --model "$pretrained" --seed "$seed"
  finetune classify "$data/sst2/train.tsv" "$data/sst2/dev.tsv" "sst2-random-s$seed" --config "$pretrained/config.json" --vocab "$out/vocab.txt" --seed "$seed"
done
first=${seeds%% *}
for init in "$objective" random; do
  args=(--model "$pretrained"); [ "$init" = random ] && args=(--config "$pretrained/config.json" --vocab "$out/vocab.txt")
  finetune regress "$data/pairs/stsb/train.tsv" "$data/pairs/stsb/dev.tsv" "stsb-$init-s$first" "${args[@]}" --seed "$first"
  finetune pair "$data/pairs/rte/train.tsv" "$data/pairs/rte/dev.tsv" "rte-$init-s$first" "${args[@]}" --seed "$first"
  finetune ner "$data/ner/wnut17/wnut17train.conll" "$data/ner/wnut17/emerging.dev.conll" "wnut17-$init-s$first" "${args[@]}" --seed "$first"
done
/usr/bin/python3 "$root/tools/experiments/pretrain-1h-table.py" "$out" "$objective" > "$out/table.md"
cat "$out/table.md"
