#!/usr/bin/env bash
# Bi-encoder fine-tuning on STS-B (finetune --task similarity, cosine loss, mean pooling) with
# sentence-transformers' recipe: batch 16, lr 2e-5, 4 epochs, warmup 10%; dev Spearman of cos(u, v) on all 1500 pairs.
#   minilm-l6 (all-MiniLM-L6-v2 imported, /var/tmp/rm/minilm-l6): untrained, then fine-tuned;
#   a tiny random-initialized model (--config tiny, minilm-l6's vocabulary): untrained, then fine-tuned the same way.
# "Untrained" is one optimizer step with --lr 1e-12 (the verb takes no 0) followed by the dev evaluation: that step is
# the first of the 10% warmup, whose learning-rate factor is 0 (metrics.csv shows lr 0), so AdamW leaves every weight
# as it was and the starting weights are scored by the same code.
# Usage: tools/experiments/stsb-biencoder.sh BERTCORE_DLL OUT_DIR    (BERTCORE_DLL: a Release build of bertcore.dll)
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: stsb-biencoder.sh BERTCORE_DLL OUT_DIR" >&2; exit 2; }
dll=$1 out=$2
data=${STSB:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/data/pairs/stsb}
minilm=${MINILM:-/var/tmp/rm/minilm-l6}
mkdir -p "$out"
run() {   # NAME ARGS...: one finetune run into OUT_DIR/NAME, its log beside it
  local name=$1; shift
  rm -rf "${out:?}/$name"
  nice -n 10 dotnet "$dll" finetune --task similarity --train "$data/train.tsv" --dev "$data/dev.tsv" --loss cosine --pooling mean \
    --batch 16 --warmup-ratio 0.1 --seed 42 --log-every 50 --output "$out/$name" "$@" 2>&1 | tee "$out/$name.log"
}
run minilm-untrained --model "$minilm" --lr 1e-12 --max-steps 1
run minilm-cosine --model "$minilm" --lr 2e-5 --epochs "${EPOCHS:-4}"
run tiny-untrained --config tiny --vocab "$minilm/vocab.txt" --lr 1e-12 --max-steps 1
run tiny-cosine --config tiny --vocab "$minilm/vocab.txt" --lr 2e-5 --epochs "${EPOCHS:-4}"
grep -H "^done" "$out"/*.log
