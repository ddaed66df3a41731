using BertCore.Tests.Support;
using BertCore.Training.Distillation;
using Xunit;

namespace BertCore.Tests.Distillation;

/// <summary>The two distillation graph ops against central finite differences of plain double references
/// (<see cref="GradCheck"/>), on odd shapes, with a constant teacher input.</summary>
public class DistillationOpGradTests
{
    [Theory]
    [InlineData(1f)]
    [InlineData(3f)]
    public void SoftTargetKl_backward_matches_finite_differences(float temperature)
    {
        const int n = 3, c = 7;
        GradCheck.Check(
            (g, x) => g.SoftTargetKl(x[0], x[1], temperature),
            x => [SoftTargetKl(x[0], x[1], n, c, temperature)],
            [new OpInput(TestData.Uniform(n * c, 1, 3f), [n, c]), new OpInput(TestData.Uniform(n * c, 2, 3f), [n, c], Differentiable: false)]);
    }

    [Fact]
    public void AttentionKl_backward_matches_finite_differences()
    {
        const int b = 2, s = 5, width = 6, teacherWidth = 4, heads = 2;
        int[] mask = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0];
        GradCheck.Check(
            (g, x) => g.AttentionKl(x[0], x[1], x[2], x[3], mask, heads),
            x => [AttentionKl(x[0], x[1], width, x[2], x[3], teacherWidth, b, s, heads, mask)],
            [new OpInput(TestData.Uniform(b * s * width, 3, 2f), [b, s, width]), new OpInput(TestData.Uniform(b * s * width, 4, 2f), [b, s, width]),
             new OpInput(TestData.Uniform(b * s * teacherWidth, 5, 2f), [b, s, teacherWidth], Differentiable: false),
             new OpInput(TestData.Uniform(b * s * teacherWidth, 6, 2f), [b, s, teacherWidth], Differentiable: false)]);
    }

    private static double[] Softmax(double[] x)
    {
        double max = x.Max();
        var e = x.Select(v => Math.Exp(v - max)).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }

    /// <summary>T² / N · Σ KL(softmax(t/T) ‖ softmax(s/T)), written out.</summary>
    private static double SoftTargetKl(double[] s, double[] t, int n, int c, double temperature)
    {
        double loss = 0;
        for (int row = 0; row < n; row++)
        {
            var ps = Softmax(s.Skip(row * c).Take(c).Select(v => v / temperature).ToArray());
            var pt = Softmax(t.Skip(row * c).Take(c).Select(v => v / temperature).ToArray());
            for (int j = 0; j < c; j++) loss += pt[j] * Math.Log(pt[j] / ps[j]);
        }
        return loss * temperature * temperature / n;
    }

    /// <summary>Softmax over the real keys of one query row of one head.</summary>
    private static double[] Row(double[] q, double[] k, int width, int heads, int bi, int h, int i, int s, int[] mask)
    {
        int d = width / heads;
        var real = Enumerable.Range(0, s).Where(j => mask[bi * s + j] == 1).ToArray();
        var scores = real.Select(j => Enumerable.Range(0, d).Sum(c => q[(bi * s + i) * width + h * d + c] * k[(bi * s + j) * width + h * d + c]) / Math.Sqrt(d)).ToArray();
        return Softmax(scores);
    }

    private static double AttentionKl(double[] qs, double[] ks, int width, double[] qt, double[] kt, int teacherWidth, int b, int s, int heads, int[] mask)
    {
        double loss = 0;
        int rows = 0;
        for (int bi = 0; bi < b; bi++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < s; i++)
                {
                    if (mask[bi * s + i] == 0) continue;
                    var ps = Row(qs, ks, width, heads, bi, h, i, s, mask);
                    var pt = Row(qt, kt, teacherWidth, heads, bi, h, i, s, mask);
                    for (int j = 0; j < ps.Length; j++) loss += pt[j] * Math.Log(pt[j] / ps[j]);
                    rows++;
                }
        return loss / rows;
    }
}
