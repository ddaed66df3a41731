#!/bin/bash
# SST-2 knowledge distillation (issue 9): teacher = /work/artifacts/tiny-wt2 (2L/128H/2A/512I) fine-tuned 1 epoch;
# student = 1L/64H/2A/256I (half the layers and the width, same vocabulary), random initialization, distilled from
# the teacher's cached logits; self-distillation = tiny-wt2 fine-tuned again on its own fine-tuned teacher's soft
# labels. Seeds 1, 2, 3. Writes /tmp/distill/table.md. Runs that already have results.json are kept.
set -euo pipefail
BIN=/tmp/distill-bin
OUT=${OUT:-/tmp/distill}
DATA=/work/shared/data/sst2
TINY=/work/artifacts/tiny-wt2
mkdir -p "$OUT"
dotnet build src/BertCore.Cli -c Release -o "$BIN" > "$OUT/build.log"
B="dotnet $BIN/bertcore.dll"
cat > "$OUT/student.json" <<'JSON'
{"hidden_size": 64, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 256, "vocab_size": 8000, "max_position_embeddings": 512}
JSON
for s in 1 2 3; do
  [ -f "$OUT/teacher-s$s/results.json" ] || $B finetune --task classify --train $DATA/train.tsv --dev $DATA/dev.tsv --model $TINY \
    --output "$OUT/teacher-s$s" --lr 2e-4 --batch 32 --seed $s --epochs 1 --log-every 200 > "$OUT/teacher-s$s.log"
  # student: 3 epochs at lr 1e-3 (a random 1-layer model needs more than the teacher's 1 epoch at 2e-4); T 2, alpha 0.5
  [ -f "$OUT/student-s$s/results.json" ] || $B distill --teacher "$OUT/teacher-s$s" --student-config "$OUT/student.json" --task classify \
    --train $DATA/train.tsv --dev $DATA/dev.tsv --output "$OUT/student-s$s" --cache "$OUT/cache" --lr 1e-3 --epochs 3 --seed $s \
    --log-every 500 > "$OUT/student-s$s.log"
  # self-distillation, second run (what `distill --self --model $TINY` does after fine-tuning the same teacher-s$s):
  # the same starting model, the teacher's fine-tuning options, on alpha 0.5 * soft labels (T 2) + 0.5 * hard labels
  [ -f "$OUT/self-s$s/results.json" ] || $B distill --teacher "$OUT/teacher-s$s" --student-config $TINY/config.json --student-init $TINY \
    --task classify --train $DATA/train.tsv --dev $DATA/dev.tsv --output "$OUT/self-s$s" --cache "$OUT/cache" --lr 2e-4 --batch 32 \
    --epochs 1 --seed $s --log-every 500 > "$OUT/self-s$s.log"
done
# inference speed: dev set through evaluate's code path, teacher and student alternated in one process, 7 rounds, median
$B distill --speed --teacher "$OUT/teacher-s1" --student "$OUT/student-s1" --dev $DATA/dev.tsv --rounds 7 > "$OUT/speed.json"
/usr/bin/python3 - "$OUT" <<'PY'
import json, statistics, sys
out = sys.argv[1]
acc = lambda run: json.load(open(f"{out}/{run}/results.json"))["best"]["accuracy"]
rows = {k: [acc(f"{k}-s{s}") for s in (1, 2, 3)] for k in ("teacher", "student", "self")}
speed = json.load(open(f"{out}/speed.json"))
mean = {k: statistics.mean(v) for k, v in rows.items()}
with open(f"{out}/table.md", "w") as f:
    f.write("| model | layers / hidden / heads / FFN | parameters | dev accuracy, seeds 1 / 2 / 3 | mean | vs teacher |\n|---|---|---|---|---|---|\n")
    names = {"teacher": ("teacher: tiny-wt2 fine-tuned", "2 / 128 / 2 / 512"), "student": ("student, distilled (T 2, α 0.5)", "1 / 64 / 2 / 256"),
             "self": ("self-distilled tiny-wt2 (T 2, α 0.5)", "2 / 128 / 2 / 512")}
    for k, (name, shape) in names.items():
        f.write(f"| {name} | {shape} | {{params_{k}}} | {' / '.join(f'{a:.4f}' for a in rows[k])} | {mean[k]:.4f} | {mean[k] / mean['teacher'] * 100:.1f}% |\n")
    t, st = speed[0], speed[1]
    f.write(f"\nInference, SST-2 dev ({t['tokens']} tokens), 7 alternating passes each, median: teacher {t['median_tokens_per_s']:.0f} tokens/s, "
            f"student {st['median_tokens_per_s']:.0f} tokens/s: **{st['speedup']:.2f}x**.\n")
print(open(f"{out}/table.md").read())
PY
