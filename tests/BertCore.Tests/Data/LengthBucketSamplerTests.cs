using BertCore.Data.Tasks;
using Xunit;

namespace BertCore.Tests.Data;

public class LengthBucketSamplerTests
{
    private static readonly int[] Lengths = Enumerable.Range(0, 1000).Select(i => 5 + (int)(BertCore.Backends.CounterRng.Hash(7, (ulong)i) % 60)).ToArray();

    [Fact]
    public void Every_feature_appears_once_per_epoch_in_batches_of_the_batch_size()
    {
        var sampler = new LengthBucketSampler(Lengths, batchSize: 32, seed: 1, chunkBatches: 4);

        int[][] batches = sampler.Epoch(0);

        Assert.Equal(32, batches.Length);                      // ceil(1000 / 32)
        Assert.Equal(sampler.BatchesPerEpoch, batches.Length);
        Assert.Equal(Enumerable.Range(0, 1000), batches.SelectMany(b => b).Order());
        Assert.Equal(31, batches.Count(b => b.Length == 32));
        Assert.Equal(8, batches.Single(b => b.Length != 32).Length);
    }

    [Fact]
    public void Batches_are_a_pure_function_of_seed_and_epoch()
    {
        var a = new LengthBucketSampler(Lengths, 32, seed: 42);
        var b = new LengthBucketSampler(Lengths, 32, seed: 42);

        Assert.Equal(a.Epoch(3), b.Epoch(3));
        Assert.NotEqual(a.Epoch(3), a.Epoch(4));
        Assert.NotEqual(a.Epoch(3), new LengthBucketSampler(Lengths, 32, seed: 43).Epoch(3));
    }

    [Fact]
    public void Batches_within_a_chunk_are_sorted_so_padding_shrinks()
    {
        var random = new LengthBucketSampler(Lengths, 32, seed: 5, chunkBatches: 1);   // chunk = one batch: no grouping
        var bucketed = new LengthBucketSampler(Lengths, 32, seed: 5, chunkBatches: 8);

        long randomTokens = LengthBucketSampler.PaddedTokens(random.Epoch(0), Lengths);
        long bucketedTokens = LengthBucketSampler.PaddedTokens(bucketed.Epoch(0), Lengths);
        long real = Lengths.Sum();

        // Lengths are uniform on 5..64: a random batch of 32 pads to ~63 (≈ 1.8× the mean of 34.5); a chunk of 256
        // sorted into 8 batches leaves each batch a length range of ~60/8, so padding adds only a few tokens per row.
        Assert.True(randomTokens > 1.6 * real, $"random batches {randomTokens} vs real {real}");
        Assert.True(bucketedTokens < 1.15 * real, $"bucketed batches {bucketedTokens} vs real {real}");
        foreach (int[] batch in bucketed.Epoch(0))
            Assert.Equal(batch.Select(i => Lengths[i]).OrderDescending(), batch.Select(i => Lengths[i]));
    }

    [Fact]
    public void In_order_batches_for_evaluation()
    {
        int[] lengths = [3, 9, 5, 9, 1];

        Assert.Equal([[1, 3], [2, 0], [4]], LengthBucketSampler.InOrder(lengths, 2));
        Assert.Equal([[0, 1], [2, 3], [4]], LengthBucketSampler.InOrder(lengths, 2, byLength: false));
        Assert.Equal(2 * 9 + 2 * 5 + 1 * 1, LengthBucketSampler.PaddedTokens(LengthBucketSampler.InOrder(lengths, 2), lengths));
    }

    [Fact]
    public void Bad_sizes_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LengthBucketSampler(Lengths, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LengthBucketSampler(Lengths, 8, 1, chunkBatches: 0));
    }
}
