#!/usr/bin/env python3
"""The README table of tools/experiments/real-models.sh: one line per task, pretrained beside random initialization.

Usage: python3 tools/experiments/real-models-table.py RUNS   (RUNS: the script's OUT, or a copy of its runs holding
ROW/results.json and ROW/run.json per row)."""
import json, os, sys

runs = sys.argv[1]
tasks = [("sst2", "SST-2 dev", "accuracy", "{:.4f}"), ("conll", "CoNLL-2003 testa", "f1", "{:.4f}"),
         ("stsb", "STS-B dev", "pearson", "{:.4f}"), ("xquad", "XQuAD-en, 8 held-out articles", "f1", "{:.2f}")]
extra = {"accuracy": None, "f1": None, "pearson": "spearman"}


def row(name):
    path = os.path.join(runs, name)
    if not os.path.exists(os.path.join(path, "results.json")):
        return None
    results = json.load(open(os.path.join(path, "results.json")))
    run = json.load(open(os.path.join(path, "run.json")))
    return results, run


print("| task | metric | from all-MiniLM-L6-v2 | from random init | budget | wall time (pretrained / random) |")
print("|---|---|---|---|---|---|")
for key, label, metric, fmt in tasks:
    pre, rnd = row(f"{key}-pretrained"), row(f"{key}-random")
    if pre is None and rnd is None:
        continue

    def score(r):
        if r is None:
            return "not run"
        best = r[0]["best"]
        text = fmt.format(best[metric])
        second = extra.get(metric)
        if second and second in best:
            text += f" ({second} {fmt.format(best[second])})"
        if "exact_match" in best:
            text += f" (EM {best['exact_match']:.2f})"
        return text

    def wall(r):
        return "–" if r is None else f"{r[1]['wall_s'] / 60:.1f} min"

    budget = (pre or rnd)[1]["command"].split("... ", 1)[1]
    label += f" ({(pre or rnd)[0]['dev_examples']})"
    print(f"| {label} | {metric} | {score(pre)} | {score(rnd)} | `{budget}` | {wall(pre)} / {wall(rnd)} |")
