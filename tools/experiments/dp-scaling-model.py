#!/usr/bin/env python3
"""Calculated scaling of data-parallel pretraining over N machines (issue 26): how much of each optimizer step goes to
exchanging gradients, for BertCore's presets, at a few interconnect bandwidths.

Usage: tools/experiments/dp-scaling-model.py --step-seconds FILE [--jsonl OUT] [--gbits 10,25,100] [--ranks 2,4,16,64]
           [--latency-us 20] [--backward-fraction 0.667] [--configs tiny,mini,base]
Prints a markdown table to stdout; with --jsonl, one JSON object per table row to OUT.

The --step-seconds FILE (tools/bench/dp-scaling.sh writes it) is one JSON object:
    {
      "machine": "AMD EPYC 7B13 (family 25, model 1)",   free text, printed with the table
      "threads": 2,                                       kernel threads of the one process that was timed
      "batch": 32, "grad_accum": 2, "seq": 128,           the step timed: grad_accum micro-batches of batch sequences
      "vocab": 30522,                                     of seq tokens, over a vocabulary of vocab WordPieces
      "step_seconds": {"tiny": 0.21, "mini": 0.93}        measured wall seconds per optimizer step, one process
    }
A preset in --configs without a measured time gets the time of the largest measured preset scaled by the ratio of
training FLOPs (marked "scaled from ..." in the table): a rough figure, as kernels run larger matrices faster.

The model:
  * Gradient bytes: 4 (fp32) x the trainable parameters of `bertcore pretrain --config NAME` (objective mlm), counted
    as the engine builds them: embeddings (word [V, H], position [512, H], token type [2, H], LayerNorm), per layer
    Q, K, V, O ([H, H] + [H] each), two LayerNorms, FFN ([I, H] + [I], [H, I] + [H]), and the MLM head (transform
    [H, H] + [H], LayerNorm, decoder bias [V]; the decoder weight is the word embeddings). The pooler exists but is
    frozen without an NSP/SOP objective, so it is not all-reduced.
  * Ring all-reduce of B bytes over N ranks: 2 (N - 1) / N x B / bandwidth + 2 (N - 1) x latency. The bandwidth is
    what the link achieves, not its line rate (TCP over Ethernet often gets 50-90% of it).
  * Weak scaling: every machine keeps the per-rank batch that was timed (one rank per machine with all its cores), so
    its compute per step stays the measured step time t and the global batch grows N-fold (--grad-accum N x K).
    At a fixed global batch the compute per rank is t / N: read the table's row with t / N instead.
  * Efficiency = t / (step time with N ranks), three ways: "no overlap" t + allreduce; "full overlap" the all-reduce
    runs during the backward pass, taken as --backward-fraction (2/3) of t, and only what is left over adds to t;
    "embeddings last" as full overlap, except that the embedding tables' gradient is complete only when the backward
    ends (the word embeddings also receive the tied decoder's gradient), so their all-reduce cannot be hidden. With
    vocabulary 30522 the embeddings are most of a small model's bytes, so this column is the realistic one.
  * Ordered all-gather: BertCore's bitwise guarantee (N ranks = one process with --grad-accum) has every rank add the
    micro-batches' gradients in micro-batch order, so it gathers them instead of reducing them: after each round (one
    micro-batch per rank; grad_accum rounds per step under weak scaling) an all-gather of B bytes from every rank,
    (N - 1) x B / bandwidth + (N - 1) x latency, after the backward (no overlap). Its traffic grows with N where the
    ring all-reduce's does not, and each rank holds a receive buffer of N x B bytes.
"""
import argparse
import json
import sys

PRESETS = {  # name: (layers, hidden, heads, intermediate), as BertConfig.Preset in src/BertCore/IO/BertConfig.cs
    "tiny": (2, 128, 2, 512),
    "mini": (4, 256, 4, 1024),
    "small": (4, 512, 8, 2048),
    "base": (12, 768, 12, 3072),
}
POSITIONS, TOKEN_TYPES, MASKED_FRACTION = 512, 2, 0.15   # the presets' max_position_embeddings, type_vocab_size; --mask-prob


def parameter_groups(name, vocab):
    """Trainable parameters of `pretrain --config NAME` (mlm): {"embeddings": n, "layers": n, "mlm_head": n}."""
    layers, h, _, i = PRESETS[name]
    embeddings = vocab * h + POSITIONS * h + TOKEN_TYPES * h + 2 * h
    layer = 4 * (h * h + h) + 2 * h + (i * h + i) + (h * i + h) + 2 * h
    mlm_head = (h * h + h) + 2 * h + vocab
    return {"embeddings": embeddings, "layers": layers * layer, "mlm_head": mlm_head}


