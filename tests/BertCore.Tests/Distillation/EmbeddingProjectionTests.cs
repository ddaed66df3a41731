using BertCore.IO;
using BertCore.Nn.Bert;
using BertCore.Training.Distillation;
using Xunit;

namespace BertCore.Tests.Distillation;

public sealed class EmbeddingProjectionTests
{
    /// <summary>Rows with known principal axes: coordinates along a random orthonormal basis B [d, d] with standard
    /// deviations 8, 4, 2, 1, then 0.1 on the rest, plus an offset (the mean is removed before the covariance).</summary>
    private static (float[] Rows, double[][] Basis) KnownRows(int n, int d)
    {
        var random = new Random(3);
        var basis = Enumerable.Range(0, d).Select(_ => Enumerable.Range(0, d).Select(_ => random.NextDouble() - 0.5).ToArray()).ToArray();
        for (int j = 0; j < d; j++)   // Gram–Schmidt: an orthonormal basis
        {
            for (int p = 0; p < j; p++)
            {
                double dot = basis[j].Zip(basis[p], (a, b) => a * b).Sum();
                for (int i = 0; i < d; i++) basis[j][i] -= dot * basis[p][i];
            }
            double norm = Math.Sqrt(basis[j].Sum(x => x * x));
            for (int i = 0; i < d; i++) basis[j][i] /= norm;
        }
        double[] std = [8, 4, 2, 1, .. Enumerable.Repeat(0.1, d - 4)];
        var rows = new float[n * d];
        for (int r = 0; r < n; r++)
            for (int j = 0; j < d; j++)
            {
                double c = std[j] * (random.NextDouble() * 2 - 1) * Math.Sqrt(3);   // uniform with that standard deviation
                for (int i = 0; i < d; i++) rows[r * d + i] += (float)(c * basis[j][i] + (j == 0 ? 0.5 : 0));
            }
        return (rows, basis);
    }

    [Fact]
    public void The_top_directions_are_the_known_principal_axes()
    {
        const int n = 4000, d = 12, k = 3;
        var (rows, basis) = KnownRows(n, d);
        var (q, kept) = EmbeddingProjection.PrincipalDirections(rows, n, d, k);
        for (int j = 0; j < k; j++)
        {
            // |cos| between direction j and axis j: 1 up to the sampling noise of 4,000 rows (the axes' variances
            // differ by 4x, so the estimated axes are within a few 1e-3 of the true ones)
            double cos = Math.Abs(Enumerable.Range(0, d).Sum(i => q[j * d + i] * basis[j][i]));
            Assert.True(cos > 0.999, $"direction {j}: |cos| with the true axis {cos}");
        }
        double total = 64 + 16 + 4 + 1 + (d - 4) * 0.01, expected = (64 + 16 + 4) / total;
        Assert.InRange(kept, expected - 0.01, expected + 0.01);   // the variance held: ±1 point of sampling noise
    }

    [Fact]
    public void A_student_gets_every_table_projected_the_same_way()
    {
        var teacher = new BertEmbeddings("bert.embeddings", new BertConfig { VocabSize = 50, HiddenSize = 12, MaxPositionEmbeddings = 20, NumAttentionHeads = 2 });
        var student = new BertEmbeddings("bert.embeddings", new BertConfig { VocabSize = 50, HiddenSize = 4, MaxPositionEmbeddings = 16, NumAttentionHeads = 2 });
        teacher.Initialize(0.02, new Random(1));
        EmbeddingProjection.Project(student, teacher);
        var (q, _) = EmbeddingProjection.PrincipalDirections(teacher.Word.Weight.Value.Span, 50, 12, 4);
        var tp = teacher.Position.Weight.Value.Span.ToArray();
        var sp = student.Position.Weight.Value.Span.ToArray();
        for (int r = 0; r < 16; r++)   // position r of the student = the teacher's position r · Q
            for (int j = 0; j < 4; j++)
                Assert.Equal(Enumerable.Range(0, 12).Sum(i => (double)tp[r * 12 + i] * q[j * 12 + i]), sp[r * 4 + j], 5);
        Assert.Throws<ArgumentException>(() => EmbeddingProjection.Project(teacher, student));   // a wider "student"
    }
}
