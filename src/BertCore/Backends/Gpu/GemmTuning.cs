namespace BertCore.Backends.Gpu;

/// <summary>
/// How <see cref="GpuBackend.MatMul"/> picks its kernel for a shape. The defaults were measured on an H100 with the GPU
/// workbench; the tests force the large-tile kernel and split-K at tiny shapes, the workbench sweeps them
/// (<see cref="GpuBackend.WithGemmTuning{T}"/>).
/// </summary>
/// <param name="LargeTileMinimum">Fewest 128×128 tiles (times K-splits) for which the large-tile kernel is used; smaller
/// products take the 64×64 kernel, which has four times as many groups to spread over the multiprocessors.</param>
/// <param name="SplitKMinimumDepth">Fewest k per slice of a split-K launch, so that each group's loop stays long and the
/// partial sums stay cheap next to it. Measured: 4096×768×768 takes 0.19 ms whole and 0.21 ms in two slices of 384, while
/// 4096×768×3072 gains from two slices of 1536 (0.72 → 0.61 ms) and 768×768×4096 from eight of 512 (0.56 → 0.22 ms).</param>
/// <param name="SplitKTargetGroups">Groups a large-tile launch should reach by splitting K: two per multiprocessor of an
/// H100, as many as are resident at once (128 registers × 256 threads). Measured with the workbench's sweep:
/// 4096×768×3072 takes 0.78 ms split in two vs 0.96 ms whole; 768×768×4096 0.28 ms in eight vs 0.35 ms in four.</param>
/// <param name="ForcedSplits">When positive, the number of K-slices of every large-tile product, whatever the rule above says
/// (1: none; any count, not only powers of two): the workbench sweeps it to measure which count each BERT shape wants.</param>
internal sealed record GemmTuning(int LargeTileMinimum = 64, int SplitKMinimumDepth = 512, int SplitKTargetGroups = 264, int ForcedSplits = 0);
