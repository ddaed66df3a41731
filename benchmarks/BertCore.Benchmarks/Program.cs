using BenchmarkDotNet.Running;

if (args.Length > 0 && args[0] == "gpu") return BertCore.Benchmarks.Gpu.GpuWorkbench.Run(args[1..]);
if (args.Length > 0 && args[0] == "recall") return BertCore.Benchmarks.Search.VectorRecall.Run(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
