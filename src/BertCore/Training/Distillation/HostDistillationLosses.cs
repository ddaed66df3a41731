using BertCore.Autograd;
using BertCore.Tensors;

namespace BertCore.Training.Distillation;

/// <summary>
/// The two losses of knowledge distillation that existing ops cannot express (there is no log op, and the fused
/// attention never materializes its probabilities). Both run on the host through Download/Upload in double
/// precision: they are only on the distillation path, over small tensors (logits of the rows that carry a
/// target; attention of a few layers), so they work on every backend without a kernel of their own; each joins the
/// tape as a <see cref="Graph.PrecomputedLoss"/>.
/// </summary>
public static class HostDistillationLosses
{
    /// <summary>
    /// Hinton's soft-target loss: T² · (1/N) Σₙ KL(softmax(tₙ/T) ‖ softmax(sₙ/T)), what
    /// <c>F.kl_div(F.log_softmax(s / T), F.softmax(t / T), reduction="batchmean") * T * T</c> computes. The T²
    /// keeps the gradient's scale independent of T: d/ds = (T/N)(softmax(s/T) − softmax(t/T)).
    /// </summary>
    /// <param name="student">Student logits [N, C] (the only input that gets a gradient).</param>
    /// <param name="teacher">Teacher logits [N, C] (constant).</param>
    /// <param name="temperature">T &gt; 0.</param>
    /// <returns>[1].</returns>
    public static Tensor SoftTargetKl(this Graph g, Tensor student, Tensor teacher, float temperature)
    {
        if (student.Shape.Rank != 2 || student.Shape != teacher.Shape)
            throw new ArgumentException($"SoftTargetKl: student {student.Shape} and teacher {teacher.Shape} must both be [N, C]");
        if (!(temperature > 0) || !float.IsFinite(temperature)) throw new ArgumentException($"SoftTargetKl: temperature {temperature} must be positive");
        int n = student.Shape[0], c = student.Shape[1];
        var s = Download(g, student);
        var t = Download(g, teacher);
        bool track = g.IsRecording && student.RequiresGrad;
        var grad = track ? new float[s.Length] : null;
        double loss = 0, invT = 1.0 / temperature;
        var ps = new double[c];
        var pt = new double[c];
        for (int row = 0; row < n; row++)
        {
            int o = row * c;
            double lseS = LogSoftmax(s.AsSpan(o, c), invT, ps);
            double lseT = LogSoftmax(t.AsSpan(o, c), invT, pt);
            for (int j = 0; j < c; j++)
            {
                double logPt = t[o + j] * invT - lseT, logPs = s[o + j] * invT - lseS;
                if (pt[j] > 0) loss += pt[j] * (logPt - logPs);
                if (grad != null) grad[o + j] = (float)(temperature / (double)n * (ps[j] - pt[j]));
            }
        }
        float value = (float)(loss * temperature * temperature / Math.Max(n, 1));
        return grad == null ? g.PrecomputedLoss(value) : g.PrecomputedLoss(value, (student, grad));
    }

    /// <summary>
    /// Per-head KL divergence between a teacher's and a student's attention distributions, computed from the
    /// queries and keys (the fused attention does not keep its probabilities):
    /// A = softmax(Q_h K_hᵀ / √d + mask) per head h, padded keys excluded; loss = the mean over batch rows, heads
    /// and real (unpadded) query positions of KL(A_teacher ‖ A_student). Both models need the same head count.
    /// </summary>
    /// <param name="studentQuery">Student queries [B, S, Hs] (gets a gradient).</param>
    /// <param name="studentKey">Student keys [B, S, Hs] (gets a gradient).</param>
    /// <param name="teacherQuery">Teacher queries [B, S, Ht] (constant).</param>
    /// <param name="teacherKey">Teacher keys [B, S, Ht] (constant).</param>
    /// <param name="mask">Attention mask on the host, [B, S]: 1 real token, 0 padding.</param>
    /// <param name="heads">Attention heads of both models.</param>
    /// <returns>[1].</returns>
    public static Tensor AttentionKl(this Graph g, Tensor studentQuery, Tensor studentKey, Tensor teacherQuery, Tensor teacherKey, int[] mask, int heads)
    {
        var shape = studentQuery.Shape;
        if (shape.Rank != 3 || studentKey.Shape != shape || teacherQuery.Shape.Rank != 3 || teacherKey.Shape != teacherQuery.Shape
            || teacherQuery.Shape[0] != shape[0] || teacherQuery.Shape[1] != shape[1])
            throw new ArgumentException($"AttentionKl: queries and keys must be [B, S, H] with the same B and S; got {studentQuery.Shape}, {studentKey.Shape}, {teacherQuery.Shape}, {teacherKey.Shape}");
        if (heads < 1 || shape[2] % heads != 0 || teacherQuery.Shape[2] % heads != 0)
            throw new ArgumentException($"AttentionKl: {heads} heads do not divide the widths {shape[2]} and {teacherQuery.Shape[2]}");
        if (mask.Length != shape[0] * shape[1])
            throw new ArgumentException($"AttentionKl: {mask.Length} mask values for [B, S] = [{shape[0]}, {shape[1]}]");
        int b = shape[0], s = shape[1];
        var qs = Download(g, studentQuery);
        var ks = Download(g, studentKey);
        var qt = Download(g, teacherQuery);
        var kt = Download(g, teacherKey);
        var m = mask;
        int rows = 0;
        foreach (var v in m) if (v != 0) rows++;
        rows *= heads;
        // dScores [B, heads, S, S]: d(loss)/d(student scores) = (A_student − A_teacher) / rows on real keys
        var dScores = new double[b * heads * s * s];
        double[] ps = new double[s], pt = new double[s], logPs = new double[s], logPt = new double[s];
        double loss = 0;
        for (int bi = 0; bi < b; bi++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < s; i++)
                {
                    if (m[bi * s + i] == 0) continue;
                    AttentionRow(qs, ks, shape[2], heads, bi, h, i, s, m, ps, logPs);
                    AttentionRow(qt, kt, teacherQuery.Shape[2], heads, bi, h, i, s, m, pt, logPt);
                    int o = ((bi * heads + h) * s + i) * s;
                    for (int j = 0; j < s; j++)
                    {
                        if (m[bi * s + j] == 0) continue;
                        if (pt[j] > 0) loss += pt[j] * (logPt[j] - logPs[j]);
                        dScores[o + j] = (ps[j] - pt[j]) / rows;
                    }
                }
        float value = (float)(rows > 0 ? loss / rows : 0);
        if (!g.IsRecording || !(studentQuery.RequiresGrad || studentKey.RequiresGrad)) return g.PrecomputedLoss(value);
        var (dq, dk) = AttentionKlInputGrads(qs, ks, dScores, b, s, shape[2], heads);
        return g.PrecomputedLoss(value, (studentQuery, dq), (studentKey, dk));
    }