def training_flops(name, vocab, sequences, seq):
    """Multiply-adds x 2 of one optimizer step over `sequences` sequences of `seq` tokens: the backward costs twice
    the forward; the MLM head projects only the masked positions onto the vocabulary."""
    layers, h, _, i = PRESETS[name]
    per_token = layers * (2 * (4 * h * h + 2 * h * i) + 2 * 2 * seq * h) + MASKED_FRACTION * 2 * (h * h + h * vocab)
    return 3 * per_token * sequences * seq


def allreduce_seconds(nbytes, ranks, gbits, latency_s):
    """Ring all-reduce of nbytes over `ranks` ranks at `gbits` Gbit/s with `latency_s` per message."""
    return 2 * (ranks - 1) / ranks * nbytes * 8 / (gbits * 1e9) + 2 * (ranks - 1) * latency_s


def allgather_seconds(nbytes, ranks, gbits, latency_s):
    """Ring all-gather of nbytes from each of `ranks` ranks at `gbits` Gbit/s with `latency_s` per message."""
    return (ranks - 1) * nbytes * 8 / (gbits * 1e9) + (ranks - 1) * latency_s


def fail(path, problem):
    sys.exit(f"{path}: {problem}")


def positive_int(path, record, field):
    value = record.get(field)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        fail(path, f"field '{field}' must be a positive integer, not {json.dumps(value)}")
    return value


def read_step_seconds(path):
    """The measurement file described in this script's header, validated: a clear error names the file and field."""
    try:
        with open(path, encoding="utf-8") as f:
            record = json.load(f)
    except OSError as e:
        fail(path, e.strerror)
    except json.JSONDecodeError as e:
        fail(path, f"line {e.lineno}: not JSON: {e.msg}")
    if not isinstance(record, dict):
        fail(path, "expected one JSON object")
    measured = record.get("step_seconds")
    if not isinstance(measured, dict) or not measured:
        fail(path, "field 'step_seconds' must be an object of preset name -> seconds per step")
    for name, seconds in measured.items():
        if name not in PRESETS:
            fail(path, f"field 'step_seconds': unknown preset '{name}' (the presets are {', '.join(PRESETS)})")
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds <= 0:
            fail(path, f"field 'step_seconds.{name}' must be a positive number of seconds, not {json.dumps(seconds)}")
    spec = {field: positive_int(path, record, field) for field in ("threads", "batch", "grad_accum", "seq")}
    spec["vocab"] = positive_int(path, record, "vocab") if "vocab" in record else 30522
    spec["machine"] = str(record.get("machine", "(machine not stated)"))
    spec["step_seconds"] = measured
    return spec


def step_times(spec, configs):
    """{preset: (seconds per step, where the figure comes from)}: measured, or scaled by FLOPs from the largest
    measured preset."""
    sequences = spec["batch"] * spec["grad_accum"]
    flops = {name: training_flops(name, spec["vocab"], sequences, spec["seq"]) for name in PRESETS}
    reference = max(spec["step_seconds"], key=lambda name: flops[name])
    times = {}
    for name in configs:
        if name in spec["step_seconds"]:
            times[name] = (spec["step_seconds"][name], "measured")
        else:
            times[name] = (spec["step_seconds"][reference] * flops[name] / flops[reference], f"scaled from {reference}")
    return times


def number_list(text, kind):
    try:
        values = [kind(v) for v in text.split(",")]
    except ValueError:
        values = []
    if not values or any(v <= 0 for v in values):
        raise argparse.ArgumentTypeError(f"'{text}' is not a comma-separated list of positive numbers")
    return values


