#!/usr/bin/env bash
# STS-B dev (1,500 pairs) as semantic search, and the cross-encoder against the bi-encoder.
#   1. Retrieval: every pair's sentence2 indexed (`bertcore index`, ids = pair numbers), every sentence1 searched
#      (`bertcore search --queries`, k = 1); recall@1 = the share of queries whose top hit is their own sentence2 (or a
#      text identical to it: STS-B repeats some sentences), for each embedding model.
#   2. Spearman and time per 1,000 candidate pairs on all 1,500 dev pairs: the cross-encoder (`evaluate --task
#      regress`: one forward pass over each pair), the bi-encoder encoding both sentences of every pair (`evaluate
#      --task similarity`), and the bi-encoder with the candidates embedded beforehand (`search`: 1,500 queries
#      encoded, each scored against all 1,500 stored vectors, 2.25 M candidate pairs). Times are wall times of the
#      command minus its start-up (the same command on a one-line input), on all threads.
# Usage: tools/experiments/stsb-search.sh OUT [ZERO_SHOT] [BIENCODER] [CROSS_ENCODER]
#   ZERO_SHOT: an embedding folder of all-MiniLM-L6-v2 (tools/experiments/import-minilm.sh), default /var/tmp/s4/minilm-l6
#   BIENCODER: minilm-l6 fine-tuned by tools/experiments/stsb-biencoder.sh, default /var/tmp/s4/biencoder-minilm
#   CROSS_ENCODER: minilm-l6 fine-tuned with --task regress (tools/experiments/real-models.sh), default
#   /var/tmp/real-models-runs/stsb-pretrained. BERTCORE_DLL: the CLI (default: the Release build).
# Time it on a quiet machine: nothing else may run meanwhile.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dll=${BERTCORE_DLL:-$root/src/BertCore.Cli/bin/Release/net10.0/bertcore.dll}
[ $# -ge 1 ] || { echo "usage: stsb-search.sh OUT [ZERO_SHOT] [BIENCODER] [CROSS_ENCODER]" >&2; exit 2; }
out=$1 zero=${2:-/var/tmp/s4/minilm-l6} bi=${3:-/var/tmp/s4/biencoder-minilm} cross=${4:-/var/tmp/real-models-runs/stsb-pretrained}
dev=${STSB:-$root/../shared/data/pairs/stsb}/dev.tsv
bertcore() { dotnet "$dll" "$@"; }
mkdir -p "$out"
rm -rf "$out/work" && mkdir "$out/work"
work=$out/work
tail -n +2 "$dev" | cut -f8 > "$work/sentence1.txt"
tail -n +2 "$dev" | cut -f9 > "$work/sentence2.txt"
head -2 "$dev" > "$work/one-pair.tsv"
head -1 "$work/sentence1.txt" > "$work/one-query.txt"
now() { date +%s.%N; }
seconds() { local t0; t0=$(now); "$@" > /dev/null; awk -v a="$t0" -v b="$(now)" 'BEGIN {printf "%.3f", b - a}'; }

: > "$out/results.jsonl"
for name in zero-shot:$zero bi-encoder:$bi; do
  label=${name%%:*} model=${name#*:}
  rm -rf "$work/$label.index"
  bertcore index --model "$model" --corpus "$work/sentence2.txt" --output "$work/$label.index" < /dev/null
  bertcore search --index "$work/$label.index" --queries "$work/sentence1.txt" -k 1 --output "$work/$label.hits.jsonl"
  startup=$(seconds bertcore search --index "$work/$label.index" --queries "$work/one-query.txt" -k 1)
  search=$(seconds bertcore search --index "$work/$label.index" --queries "$work/sentence1.txt" -k 1500)
  similarity=$(bertcore evaluate --model "$model" --task similarity --data "$dev" | tail -1)
  eval_startup=$(seconds bertcore evaluate --model "$model" --task similarity --data "$work/one-pair.tsv")
  eval_time=$(seconds bertcore evaluate --model "$model" --task similarity --data "$dev")
  /usr/bin/python3 - "$work/$label.hits.jsonl" "$work/sentence2.txt" "$label" "$similarity" "$startup" "$search" "$eval_startup" "$eval_time" >> "$out/results.jsonl" <<'PY'
import json, sys
hits, gold, label, similarity = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
startup, search, eval_startup, eval_time = map(float, sys.argv[5:9])
gold = [line.rstrip("\n") for line in open(gold, encoding="utf-8")]
found = [json.loads(line)["hits"][0] for line in open(hits, encoding="utf-8")]
recall = sum(h["id"] == str(i + 1) or h["text"] == gold[i] for i, h in enumerate(found)) / len(found)
n = len(gold)
print(json.dumps({"model": label, "recall_at_1": round(recall, 4), "spearman": similarity["spearman"], "pearson": similarity["pearson"],
    "encode_both_s_per_1000_pairs": round((eval_time - eval_startup) / n * 1000, 3),
    "precomputed_s_per_1000_candidates": round((search - startup) / (n * n) * 1000, 6),
    "raw": {"search_s": search, "search_startup_s": startup, "evaluate_s": eval_time, "evaluate_startup_s": eval_startup}}))
PY
done
scores=$(bertcore evaluate --model "$cross" --task regress --data "$dev" | tail -1)
startup=$(seconds bertcore evaluate --model "$cross" --task regress --data "$work/one-pair.tsv")
full=$(seconds bertcore evaluate --model "$cross" --task regress --data "$dev")
/usr/bin/python3 -c '
import json, sys
s = json.loads(sys.argv[1]); startup, full = float(sys.argv[2]), float(sys.argv[3])
print(json.dumps({"model": "cross-encoder", "spearman": s["spearman"], "pearson": s["pearson"],
    "s_per_1000_pairs": round((full - startup) / 1500 * 1000, 3), "raw": {"evaluate_s": full, "evaluate_startup_s": startup}}))' \
  "$scores" "$startup" "$full" >> "$out/results.jsonl"
{ echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) CPUs, $(date -u +%F)"; cat "$out/results.jsonl"; } | tee "$out/summary.txt"
rm -rf "$work"
