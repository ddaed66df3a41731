"""Markdown table of tools/experiments/pretrain-1h.sh's runs: OUT OBJECTIVE → stdout.

Pretraining: steps, wall time, the last held-out MLM accuracy (and RTD accuracy for ELECTRA) from metrics.csv; every
fine-tuning run's best dev score from its results.json (SST-2 accuracy per seed with mean and spread, STS-B Spearman,
RTE accuracy, WNUT-17 entity F1), pretrained against random initialization.
"""
import csv
import glob
import json
import os
import statistics
import sys

out, objective = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(os.path.join(out, f"pretrained-{objective}", "metrics.csv"))))
evals = [r for r in rows if r.get("eval_mlm_accuracy")]
seconds = open(os.path.join(out, f"pretrain-{objective}.seconds")).read().strip()
last = evals[-1] if evals else {}
rtd = f", RTD accuracy {float(last['eval_rtd_accuracy']):.4f}" if last.get("eval_rtd_accuracy") else ""
mlm = f"{float(last['eval_mlm_accuracy']):.4f}" if last else "–"
print(f"Pretraining ({objective}): {rows[-1]['step']} steps in {float(seconds) / 60:.1f} min (process wall time), "
      f"held-out MLM accuracy {mlm}{rtd}, last training loss {float(rows[-1]['loss']):.3f}\n")


def best(name):
    path = os.path.join(out, "runs", name, "results.json")
    if not os.path.exists(path):
        return None
    r = json.load(open(path))
    return r["best"][r["primary_metric"]], r["primary_metric"], r["seconds"]


def cell(values):
    if not values:
        return "–"
    if len(values) == 1:
        return f"{values[0]:.4f}"
    return f"{statistics.mean(values):.4f} ± {statistics.stdev(values):.4f} ({', '.join(f'{v:.4f}' for v in values)})"


print(f"| task (dev) | metric | pretrained ({objective}) | random init | difference |")
print("|---|---|---|---|---|")
for task in ["sst2", "stsb", "rte", "wnut17"]:
    results = {}
    for init in [objective, "random"]:
        runs = sorted(glob.glob(os.path.join(out, "runs", f"{task}-{init}-s*", "results.json")))
        results[init] = [b for b in (best(os.path.basename(os.path.dirname(p))) for p in runs) if b]
    if not results[objective] and not results["random"]:
        continue
    metric = (results[objective] or results["random"])[0][1]
    p = [b[0] for b in results[objective]]
    r = [b[0] for b in results["random"]]
    diff = f"{statistics.mean(p) - statistics.mean(r):+.4f}" if p and r else "–"
    print(f"| {task} | {metric} | {cell(p)} | {cell(r)} | {diff} |")
