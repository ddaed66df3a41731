#!/usr/bin/env bash
# Side-by-side CPU benchmark: bertcore vs libtorch (TorchSharp) vs ONNX Runtime, alternating, in one run.
# Usage: tools/bench/side-by-side.sh [ROUNDS=3] [OUT=side-by-side.jsonl]
# Prints a markdown table of medians (and each figure's ratio to the FMA peak measured in the same run).
# Run it on a quiet machine: nothing else of yours (builds, tests, training) may run meanwhile.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
rounds=${1:-3}
out=${2:-side-by-side.jsonl}
shared=${SHARED:-$repo/../shared}
bin=${BERTCORE_BIN:-/tmp/bertcore-bench-bin}
dotnet build "$repo/src/BertCore.Cli" -c Release -o "$bin" -nologo -v q --disable-build-servers >/dev/null
ours="dotnet $bin/bertcore.dll bench"
torch="$shared/tools/peer-torchsharp/run.sh"
ort="$shared/tools/peer-onnxruntime/run.sh"
: > "$out"
run() {  # label, command...: appends {"round", "label", "result"}
  local label=$1; shift
  local line; line=$("$@" 2>/dev/null | tail -1)
  echo "{\"round\":$round,\"label\":\"$label\",\"result\":$line}" | tee -a "$out" >&2
}
for ((round = 1; round <= rounds; round++)); do
  run "peak" $ours peak
  for n in 1024 2048; do
    for t in 1 2; do
      run "gemm n=$n threads=$t|bertcore" $ours gemm --n $n --threads $t --steps 10
      run "gemm n=$n threads=$t|libtorch" $torch gemm --n $n --threads $t --steps 10
    done
  done
  run "train mini b16 s128|bertcore" $ours train --model mini --batch 16 --seq 128
  run "train mini b16 s128|libtorch" $torch train --model mini --batch 16 --seq 128
  for b in 1 32; do
    run "infer base b$b s128|bertcore" $ours infer --model base --batch $b --seq 128
    run "infer base b$b s128|libtorch" $torch infer --model base --batch $b --seq 128
    run "infer base b$b s128|onnxruntime" $ort infer --model base --batch $b --seq 128
  done
done
python3 "$here/summarize.py" "$out"
