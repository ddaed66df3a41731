// libtorch's fp32 GEMM through TorchSharp at a given shape, timed like `bertcore bench gemm`:
//   TorchGemm gemm [--m M] [--n N] [--k K] [--trans-a] [--trans-b] [--threads T] [--steps S]
// c [m, n] = op(a)·op(b) with op(a) [m, k] (a stored [k, m] with --trans-a) and op(b) [k, n] (b stored [n, k] with
// --trans-b), passed to torch.matmul as transposed views, which libtorch hands to its BLAS as transpose flags.
// Prints {"peer", "mode":"gemm", "m", "n", "k", "trans_a", "trans_b", "threads", "gflops"}.
using System.Diagnostics;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

var a = args.ToList();
string Arg(string name, string fallback) { int i = a.IndexOf(name); return i >= 0 && i + 1 < a.Count ? a[i + 1] : fallback; }
if (a.Count == 0 || a[0] != "gemm")
{
    Console.Error.WriteLine("usage: TorchGemm gemm [--m M] [--n N] [--k K] [--trans-a] [--trans-b] [--threads T] [--steps S]");
    return 2;
}
int n = int.Parse(Arg("--n", "1024")), m = int.Parse(Arg("--m", n.ToString())), k = int.Parse(Arg("--k", n.ToString()));
int steps = int.Parse(Arg("--steps", "10")), threads = int.Parse(Arg("--threads", Environment.ProcessorCount.ToString()));
bool transA = a.Contains("--trans-a"), transB = a.Contains("--trans-b");
torch.set_num_threads(threads);
torch.manual_seed(0);
var x = transA ? rand(k, m).t() : rand(m, k);
var y = transB ? rand(n, k).t() : rand(k, n);
// Warm-up as bertcore's bench: at least two products and two seconds.
var warmup = Stopwatch.StartNew();
for (int i = 0; i < 2 || warmup.Elapsed.TotalSeconds < 2; i++) using (matmul(x, y)) { }
var clock = Stopwatch.StartNew();
for (int i = 0; i < steps; i++) using (matmul(x, y)) { }
double gflops = 2.0 * m * n * k * steps / clock.Elapsed.TotalSeconds / 1e9;
Console.WriteLine(JsonSerializer.Serialize(new
{
    peer = "torchsharp-libtorch", mode = "gemm", m, n, k, trans_a = transA, trans_b = transB, threads, gflops = Math.Round(gflops, 1),
}));
return 0;
