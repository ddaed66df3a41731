#!/usr/bin/env python3
"""One markdown table of every technique row that sst2-techniques-minilm.sh ran.

Usage: sst2-techniques-table.py OUT   (the folder sst2-techniques-minilm.sh wrote; the table goes to stdout)

Reads OUT/optimization/ROW/seed-N/results.json (+ wall_seconds), OUT/representation/runs.tsv and
OUT/self-distill/runs.tsv (+ each seed's teacher, which is the baseline run again). Accuracy is SST-2 dev accuracy
of the last step (one evaluation per run); mean ± sample standard deviation over the seeds; the difference is
against the baseline row's mean.
"""
import csv
import json
import os
import statistics
import sys

out = sys.argv[1]
rows = {}  # row -> {"acc": {seed: float}, "secs": [float]}


def add(row, seed, accuracy, seconds):
    entry = rows.setdefault(row, {"acc": {}, "secs": []})
    entry["acc"][int(seed)] = float(accuracy)
    entry["secs"].append(float(seconds))


optimization = os.path.join(out, "optimization")
for row in sorted(os.listdir(optimization)) if os.path.isdir(optimization) else []:
    if not os.path.isdir(os.path.join(optimization, row)):
        continue   # table.md of sst2-optimization.sh
    for seed_dir in sorted(os.listdir(os.path.join(optimization, row))):
        run = os.path.join(optimization, row, seed_dir)
        if not seed_dir.startswith("seed-") or not os.path.exists(os.path.join(run, "results.json")):
            continue
        result = json.load(open(os.path.join(run, "results.json")))
        add(row, seed_dir[5:], result["best"]["accuracy"], open(os.path.join(run, "wall_seconds")).read())

for source in ("representation", "self-distill"):
    path = os.path.join(out, source, "runs.tsv")
    if os.path.exists(path):
        for r in csv.DictReader(open(path), delimiter="\t"):
            add(r["row"], r["seed"], r["accuracy"], r["seconds"])

for seed_dir in sorted(os.listdir(os.path.join(out, "self-distill"))) if os.path.isdir(os.path.join(out, "self-distill")) else []:
    teacher = os.path.join(out, "self-distill", seed_dir, "teacher", "results.json")
    if seed_dir.startswith("seed-") and os.path.exists(teacher):
        add("self-distill's teacher (baseline rerun)", seed_dir[5:], json.load(open(teacher))["best"]["accuracy"], "nan")

# the flags of each row, as the two scripts define them
FLAGS = {
    "baseline": "(defaults: CLS pooling, linear schedule, 10% warm-up)",
    "layer-decay-0.8": "--layer-decay 0.8", "tapt-300": "--tapt-steps 300", "aux-mlm-0.5": "--aux-mlm 0.5",
    "augment-1": "--augment 1", "stlr": "--schedule stlr",
    "frozen-mean-lr1e-3": "--freeze-encoder --pooling mean, lr 1e-3", "adapters64-lr1e-3": "--adapters 64, lr 1e-3",
    "mean": "--pooling mean", "max": "--pooling max", "scalar-mix": "--pooling scalar-mix",
    "concat-last-2": "--pooling concat-last-2", "self-distill": "distill --self (fine-tune, then again on its soft labels)",
}
baseline = statistics.mean(rows["baseline"]["acc"].values()) if "baseline" in rows else None
print("| row | flags | dev accuracy (mean ± std) | vs baseline | per seed (1, 2, 3) | wall s per run (mean) |")
print("|---|---|---|---|---|---|")
ORDER = ["baseline", "self-distill's teacher (baseline rerun)", "layer-decay-0.8", "stlr", "unfreeze-", "tapt-300",
         "aux-mlm-0.5", "augment-1", "self-distill", "mean", "max", "scalar-mix", "concat-last-2", "frozen-mean-lr1e-3",
         "adapters64-lr1e-3"]
rank = lambda row: next((i for i, name in enumerate(ORDER) if row == name or (name.endswith("-") and row.startswith(name))), len(ORDER))
for row, entry in sorted(rows.items(), key=lambda item: rank(item[0])):
    accs = [entry["acc"][s] for s in sorted(entry["acc"])]
    mean = statistics.mean(accs)
    std = f"{statistics.stdev(accs):.4f}" if len(accs) > 1 else "–"
    delta = f"{mean - baseline:+.4f}" if baseline is not None and row != "baseline" else ""
    secs = [s for s in entry["secs"] if s == s]
    flags = FLAGS.get(row, FLAGS.get(row.split(" ")[0], ""))
    if row.startswith("unfreeze-"):
        flags = f"--unfreeze-every {row[9:]}"
    wall = f"{statistics.mean(secs):.0f}" if secs else "–"
    print(f"| {row} | {flags} | {mean:.4f} ± {std} | {delta} | {', '.join(f'{a:.4f}' for a in accs)} | {wall} |")
