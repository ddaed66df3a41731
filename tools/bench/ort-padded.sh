# Sourced by tools/bench/real-classify.sh and real-embed.sh: ONNX Runtime on the same model, exported by
# `bertcore export-onnx`, fed what an ONNX Runtime user feeds it — the file's sentences in file order, in batches of B,
# each padded to its longest sentence. Model time only (the peer's median time per step for each batch shape, after
# its warm-up), summed over the file's batches: no tokenization, no start-up, no pooling or head on the host.
#   batch_shapes TOKENS.jsonl B      prints "rows longest" per batch (TOKENS: `bertcore tokenize` output)
#   ort_export BERTCORE MODEL_DIR OUT.onnx
#                                    exports MODEL_DIR and rewires token_type_ids to zeros inside the graph (the peer
#                                    feeds input_ids and attention_mask only; every sentence here is segment 0)
#   ort_padded_seconds ORT OUT.onnx SHAPES
#                                    prints the summed model seconds
batch_shapes() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
lengths = [len(json.loads(line)["ids"]) for line in open(sys.argv[1])]
b = int(sys.argv[2])
for i in range(0, len(lengths), b): print(len(lengths[i:i + b]), max(lengths[i:i + b]))
PY
}

ort_export() {
  local bertcore=$1 model=$2 out=$3
  $bertcore export-onnx --model "$model" --output "$out.full.onnx" >/dev/null
  /usr/bin/python3 - "$out.full.onnx" "$out" <<'PY'
import sys, onnx
from onnx import helper, TensorProto
m = onnx.load(sys.argv[1])
g = m.graph
kept = [i for i in g.input if i.name != "token_type_ids"]
del g.input[:]
g.input.extend(kept)
g.initializer.append(helper.make_tensor("bench_zero", TensorProto.INT64, [], [0]))
g.node.insert(0, helper.make_node("Mul", ["input_ids", "bench_zero"], ["token_type_ids"]))
onnx.save(m, sys.argv[2])
PY
  rm -f "$out.full.onnx"
}

ort_padded_seconds() {
  local ort=$1 onnx=$2 shapes=$3 total=0 rows seq step
  while read -r rows seq; do
    step=$($ort infer --onnx "$onnx" --batch "$rows" --seq "$seq" --steps 3 2>/dev/null | tail -1 |
      /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['s_per_step'])")
    total=$(awk -v a="$total" -v b="$step" 'BEGIN {printf "%.6f", a + b}')
  done < "$shapes"
  echo "$total"
}
