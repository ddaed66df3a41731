#!/bin/bash
# The grid of README.md, as run (paths of that session): grid-finetune.sh NAME INIT SEED [options], env LR and EPOCHS;
# bertcore was the build of the day's experiments (with the WorkerPool fix d07a248; fine-tuning unchanged since).
# ft.sh NAME INIT SEED [finetune options]: one SST-2 fine-tune into /var/tmp/s7/ftp/NAME-sSEED; env LR (2e-4) EPOCHS (2)
B="dotnet /var/tmp/s6/bin4/bertcore.dll"; D=/work/shared/data; P=/var/tmp/s7/ftp; M=/var/tmp/s6/p1h
name=$1; init=$2; s=$3; shift 3
mkdir -p $P
if [ "$init" = random ]; then ia="--config $M/pretrained-mlm/config.json --vocab $M/vocab.txt"; else ia="--model $init"; fi
[ -f $P/$name-s$s/results.json ] || $B finetune --task classify --train $D/sst2/train.tsv --dev $D/sst2/dev.tsv --output $P/$name-s$s --epochs ${EPOCHS:-2} --lr ${LR:-2e-4} --batch 32 --max-seq 64 --log-every 1000 --seed $s $ia "$@" > $P/$name-s$s.log 2>&1
echo "$name s$s $(python3 -c "import json;print(json.load(open('$P/$name-s$s/results.json'))['best']['accuracy'])")" | tee -a $P/summary.txt
