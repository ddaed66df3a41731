using BertCore.Backends;
using BertCore.Backends.Cpu;
using BertCore.Tensors;
using Xunit;

namespace BertCore.Tests.Backends;

/// <summary><see cref="Arena.Keep"/>: the kept tensor moves down to the mark with its values, the stretch's memory is
/// reused, and Reset keeps one block of the peak size.</summary>
public class ArenaTests
{
    private static readonly CpuBackend Backend = new(threads: 1);

    private static Tensor Filled(Arena arena, int count, float first)
    {
        var t = arena.Allocate(count);
        for (int i = 0; i < count; i++) t.Span[i] = first + i;
        return t;
    }

    [Fact]
    public void Keep_moves_the_kept_tensor_to_the_mark_and_frees_the_rest()
    {
        using var arena = new Arena(Backend);
        var before = Filled(arena, 10, 0f);            // 40 bytes → one 64-byte slot
        var mark = arena.Mark();
        Filled(arena, 1000, 5f);                       // 4000 bytes of intermediates
        var output = Filled(arena, 20, 100f);
        var kept = arena.Keep(mark, output);
        Assert.Equal(64 + 128, arena.BytesInUse);
        Assert.Equal(64, kept.ByteOffset);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => 100f + i), kept.ToArray());
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (float)i), before.ToArray());
        Assert.Equal(64 + 4032 + 128, arena.PeakBytesInUse);
        var next = arena.Allocate(8);                  // lands where the intermediates were
        Assert.Equal(64 + 128, next.ByteOffset);
    }

    [Fact]
    public void Keep_frees_nothing_when_the_copy_would_overlap_its_source()
    {
        using var arena = new Arena(Backend);
        var mark = arena.Mark();
        Filled(arena, 4, 0f);                          // 64 bytes: shorter than the kept tensor
        var output = Filled(arena, 100, 7f);
        Assert.Same(output, arena.Keep(mark, output));
        Assert.Equal(64 + 448, arena.BytesInUse);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => 7f + i), output.ToArray());
    }

    [Fact]
    public void Keep_reuses_chunks_freed_across_a_chunk_boundary_and_reset_keeps_the_peak()
    {
        using var arena = new Arena(Backend);
        var mark = arena.Mark();
        Filled(arena, 200_000, 0f);                    // 800,000 bytes of the first 1 MiB chunk
        var output = Filled(arena, 100_000, 1f);       // does not fit: a second chunk
        var kept = arena.Keep(mark, output);
        Assert.Equal(0, kept.ByteOffset);
        Assert.Equal(1f + 99_999, kept.Span[99_999]);
        long reserved = arena.BytesReserved;
        Filled(arena, 200_000, 0f);                    // fits behind the kept tensor and in the freed second chunk
        Filled(arena, 100_000, 0f);
        Assert.Equal(reserved, arena.BytesReserved);
        long peak = arena.PeakBytesInUse;
        arena.Reset();
        Assert.Equal(peak, arena.BytesReserved);
        Assert.Throws<ArgumentException>(() => arena.Keep(mark, arena.Allocate(4)));   // a mark of the step before
    }
}
