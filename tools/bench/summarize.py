"""Medians of a side-by-side.sh JSONL file as a markdown table: bertcore, libtorch, ONNX Runtime, ratios."""
import collections
import json
import statistics
import sys

values = collections.defaultdict(list)   # (workload, engine) -> figures
peak1, peak_all = [], []
for line in open(sys.argv[1]):
    record = json.loads(line)
    result, label = record["result"], record["label"]
    if result["mode"] == "peak":
        peak1.append(result["gflops_1_thread"])
        peak_all.append(result["gflops_all_threads"])
        continue
    workload, engine = label.split("|")
    values[(workload, engine)].append(result.get("gflops", result.get("tokens_per_s")))

p1, pall = statistics.median(peak1), statistics.median(peak_all)
print(f"FMA peak (median of {len(peak1)}): {p1:.1f} GFLOP/s on 1 thread, {pall:.1f} on all threads\n")
print("| workload | unit | bertcore | libtorch | ONNX Runtime | bertcore / best peer |")
print("|---|---|---|---|---|---|")
for workload in dict.fromkeys(w for w, _ in values):
    med = {e: statistics.median(v) for (w, e), v in values.items() if w == workload}
    gemm = workload.startswith("gemm")
    unit = "GFLOP/s" if gemm else "tokens/s"
    def cell(engine):
        if engine not in med:
            return "–"
        text = f"{med[engine]:.1f}"
        if gemm:
            peak = p1 if "threads=1" in workload else pall
            text += f" ({med[engine] / peak:.0%} of peak)"
        return text
    peers = [med[e] for e in ("libtorch", "onnxruntime") if e in med]
    ratio = f"{med['bertcore'] / max(peers):.2f}×" if peers and "bertcore" in med else "–"
    print(f"| {workload} | {unit} | {cell('bertcore')} | {cell('libtorch')} | {cell('onnxruntime')} | {ratio} |")
