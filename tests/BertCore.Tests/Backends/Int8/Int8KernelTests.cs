using BertCore.Backends.Cpu.Int8;
using Xunit;
using Xunit.Abstractions;

namespace BertCore.Tests.Backends.Int8;

/// <summary>
/// Every int8 kernel path this CPU supports, forced, against <see cref="Int8Reference.Products"/> bit for bit: exact
/// integer sums, no tolerance. Shapes leave every remainder: k not a multiple of 4 (the zero-padded tail), N not a
/// multiple of the 16-column sliver, partial row tiles (1 to 5 rows repeat their last row).
/// </summary>
public unsafe class Int8KernelTests(ITestOutputHelper log)
{
    /// <summary>The supported paths by name (the enum is internal).</summary>
    public static TheoryData<string> Paths() => new(Int8Paths.Supported.Select(p => p.ToString()));

    /// <summary>Random u8 in [0, 255] and s8 in [−63, 63], then the worst case of vpmaddubsw: every activation 255
    /// against weights of ±63 (pair sums of ±32,130, just inside int16: 8-bit weights would saturate here).</summary>
    [Theory]
    [MemberData(nameof(Paths))]
    public void Tiles_match_the_integer_reference_bit_for_bit(string pathName)
    {
        var path = Enum.Parse<Int8Path>(pathName);
        int[][] shapes = [[1, 1, 1], [6, 16, 4], [5, 17, 7], [3, 37, 13], [6, 33, 384], [2, 3, 3072], [6, 48, 1031]];
        foreach (var s in shapes)
        {
            int m = s[0], n = s[1], k = s[2];
            var random = new Random(m * 1000 + n + k);
            var a = new byte[m * k];
            var w = new sbyte[n * k];
            random.NextBytes(a);
            for (int i = 0; i < w.Length; i++) w[i] = (sbyte)random.Next(-63, 64);
            Check(path, a, w, m, n, k, "random");
            Array.Fill(a, (byte)255);
            for (int i = 0; i < w.Length; i++) w[i] = (sbyte)(i / k % 2 == 0 ? 63 : -63);
            Check(path, a, w, m, n, k, "saturating");
        }
    }

    private static void Check(Int8Path path, byte[] a, sbyte[] w, int m, int n, int k, string what)
    {
        using var weights = new QuantizedWeights(w, new float[n], n, k);
        var expected = Int8Reference.Products(a, w, m, n, k);
        int k4 = weights.K4;
        var padded = new byte[m * k4];
        for (int i = 0; i < m; i++) Array.Copy(a, i * k, padded, i * k4, k);
        var acc = new int[Int8Kernel.MR * Int8Kernel.NR];
        fixed (byte* pa = padded)
        fixed (int* pc = acc)
            for (int s = 0; s < weights.Slivers; s++)
            {
                Int8Kernel.Tile(path, k4 / 4, pa, k4, m, weights.Sliver(s), pc);
                for (int i = 0; i < m; i++)
                    for (int j = s * 16; j < Math.Min(n, s * 16 + 16); j++)
                        Assert.True(expected[i * n + j] == acc[i * 16 + j - s * 16],
                            $"{path} {what} {m}x{n}x{k}: [{i}, {j}] is {acc[i * 16 + j - s * 16]}, expected {expected[i * n + j]}");
            }
    }

    [Fact]
    public void Weights_outside_seven_bits_are_refused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new QuantizedWeights(new sbyte[] { 1, 64 }, new float[1], 1, 2));
        Assert.Contains("[0, 1] = 64", e.Message);
    }

    [Fact]
    public void The_probe_picks_a_supported_path()
    {
        log.WriteLine($"supported: {string.Join(", ", Int8Paths.Supported)}; the probe picks {Int8Probe.Fastest}");
        Assert.Contains(Int8Probe.Fastest, Int8Paths.Supported);
    }
}