def main():
    parser = argparse.ArgumentParser(description="Calculated data-parallel scaling of BertCore pretraining.")
    parser.add_argument("--step-seconds", required=True, metavar="FILE", help="measured step times (format: see the header)")
    parser.add_argument("--jsonl", metavar="OUT", help="also write one JSON object per row to OUT")
    parser.add_argument("--gbits", type=lambda t: number_list(t, float), default=[10.0, 25.0, 100.0],
                        help="achieved all-reduce bandwidths in Gbit/s (default 10,25,100)")
    parser.add_argument("--ranks", type=lambda t: number_list(t, int), default=[2, 4, 16, 64],
                        help="machine counts N, one rank each (default 2,4,16,64)")
    parser.add_argument("--latency-us", type=float, default=20.0,
                        help="latency of one message in microseconds (default 20: Open MPI's TCP transport on Ethernet)")
    parser.add_argument("--backward-fraction", type=float, default=2 / 3,
                        help="the share of a step spent in the backward pass, which the all-reduce can overlap (default 2/3)")
    parser.add_argument("--configs", type=lambda t: t.split(","), default=["tiny", "mini", "base"],
                        help=f"presets to tabulate, among {','.join(PRESETS)} (default tiny,mini,base)")
    args = parser.parse_args()
    unknown = [c for c in args.configs if c not in PRESETS]
    if unknown:
        parser.error(f"--configs: unknown preset(s) {', '.join(unknown)}; the presets are {', '.join(PRESETS)}")
    if not 0 <= args.backward_fraction <= 1:
        parser.error("--backward-fraction must lie in [0, 1]")

    spec = read_step_seconds(args.step_seconds)
    times = step_times(spec, args.configs)
    latency = args.latency_us * 1e-6
    sequences = spec["batch"] * spec["grad_accum"]
    print(f"Measured on: {spec['machine']}; one process x {spec['threads']} threads per machine; per-rank step "
          f"{spec['grad_accum']} x {spec['batch']} sequences x {spec['seq']} tokens; vocabulary {spec['vocab']}.")
    print(f"Latency {args.latency_us:g} us per message; backward = {args.backward_fraction:.2f} of a step; "
          f"weak scaling (each machine keeps its per-rank batch: the global batch is N x {sequences} sequences).\n")
    print("| config | trainable parameters | fp32 gradient MB | of which embeddings | step s (1 machine) | source |")
    print("|---|---:|---:|---:|---:|---|")
    for name in args.configs:
        groups = parameter_groups(name, spec["vocab"])
        total = sum(groups.values())
        print(f"| {name} | {total:,} | {4 * total / 1e6:.1f} | {groups['embeddings'] / total:.0%} | "
              f"{times[name][0]:.3f} | {times[name][1]} |")
    print(f"\nEfficiency = one machine's step time / the step time with N machines. Ring all-reduce: no overlap, full "
          f"overlap of the backward, overlap with the embeddings reduced last. Ordered all-gather (BertCore's bitwise "
          f"sum in micro-batch order): {spec['grad_accum']} rounds per step, after the backward; each rank receives "
          f"N x the gradient.\n")
    print("| config | Gbit/s | N | all-reduce ms | no overlap | full overlap | embeddings last | "
          "ordered all-gather ms | all-gather efficiency | all-gather buffer GB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    jsonl = open(args.jsonl, "w", encoding="utf-8") if args.jsonl else None
    for name in args.configs:
        groups = parameter_groups(name, spec["vocab"])
        step, source = times[name]
        hideable = args.backward_fraction * step
        for gbits in args.gbits:
            for ranks in args.ranks:
                total = allreduce_seconds(4 * sum(groups.values()), ranks, gbits, latency)
                embeddings = allreduce_seconds(4 * groups["embeddings"], ranks, gbits, latency)
                rest = allreduce_seconds(4 * (groups["layers"] + groups["mlm_head"]), ranks, gbits, latency)
                gathered = spec["grad_accum"] * allgather_seconds(4 * sum(groups.values()), ranks, gbits, latency)
                buffer = ranks * 4 * sum(groups.values())
                efficiency = {
                    "no_overlap": step / (step + total),
                    "full_overlap": step / (step + max(0.0, total - hideable)),
                    "embeddings_last": step / (step + max(0.0, rest - hideable) + embeddings),
                    "ordered_allgather": step / (step + gathered),
                }
                print(f"| {name} | {gbits:g} | {ranks} | {total * 1e3:.1f} | {efficiency['no_overlap']:.1%} | "
                      f"{efficiency['full_overlap']:.1%} | {efficiency['embeddings_last']:.1%} | {gathered * 1e3:.1f} | "
                      f"{efficiency['ordered_allgather']:.1%} | {buffer / 1e9:.2f} |")
                if jsonl:
                    jsonl.write(json.dumps({
                        "config": name, "gbits": gbits, "ranks": ranks, "parameters": sum(groups.values()),
                        "allreduce_bytes": 4 * sum(groups.values()), "embedding_bytes": 4 * groups["embeddings"],
                        "step_s": step, "step_source": source, "allreduce_s": total, "allgather_s": gathered,
                        "allgather_rounds": spec["grad_accum"], "allgather_buffer_bytes": buffer,
                        "efficiency": efficiency, "latency_us": args.latency_us,
                        "backward_fraction": args.backward_fraction, "per_rank_sequences": sequences, "seq": spec["seq"],
                    }) + "\n")
    if jsonl:
        jsonl.close()


if __name__ == "__main__":
    main()
