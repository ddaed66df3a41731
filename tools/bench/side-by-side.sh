#!/usr/bin/env bash
# Side-by-side CPU benchmark: bertcore vs libtorch (TorchSharp) vs ONNX Runtime, alternating, in one run.
# Usage: tools/bench/side-by-side.sh [ROUNDS=3] [OUT=side-by-side.jsonl] [SET=peers|shapes|scaling]
#   peers:  the peers' workloads: GEMM n×n×n, the mini training step, base inference at batch 1 and 32
#   shapes: the GEMMs of a BERT-base layer at 2048 tokens — forward x·Wᵀ, input gradient dy·W, weight gradient dyᵀ·x —
#           for 768×768, 768→3072 and 3072→768 weights, on one and two threads, against libtorch (tools/bench/torch-gemm)
#   scaling: base inference at batch 1 and 32 on one thread and on all, beside ONNX Runtime (all threads): how far
#           perfect scaling of the one-thread forward over the threads would take bertcore (summarize.py's "ceiling")
# Prints a markdown table of medians (and each figure's ratio to the FMA peak measured in the same run).
# Run it on a quiet machine: nothing else of yours (builds, tests, training) may run meanwhile.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
rounds=${1:-3}
out=${2:-side-by-side.jsonl}
set=${3:-peers}
shared=${SHARED:-$repo/../shared}
bin=${BERTCORE_BIN:-/tmp/bertcore-bench-bin}
dotnet build "$repo/src/BertCore.Cli" -c Release -o "$bin" -nologo -v q --disable-build-servers >/dev/null
ours="dotnet $bin/bertcore.dll bench"
torch="$shared/tools/peer-torchsharp/run.sh"
ort="$shared/tools/peer-onnxruntime/run.sh"
torch_gemm="$here/torch-gemm/run.sh"
: > "$out"
run() {  # label, command...: appends {"round", "label", "result"}
  local label=$1; shift
  local line; line=$("$@" 2>/dev/null | tail -1)
  echo "{\"round\":$round,\"label\":\"$label\",\"result\":$line}" | tee -a "$out" >&2
}
# m n k flags name: the products of one Linear layer (weight [out, in]) over 2048 tokens
shapes=(
  "2048 768 768 --trans-b x·Wᵀ" "2048 3072 768 --trans-b x·Wᵀ" "2048 768 3072 --trans-b x·Wᵀ"
  "2048 768 768 - dy·W" "2048 768 3072 - dy·W" "2048 3072 768 - dy·W"
  "768 768 2048 --trans-a dyᵀ·x" "3072 768 2048 --trans-a dyᵀ·x" "768 3072 2048 --trans-a dyᵀ·x"
)
for ((round = 1; round <= rounds; round++)); do
  run "peak" $ours peak
  if [ "$set" = shapes ]; then
    for shape in "${shapes[@]}"; do
      read -r m n k flag name <<<"$shape"
      [ "$flag" = - ] && flag=
      for t in 1 2; do
        args="--m $m --n $n --k $k $flag --threads $t --steps 10"
        run "gemm ${m}×${n}×${k} $name threads=$t|bertcore" $ours gemm $args
        run "gemm ${m}×${n}×${k} $name threads=$t|libtorch" $torch_gemm gemm $args
      done
    done
    continue
  fi
  if [ "$set" = scaling ]; then
    for b in 1 32; do
      steps=$([ $b = 1 ] && echo 20 || echo 3)
      run "infer base b$b s128 threads=1|bertcore" $ours infer --model base --batch $b --seq 128 --steps $steps --threads 1
      run "infer base b$b s128|bertcore" $ours infer --model base --batch $b --seq 128 --steps $steps
      run "infer base b$b s128|onnxruntime" $ort infer --model base --batch $b --seq 128 --steps $steps
    done
    continue
  fi
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
