#!/usr/bin/env python3
"""Per-kernel GPU time of a profiled run, from Nsight Compute's CSV (--metrics gpu__time_duration.sum --csv).

Usage: ncu --metrics gpu__time_duration.sum --csv PROGRAM ... > times.csv; kernel_times.py times.csv [DIVIDE_BY]
Prints each kernel's total time, launch count and share, largest first; DIVIDE_BY (e.g. the number of training steps
profiled) scales the totals to one step.
"""
import csv, sys
from collections import defaultdict

rows = [line for line in open(sys.argv[1], encoding="utf-8", errors="replace") if line.startswith('"')]
scale = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
total, count = defaultdict(float), defaultdict(int)
for r in csv.DictReader(rows):
    if r.get("Metric Name") != "gpu__time_duration.sum":
        continue
    ns = float(r["Metric Value"].replace(",", "")) * {"nsecond": 1, "usecond": 1e3, "msecond": 1e6, "second": 1e9}.get(r["Metric Unit"], 1)
    name = r["Kernel Name"].split("(")[0]
    total[name] += ns / scale
    count[name] += 1
grand = sum(total.values())
print(f"{'kernel':60} {'ms':>9} {'launches':>9} {'share':>6}")
for name, ns in sorted(total.items(), key=lambda kv: -kv[1]):
    print(f"{name[:60]:60} {ns / 1e6:9.3f} {count[name] / scale:9.1f} {ns / grand:6.1%}")
print(f"{'all kernels':60} {grand / 1e6:9.3f} {sum(count.values()) / scale:9.1f}")
