#!/usr/bin/env bash
# Issue 23's second route to a tiny model that beats Google's BERT-Tiny on SST-2 within one hour on this machine, the
# teacher's fine-tuning included: distillation from a real pretrained model instead of pretraining from scratch.
#   1. the teacher: all-MiniLM-L6-v2 (tools/experiments/import-minilm.sh) fine-tuned on SST-2 for 1 epoch (lr 5e-5, batch 32,
#      --max-seq 64, as real-models.sh's sst2 row), or TEACHER=DIR, a fine-tuned SST-2 model folder (its results.json
#      "seconds" is counted as the teacher's time);
#   2. the student's pretraining: the tiny configuration (2 layers, 128 wide) with the teacher's vocabulary, MLM on SST-2's
#      training sentences for STUDENT_STEPS (5,000) steps of 64 × 64 tokens (0: no pretraining, the student starts random);
#   3. the student: `distill --student-config tiny --student-init` that model, the teacher's logits only (--alpha 1, T 2)
#      on SST-2's training sentences plus AUGMENT (3) EDA copies of each (--augment: the teacher labels every copy),
#      EPOCHS (3) at LR (3e-4; 1e-3 for a random student), on SEEDS (1 2 3);
#   4. OUT/table.md: the teacher's and each student's dev accuracy and wall time, and the total per seed.
# Usage: tools/experiments/distill-1h.sh   (env: OUT, TEACHER, MINILM (the imported minilm-l6 folder), STUDENT_STEPS, AUGMENT,
#        EPOCHS, LR, SEEDS, DISTILL_EXTRA "more distill options"). Runs that already have results are kept. Needs a quiet
#        machine for the times.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
data=${SHARED:-$root/../shared}/data
out=${OUT:-/var/tmp/distill-1h}
seeds=${SEEDS:-1 2 3}
mkdir -p "$out/runs"
bin=$out/bin
[ -f "$bin/bertcore.dll" ] || dotnet build "$root/src/BertCore.Cli" -c Release -o "$bin" -nologo -v q > "$out/build.log"
B="dotnet $bin/bertcore.dll"

teacher=${TEACHER:-$out/teacher}
if [ ! -f "$teacher/results.json" ]; then
  minilm=${MINILM:-$("$root/tools/experiments/import-minilm.sh" "$out")}
  $B finetune --task classify --train "$data/sst2/train.tsv" --dev "$data/sst2/dev.tsv" --model "$minilm" --output "$teacher" \
    --epochs 1 --batch 32 --lr 5e-5 --max-seq 64 --log-every 200 > "$out/teacher.log" 2>&1
fi
steps=${STUDENT_STEPS:-5000}
init=(--student-init random); pretrain_seconds=0
if [ "$steps" != 0 ]; then
  tail -n +2 "$data/sst2/dev.tsv" | cut -f1 > "$out/sst2-dev-sentences.txt"
  [ -f "$out/student-pretrained/config.json" ] || /usr/bin/time -f "%e" -o "$out/student-pretrain.seconds" $B pretrain \
    --in-domain "$data/sst2/train.tsv" --eval-corpus "$out/sst2-dev-sentences.txt" --vocab "$teacher/vocab.txt" --config tiny \
    --max-steps "$steps" --batch 64 --seq 64 --save-every 100000 --eval-every 1000 --log-every 500 --output "$out/student-pretrained" \
    > "$out/student-pretrain.log" 2>&1
  init=(--student-init "$out/student-pretrained")
fi
for seed in $seeds; do
  name=student-s$seed
  [ -f "$out/runs/$name/results.json" ] || /usr/bin/time -f "%e" -o "$out/runs/$name.seconds" $B distill --teacher "$teacher" \
    --student-config tiny "${init[@]}" --task classify --train "$data/sst2/train.tsv" --dev "$data/sst2/dev.tsv" \
    --output "$out/runs/$name" --cache "$out/cache" --alpha 1 --temperature 2 --augment "${AUGMENT:-3}" --lr "${LR:-3e-4}" \
    --epochs "${EPOCHS:-3}" --seed "$seed" --log-every 1000 ${DISTILL_EXTRA:-} > "$out/runs/$name.log" 2>&1
done
/usr/bin/python3 - "$out" "$teacher" $seeds > "$out/table.md" <<'PY'
import json, os, statistics, sys
out, teacher, seeds = sys.argv[1], sys.argv[2], sys.argv[3:]
t = json.load(open(os.path.join(teacher, "results.json")))
p = os.path.join(out, "student-pretrain.seconds")
pre = float(open(p).read()) / 60 if os.path.exists(p) else 0
print(f"Teacher {teacher}: SST-2 dev accuracy {t['best']['accuracy']:.4f}, fine-tuned in {t['seconds'] / 60:.1f} min; "
      f"student pretraining {pre:.1f} min\n")
print("| student seed | SST-2 dev accuracy | distillation wall time (min) | total with the teacher and the pretraining (min) |")
print("|---|---|---|---|")
accs = []
for s in seeds:
    r = json.load(open(os.path.join(out, "runs", f"student-s{s}", "results.json")))
    wall = float(open(os.path.join(out, "runs", f"student-s{s}.seconds")).read()) / 60
    accs.append(r["best"]["accuracy"])
    print(f"| {s} | {accs[-1]:.4f} | {wall:.1f} | {wall + pre + t['seconds'] / 60:.1f} |")
if len(accs) > 1:
    print(f"| mean ± sd | {statistics.mean(accs):.4f} ± {statistics.stdev(accs):.4f} | | |")
PY
cat "$out/table.md"
