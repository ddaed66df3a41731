using System.CommandLine;
using System.Text.Json;
using BertCore.Backends;
using BertCore.Backends.Cpu;
using BertCore.Diagnostics;

namespace BertCore.Cli.Commands;

/// <summary>`bertcore bench`: the same workloads and JSON line as the peers in ../shared/tools, for side-by-side runs.</summary>
public sealed class BenchCommand : ICommand
{
    private readonly Argument<string?> _mode = new("BENCHMARK")
    {
        Description = "train: one masked-LM step with AdamW on random ids, 15% masked (projection only at masked rows); " +
            "infer: the encoder forward without gradients; gemm: an n×n by n×n fp32 product, or with --m/--k/--trans-a/--trans-b " +
            "c [m, n] = op(a)·op(b), op(a) [m, k] (a stored [k, m] with --trans-a), op(b) [k, n] (b stored [n, k] with --trans-b), " +
            "operands packed every call; peak: the machine's fp32 FMA peak, one thread and all threads, measured in this process",
        Arity = ArgumentArity.ZeroOrOne,
    };
    private readonly Option<string> _model = CliOption.Text("--model",
        "tiny 2L/128H/2A/512I, mini 4L/256H/4A/1024I, small 4L/512H/8A/2048I, base 12L/768H/12A/3072I; vocabulary 30522, " +
        "dropout off (as the peers)", fallback: "mini", valueName: "NAME");
    private readonly Option<int> _batch = CliOption.Int("--batch", 16, "sequences per step", "B");
    private readonly Option<int> _seq = CliOption.Int("--seq", 128, "tokens per sequence", "S");
    private readonly Option<int> _steps = CliOption.Int("--steps", 5, "timed steps, after warm-up steps (2, and 2 s at least)");
    private readonly Option<int> _n = CliOption.Int("--n", 1024, "gemm: the n of c [m, n]");
    private readonly Option<int?> _m = CliOption.MaybeInt("--m", "gemm: rows of c (default n)", "M");
    private readonly Option<int?> _k = CliOption.MaybeInt("--k", "gemm: the inner dimension (default n)", "K");
    private readonly Option<bool> _transA = CliOption.Flag("--trans-a", "gemm: a is stored [k, m]");
    private readonly Option<bool> _transB = CliOption.Flag("--trans-b", "gemm: b is stored [n, k]");
    private readonly Option<int> _threads = CliOption.Threads();
    private readonly Option<string> _device = CliOption.Device();

    public string Summary => "time a training step, inference, GEMM or the FMA peak; prints one JSON line";

    public string Notes => """
            Prints {"mode", "model", "batch", "seq", "tokens_per_s", "s_per_step"}, {"mode":"gemm", "n", "gflops"} (with "m", "k",
            "trans_a", "trans_b" when not n×n×n) or
            {"mode":"peak", "gflops_1_thread", "gflops_all_threads", "threads", "vector_bits"} (the vector width that gave the peak).
            Peers: ../shared/tools/peer-torchsharp/run.sh (train, infer, gemm n×n×n), ../shared/tools/peer-onnxruntime/run.sh (infer),
            tools/bench/torch-gemm/run.sh (libtorch gemm with the same --m/--n/--k/--trans-a/--trans-b).
        """;

    public Command Create()
    {
        var command = new Command("bench", Summary) { _mode, _model, _batch, _seq, _steps, _n, _m, _k, _transA, _transB, _threads, _device };
        command.SetAction(Run);
        return command;
    }

    private int Run(ParseResult parse)
    {
        var mode = parse.GetValue(_mode) ?? throw new UsageException("which benchmark? train, infer, gemm or peak");
        var model = parse.GetValue(_model)!;
        int batch = parse.GetValue(_batch), seq = parse.GetValue(_seq), steps = parse.GetValue(_steps), n = parse.GetValue(_n);
        var gemm = new GemmShape(parse.GetValue(_m) ?? n, n, parse.GetValue(_k) ?? n, parse.GetValue(_transA), parse.GetValue(_transB));
        foreach (var (name, size) in new[] { ("m", gemm.M), ("n", gemm.N), ("k", gemm.K) })
            if (size <= 0) throw new UsageException($"--{name} must be positive, not {size}");
        var backend = CliOption.Backend(parse, _device, _threads);
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
