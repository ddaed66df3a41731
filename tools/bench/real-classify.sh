#!/usr/bin/env bash
# Real-workload benchmark, end to end from text: classify SST-2 dev with a fine-tuned minilm classifier.
#   bertcore predict (tokenization, batching, the model, JSONL out; start-up measured apart and subtracted), packed and
#   padded, on one thread and on all; against ONNX Runtime running the same model (bertcore export-onnx) on the same
#   batches in file order, each padded to its longest sentence (the peer times the model alone, all threads); the FMA
#   peak of this run. Prints a markdown table; the raw JSON lines go to OUT (commit them under docs/measurements/).
# Usage: tools/bench/real-classify.sh [ROUNDS=3] [OUT=real-classify.jsonl] [LIMIT=0 (all 872 sentences)]
# Env: MODEL (default /var/tmp/real-models-runs/sst2-pretrained), BATCH (32), VARIANTS ("packed padded int8": packed is
#   predict's default, padded its --padded, int8 its --quantize int8, packed),
#   SHARED (../shared), BERTCORE_BIN.
# Run it on a quiet machine: nothing else of yours may run meanwhile.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
rounds=${1:-3}
out=${2:-real-classify.jsonl}
limit=${3:-0}
model=${MODEL:-/var/tmp/real-models-runs/sst2-pretrained}
batch=${BATCH:-32}
variants=${VARIANTS:-packed padded int8}
shared=${SHARED:-$repo/../shared}
bin=${BERTCORE_BIN:-/tmp/bertcore-bench-bin}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet build "$repo/src/BertCore.Cli" -c Release -o "$bin" -nologo -v q --disable-build-servers >/dev/null
bertcore="dotnet $bin/bertcore.dll"
ort="$shared/tools/peer-onnxruntime/run.sh"
source "$here/ort-padded.sh"

# Inputs: SST-2 dev sentences as predict's JSONL, their WordPiece lengths, one sentence for the start-up run.
/usr/bin/python3 - "$shared/data/sst2/dev.tsv" "$limit" "$work" <<'PY'
import json, sys
rows = [line.rstrip("\n").split("\t")[0].strip() for line in open(sys.argv[1], encoding="utf-8")][1:]
limit = int(sys.argv[2])
rows = rows[:limit] if limit > 0 else rows
with open(sys.argv[3] + "/input.jsonl", "w") as f:
    for text in rows: f.write(json.dumps({"text": text}) + "\n")
with open(sys.argv[3] + "/one.jsonl", "w") as f:
    f.write(json.dumps({"text": rows[0]}) + "\n")
PY
$bertcore tokenize --vocab "$model/vocab.txt" --input "$work/input.jsonl" --output "$work/tokens.jsonl" >/dev/null
# The batches ONNX Runtime gets: BATCH sentences in file order, padded to the longest: "rows seq" per line.
batch_shapes "$work/tokens.jsonl" "$batch" > "$work/shapes.txt"
sentences=$(wc -l < "$work/input.jsonl")
tokens=$(/usr/bin/python3 -c "import json,sys; print(sum(len(json.loads(l)['ids']) for l in open(sys.argv[1])))" "$work/tokens.jsonl")
padded_tokens=$(awk '{s += $1 * $2} END {print s}' "$work/shapes.txt")

# The same model for ONNX Runtime. The peer feeds input_ids and attention_mask only: token_type_ids (all 0 for single
# sentences) becomes input_ids · 0 inside the graph.
ort_export "$bertcore" "$model" "$work/model-2in.onnx"

: > "$out"
emit() { echo "$1" | tee -a "$out" >&2; }
now() { date +%s.%N; }
diff_s() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.6f", b - a}'; }   # seconds from $1 to $2, with a leading 0 (JSON)
for ((round = 1; round <= rounds; round++)); do
  emit "{\"round\":$round,\"label\":\"peak\",\"result\":$($bertcore bench peak 2>/dev/null | tail -1)}"
  for threads in 1 0; do
    t0=$(now); $bertcore predict --model "$model" --input "$work/one.jsonl" --output "$work/one.out" --threads "$threads" >/dev/null; t1=$(now)
    startup=$(diff_s "$t0" "$t1")
    for variant in $variants; do
      case $variant in packed) flag="" ;; int8) flag="--quantize int8" ;; *) flag="--$variant" ;; esac
      t0=$(now)
      $bertcore predict --model "$model" --input "$work/input.jsonl" --output "$work/$variant.out" --batch "$batch" --threads "$threads" $flag >/dev/null
      t1=$(now)
      wall=$(diff_s "$t0" "$t1")
      emit "{\"round\":$round,\"label\":\"bertcore $variant threads=$threads\",\"sentences\":$sentences,\"tokens\":$tokens,\"batch\":$batch,\"wall_s\":$wall,\"startup_s\":$startup}"
    done
  done
  # ONNX Runtime: each batch shape timed by the peer (model only, after its warm-up), summed over the file's batches.
  total=$(ort_padded_seconds "$ort" "$work/model-2in.onnx" "$work/shapes.txt")
  emit "{\"round\":$round,\"label\":\"onnxruntime padded threads=all\",\"sentences\":$sentences,\"tokens\":$tokens,\"padded_tokens\":$padded_tokens,\"batch\":$batch,\"model_s\":$total}"
done
/usr/bin/python3 "$here/summarize-real.py" "$out"
