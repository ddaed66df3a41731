"""Medians of a side-by-side.sh JSONL file as a markdown table: bertcore, libtorch, ONNX Runtime, the ratio of the
medians, and the spread of the same ratio taken round by round (engines alternate within a round, so a round's
ratio compares figures taken a minute apart: on a noisy host it shows how far one run's ratio can be trusted)."""
import collections
import json
import statistics
import sys

values = collections.defaultdict(list)   # (workload, engine) -> figures
by_round = collections.defaultdict(dict)  # (workload, round) -> {engine: figure}
peak1, peak_all = [], []
for line in open(sys.argv[1]):
    record = json.loads(line)
    result, label = record["result"], record["label"]
    if result["mode"] == "peak":
        peak1.append(result["gflops_1_thread"])
        peak_all.append(result["gflops_all_threads"])
        continue
    workload, engine = label.split("|")
    figure = result.get("gflops", result.get("tokens_per_s"))
    values[(workload, engine)].append(figure)
    by_round[(workload, record["round"])][engine] = figure

p1, pall = statistics.median(peak1), statistics.median(peak_all)
print(f"FMA peak (median of {len(peak1)}): {p1:.1f} GFLOP/s on 1 thread, {pall:.1f} on all threads\n")
print("| workload | unit | bertcore | libtorch | ONNX Runtime | bertcore / best peer | per round (min–max) |")
print("|---|---|---|---|---|---|---|")
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
    rounds = [figures["bertcore"] / max(f for e, f in figures.items() if e != "bertcore")
              for (w, _), figures in by_round.items() if w == workload and "bertcore" in figures and len(figures) > 1]
    spread = f"{min(rounds):.2f}–{max(rounds):.2f}×" if rounds else "–"
    print(f"| {workload} | {unit} | {cell('bertcore')} | {cell('libtorch')} | {cell('onnxruntime')} | {ratio} | {spread} |")