    /// <summary>p = softmax(x · scale) into <paramref name="p"/>; returns log Σ exp(x · scale).</summary>
    private static double LogSoftmax(ReadOnlySpan<float> x, double scale, Span<double> p)
    {
        double max = double.NegativeInfinity;
        foreach (var v in x) max = Math.Max(max, v * scale);
        double sum = 0;
        for (int j = 0; j < x.Length; j++) sum += p[j] = Math.Exp(x[j] * scale - max);
        for (int j = 0; j < x.Length; j++) p[j] /= sum;
        return max + Math.Log(sum);
    }

    /// <summary>Attention distribution of query i, head h, row bi over the real keys into <paramref name="p"/> and its
    /// logarithm into <paramref name="logP"/> (0 and −∞ on padding); q and k [B, S, width].</summary>
    private static void AttentionRow(float[] q, float[] k, int width, int heads, int bi, int h, int i, int s, int[] mask, double[] p, double[] logP)
    {
        int d = width / heads;
        double scale = 1.0 / Math.Sqrt(d), max = double.NegativeInfinity;
        int qo = (bi * s + i) * width + h * d;
        for (int j = 0; j < s; j++)
        {
            if (mask[bi * s + j] == 0) { logP[j] = double.NegativeInfinity; continue; }
            int ko = (bi * s + j) * width + h * d;
            double dot = 0;
            for (int c = 0; c < d; c++) dot += (double)q[qo + c] * k[ko + c];
            logP[j] = dot * scale;
            max = Math.Max(max, logP[j]);
        }
        double sum = 0;
        for (int j = 0; j < s; j++) sum += p[j] = Math.Exp(logP[j] - max);
        double logSum = max + Math.Log(sum);
        for (int j = 0; j < s; j++)
        {
            p[j] /= sum;
            logP[j] -= logSum;
        }
    }

    /// <summary>dQ_i = Σ_j dS_ij K_j / √d and dK_j = Σ_i dS_ij Q_i / √d per head; q, k [B, S, width],
    /// dScores [B, heads, S, S].</summary>
    private static (float[] Dq, float[] Dk) AttentionKlInputGrads(float[] q, float[] k, double[] dScores, int b, int s, int width, int heads)
    {
        int d = width / heads;
        double scale = 1.0 / Math.Sqrt(d);
        var dq = new double[q.Length];
        var dk = new double[k.Length];
        for (int bi = 0; bi < b; bi++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < s; i++)
                {
                    int o = ((bi * heads + h) * s + i) * s, qo = (bi * s + i) * width + h * d;
                    for (int j = 0; j < s; j++)
                    {
                        double g = dScores[o + j] * scale;
                        if (g == 0) continue;
                        int ko = (bi * s + j) * width + h * d;
                        for (int c = 0; c < d; c++)
                        {
                            dq[qo + c] += g * k[ko + c];
                            dk[ko + c] += g * q[qo + c];
                        }
                    }
                }
        return (Array.ConvertAll(dq, v => (float)v), Array.ConvertAll(dk, v => (float)v));
    }

    private static float[] Download(Graph g, Tensor x)
    {
        var host = new float[x.Count];
        g.Backend.Download(x, host);
        return host;
    }
}
