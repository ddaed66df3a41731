#!/bin/bash
# SST-2 knowledge distillation (issue 9): teacher = /work/artifacts/tiny-wt2 (2L/128H/2A/512I) fine-tuned 1 epoch;
# student = 1L/64H/2A/256I (half the layers and the width, same vocabulary), random initialization, distilled from
# the teacher's cached logits; self-distillation = tiny-wt2 fine-tuned again on its own fine-tuned teacher's soft
# labels. Seeds 1, 2, 3. Writes /tmp/distill/table.md. Runs that already have results.json are kept.
# MODEL: the tiny BERT of README "Measured" (the 20-minute WikiText-2 pretraining run: `bertcore vocab ... --size 8000`,
# then `bertcore pretrain ... --config tiny --max-minutes 20`); no default: MODEL must be set (that run was not kept; import-minilm.sh gives a real model).
set -euo pipefail
BIN=/tmp/distill-bin
OUT=${OUT:-/tmp/distill}
DATA=${SST2:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/data/sst2}
TINY=${MODEL:?set MODEL to the model folder to start from, e.g. MODEL=$(tools/experiments/import-minilm.sh DIR)}
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
  # ablation: the same student and budget without the teacher (alpha 0: cross-entropy to the labels only)
  [ -f "$OUT/student-ce-s$s/results.json" ] || $B distill --teacher "$OUT/teacher-s$s" --student-config "$OUT/student.json" --task classify \
    --train $DATA/train.tsv --dev $DATA/dev.tsv --output "$OUT/student-ce-s$s" --cache "$OUT/cache" --lr 1e-3 --epochs 3 --seed $s --alpha 0 \
    --log-every 500 > "$OUT/student-ce-s$s.log"
done
# intermediate layers too (seed 1 only: the teacher then runs online on every batch): hidden-state MSE through the
# learned 64 -> 128 projection (embeddings <-> embeddings, student layer 0 <-> teacher layer 1) and per-head attention KL
[ -f "$OUT/student-mid-s1/results.json" ] || $B distill --teacher "$OUT/teacher-s1" --student-config "$OUT/student.json" --task classify \
  --train $DATA/train.tsv --dev $DATA/dev.tsv --output "$OUT/student-mid-s1" --cache "$OUT/cache" --lr 1e-3 --epochs 3 --seed 1 \
  --hidden-loss 1 --attention-loss 1 --log-every 500 > "$OUT/student-mid-s1.log"
# inference speed: dev set through evaluate's code path, teacher and student alternated in one process, 7 rounds, median
$B distill --speed --teacher "$OUT/teacher-s1" --student "$OUT/student-s1" --dev $DATA/dev.tsv --rounds 7 > "$OUT/speed.json"
/usr/bin/python3 - "$OUT" <<'PY'
import json, re, statistics, sys
out = sys.argv[1]
acc = lambda run: json.load(open(f"{out}/{run}/results.json"))["best"]["accuracy"]
def params(log):  # "teacher 1,503,362 parameters, student 599,298, initialized ..." in a distill log
    t, s = re.search(r"teacher ([\d,]*\d) parameters, student ([\d,]*\d)", open(f"{out}/{log}").read()).groups()
    return t, s
names = [("teacher", "teacher: tiny-wt2 fine-tuned, 1 epoch", "2 / 128 / 2 / 512", params("student-s1.log")[0]),
         ("student", "student distilled from the teacher (T 2, α 0.5), 3 epochs", "1 / 64 / 2 / 256", params("student-s1.log")[1]),
         ("student-ce", "the same student without the teacher (α 0), 3 epochs", "1 / 64 / 2 / 256", params("student-s1.log")[1]),
         ("self", "self-distilled tiny-wt2 (T 2, α 0.5), 1 epoch", "2 / 128 / 2 / 512", params("self-s1.log")[1])]
rows = {k: [acc(f"{k}-s{s}") for s in (1, 2, 3)] for k, *_ in names}
mean = {k: statistics.mean(v) for k, v in rows.items()}
speed = json.load(open(f"{out}/speed.json"))
with open(f"{out}/table.md", "w") as f:
    f.write("| model | layers / hidden / heads / FFN | parameters | dev accuracy, seeds 1 / 2 / 3 | mean | of the teacher's |\n|---|---|---|---|---|---|\n")
    for k, name, shape, n in names:
        f.write(f"| {name} | {shape} | {n} | {' / '.join(f'{a:.4f}' for a in rows[k])} | {mean[k]:.4f} | {mean[k] / mean['teacher'] * 100:.1f}% |\n")
    mid = acc("student-mid-s1")
    f.write(f"| student with hidden-state MSE and attention KL too (weights 1, 1), 3 epochs | 1 / 64 / 2 / 256 | {params('student-mid-s1.log')[1]} (+ 8,320 projection) | {mid:.4f} / – / – | – | {mid / rows['teacher'][0] * 100:.1f}% (of seed 1's) |\n")
    t, st = speed[0], speed[1]
    f.write(f"\nInference, SST-2 dev ({t['tokens']} tokens), teacher-s1 and student-s1 alternated in one process, 7 timed passes each, "
            f"median: teacher {t['median_tokens_per_s']:.0f} tokens/s, student {st['median_tokens_per_s']:.0f} tokens/s: **{st['speedup']:.2f}x** "
            f"(passes in s: teacher {t['seconds']}, student {st['seconds']}).\n")
print(open(f"{out}/table.md").read())
PY
