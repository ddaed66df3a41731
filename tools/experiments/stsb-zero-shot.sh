#!/usr/bin/env bash
# STS-B dev Spearman of mean-pooled, normalized embeddings without any training, for all-MiniLM-L6-v2 and
# snowflake-arctic-embed-xs imported from their ONNX exports: BertCore (with its Hugging Face-exact tokenizer) and
# ONNX Runtime on the same ONNX file and the same token ids, all 1500 pairs. It runs the real-model test
# OnnxImportRealModelTests.Stsb_dev_spearman_matches_onnx_runtime with BERTCORE_STSB_EVERY=1 and keeps its log.
# Usage: tools/experiments/stsb-zero-shot.sh OUT.log      (a Release build of the tests first)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -eq 1 ] || { echo "usage: stsb-zero-shot.sh OUT.log" >&2; exit 2; }
BERTCORE_STSB_EVERY=1 dotnet test "$root/tests/BertCore.Tests" -c Release --no-build \
  --filter "FullyQualifiedName~Stsb_dev_spearman_matches_onnx_runtime" --logger "console;verbosity=detailed" | tee "$1"
grep -E "STS-B dev, [0-9]+ pairs" "$1"
