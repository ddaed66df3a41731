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

# The scaling set: where a workload was also run on one thread, the figure that perfect scaling over the threads as
# the FMA peak measured them (all-threads peak / one-thread peak) would give, against the best peer. BERT-base at
# sequence 128 costs 174.6 MFLOP per token: 12 layers × 2 × (4·768² + 2·768·3072 + 2·128·768).
BASE_S128_FLOPS_PER_TOKEN = 174.6e6
for workload in dict.fromkeys(w for w, _ in values):
    if not workload.endswith(" threads=1") or (workload, "bertcore") not in values:
        continue
    whole = workload.removesuffix(" threads=1")
    peers = [statistics.median(values[(whole, e)]) for e in ("libtorch", "onnxruntime") if (whole, e) in values]
    if not peers:
        continue
    one, best = statistics.median(values[(workload, "bertcore")]), max(peers)
    print(f"\nceiling of {whole}: bertcore on one thread {one:.1f} tokens/s ({one * BASE_S128_FLOPS_PER_TOKEN / 1e9 / p1:.0%} of the "
          f"one-thread peak) × {pall / p1:.2f} (the peak's scaling) = {one * pall / p1:.1f}, {one * pall / p1 / best:.2f}× the best "
          f"peer ({best:.1f}, {best * BASE_S128_FLOPS_PER_TOKEN / 1e9 / pall:.0%} of the all-threads peak)")
