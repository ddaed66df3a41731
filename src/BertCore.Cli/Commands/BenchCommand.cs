using System.Text.Json;
using BertCore.Backends;
using BertCore.Backends.Cpu;
using BertCore.Diagnostics;

namespace BertCore.Cli.Commands;

/// <summary>`bertcore bench`: the same workloads and JSON line as the peers in ../shared/tools, for side-by-side runs.</summary>
public sealed class BenchCommand : ICommand
{
    public string Name => "bench";
    public string Summary => "time a training step, inference, GEMM or the FMA peak; prints one JSON line";
    public string Help => """
        Usage: bertcore bench (train|infer|gemm|peak) [--model tiny|mini|small|base] [--batch B] [--seq S]
                              [--steps N] [--n N] [--m M] [--k K] [--trans-a] [--trans-b] [--threads T] [--device cpu]

          train    one masked-LM step with AdamW on random ids, 15% masked (projection only at masked rows)
          infer    the encoder forward without gradients
          gemm     an n×n by n×n fp32 product, or with --m/--k/--trans-a/--trans-b c [m, n] = op(a)·op(b), op(a) [m, k]
                   (a stored [k, m] with --trans-a), op(b) [k, n] (b stored [n, k] with --trans-b); operands packed every call
          peak     the machine's fp32 FMA peak, one thread and all threads, measured in this process
          --model  tiny 2L/128H/2A/512I, mini 4L/256H/4A/1024I (default), small 4L/512H/8A/2048I, base 12L/768H/12A/3072I;
                   vocabulary 30522, dropout off (as the peers)
          --batch  default 16; --seq default 128; --steps timed steps (default 5), after warm-up steps (2, and 2 s at least);
                   --n default 1024; --m and --k default to n
          --threads  CPU threads per kernel, the caller included (default: one per processor; as the peer's --threads)

        Prints {"mode", "model", "batch", "seq", "tokens_per_s", "s_per_step"}, {"mode":"gemm", "n", "gflops"} (with "m", "k",
        "trans_a", "trans_b" when not n×n×n) or
        {"mode":"peak", "gflops_1_thread", "gflops_all_threads", "threads", "vector_bits"} (the vector width that gave the peak).
        Peers: ../shared/tools/peer-torchsharp/run.sh (train, infer, gemm n×n×n), ../shared/tools/peer-onnxruntime/run.sh (infer),
        tools/bench/torch-gemm/run.sh (libtorch gemm with the same --m/--n/--k/--trans-a/--trans-b).
        """;

    public int Run(Arguments args)
    {
        var mode = args.Positional(0) ?? throw new UsageException("which benchmark? train, infer, gemm or peak");
        var model = args.Optional("model") ?? "mini";
        int batch = args.Int("batch", 16), seq = args.Int("seq", 128), steps = args.Int("steps", 5), n = args.Int("n", 1024);
        var gemm = new GemmShape(args.Int("m", n), n, args.Int("k", n), args.Flag("trans-a"), args.Flag("trans-b"));
        foreach (var (name, size) in new[] { ("m", gemm.M), ("n", gemm.N), ("k", gemm.K) })
            if (size <= 0) throw new UsageException($"--{name} must be positive, not {size}");
        int threads = args.Int("threads", 0);
        if (threads < 0) throw new UsageException($"--threads must be positive, not {threads}");
        var backend = Devices.Create(args.Optional("device") ?? "cpu", threads);
        args.RejectUnknown();
        object result = mode switch
        {
            "train" => Line(mode, model, Throughput.Train(backend, Throughput.Config(model), batch, seq, steps)),
            "infer" => Line(mode, model, Throughput.Infer(backend, Throughput.Config(model), batch, seq, steps)),
            "gemm" => Gemm(Throughput.Gemm(backend, gemm, steps), gemm),
            "peak" => Peak(),
            _ => throw new UsageException($"unknown benchmark '{mode}' (train, infer, gemm, peak)"),
        };
        Console.WriteLine(JsonSerializer.Serialize(result));
        return 0;
    }

    private static object Line(string mode, string model, StepTiming t) => new
    {
        mode, model, batch = t.Batch, seq = t.Seq,
        tokens_per_s = Math.Round(t.TokensPerSecond, 1), s_per_step = Math.Round(t.SecondsPerStep, 4),
    };

    private static object Gemm(double gflops, GemmShape s) => s.IsSquare
        ? new { mode = "gemm", n = s.N, gflops = Math.Round(gflops, 1) }
        : new { mode = "gemm", m = s.M, n = s.N, k = s.K, trans_a = s.TransA, trans_b = s.TransB, gflops = Math.Round(gflops, 1) };

    private static object Peak()
    {
        var (one, all, threads, bits) = FmaPeak.Measure();
        return new { mode = "peak", gflops_1_thread = Math.Round(one, 1), gflops_all_threads = Math.Round(all, 1), threads, vector_bits = bits };
    }
}
