#!/usr/bin/env bash
# int8 inference's accuracy against fp32 on real models and dev sets (no timing): an SST-2 classifier, an STS-B
# cross-encoder and a CoNLL-2003 tagger fine-tuned from minilm-l6 (tools/experiments/real-models.sh), and minilm-l6's
# own embeddings (cosine Spearman on STS-B dev). Prints one line per model and precision.
# Usage: tools/experiments/int8-accuracy.sh [RUNS=/var/tmp/real-models-runs] [EMBEDDER=/var/tmp/s4/minilm-l6]
#   BERTCORE_DLL: the CLI (default: the Release build).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dll=${BERTCORE_DLL:-$root/src/BertCore.Cli/bin/Release/net10.0/bertcore.dll}
runs=${1:-/var/tmp/real-models-runs} embedder=${2:-/var/tmp/s4/minilm-l6}
data=$root/../shared/data
for q in none int8; do
  echo "sst2-classifier $q: $(dotnet "$dll" evaluate --model "$runs/sst2-pretrained" --data "$data/sst2/dev.tsv" --quantize $q)"
  echo "stsb-cross-encoder $q: $(dotnet "$dll" evaluate --model "$runs/stsb-pretrained" --data "$data/pairs/stsb/dev.tsv" --quantize $q)"
  echo "conll-tagger $q: $(dotnet "$dll" evaluate --model "$runs/conll-pretrained" --data "$data/ner/conll2003/eng.testa" --quantize $q)"
  echo "minilm-embeddings $q: $(dotnet "$dll" evaluate --model "$embedder" --task similarity --data "$data/pairs/stsb/dev.tsv" --quantize $q)"
done
