using BertCore.Autograd;
using BertCore.Backends;
using BertCore.Optim;
using BertCore.Tensors;
using BertCore.Tests.Support;

namespace BertCore.Tests.Optim;

/// <summary>
/// Five clipped AdamW steps on six parameters in two groups (lr 1e-2 with weight decay 0.1, lr 2e-2 without), fresh
/// random gradients each step, and a trainable set that changes between most steps: one parameter is frozen for steps 1
/// to 3, a second for steps 2 to 4 (steps 2 and 3 train the same set). Two parameters span several reduction groups
/// and AdamW chunks.
/// Run through the optimizer's multi-tensor path (<see cref="AdamW"/> and <see cref="GradientClipper"/>) or through the
/// per-parameter ops (one SumOfSquares and one AdamW per tensor), it records every value and moment after each step.
/// </summary>
internal static class OptimizerScenario
{
    public const int Steps = 5;
    private const double MaxNorm = 1.0;
    private static readonly int[][] s_shapes = [[70, 64], [5, 3], [3 * 4096 + 17], [7], [33, 2], [4, 4]];

    /// <summary>Whether parameter i trains at step t (0-based).</summary>
    private static bool Trainable(int i, int t) => i switch
    {
        5 => t >= 3,
        2 => t is < 1 or > 3,
        _ => true,
    };

    private static int Group(int i) => i % 2;
    private static readonly (float Lr, float WeightDecay)[] s_groups = [(1e-2f, 0.1f), (2e-2f, 0f)];
    private static float LrFactor(int t) => 1f - 0.2f * t;

    /// <summary>What a run leaves after each step: every parameter's value, first and second moment, the norm and the factor.</summary>
    public sealed record Snapshot(float[][] Values, float[][] M, float[][] V, float Norm, float Factor);

    /// <summary>Parameters with the scenario's initial values, on the host.</summary>
    public static Parameter[] Parameters() =>
        s_shapes.Select((shape, i) => new Parameter($"p{i}", Tensor.FromArray(TestData.Uniform(shape.Aggregate(1, (a, b) => a * b), 100 + i), shape))).ToArray();

    private static float[] Gradient(int i, int t, long count) => TestData.Uniform((int)count, 1000 * (t + 1) + i, 0.5f);

    /// <summary>The multi-tensor path: the parameters adopted by <paramref name="backend"/> (one storage on the GPU), one
    /// <see cref="GradientClipper.Compute"/> and one <see cref="AdamW.Step(float, Tensor)"/> per step.</summary>
    public static List<Snapshot> MultiTensor(IBackend backend)
    {
        var parameters = Parameters();
        backend.Adopt(parameters);
        var groups = s_groups.Select((g, k) => new ParameterGroup($"g{k}", parameters.Where((_, i) => Group(i) == k).ToArray(), g.Lr, g.WeightDecay));
        using var adam = new AdamW(backend, groups);
        using var clipper = new GradientClipper(backend, parameters);
        var snapshots = new List<Snapshot>();
        for (int t = 0; t < Steps; t++)
        {
            for (int i = 0; i < parameters.Length; i++)
            {
                parameters[i].Trainable = Trainable(i, t);
                backend.Upload(Gradient(i, t, parameters[i].Value.Count), parameters[i].Grad);
            }
            clipper.Compute(parameters, MaxNorm);
            adam.Step(LrFactor(t), clipper.Scale);
            snapshots.Add(new Snapshot(parameters.Select(p => Read(backend, p.Value)).ToArray(), parameters.Select(p => Read(backend, adam.Moments(p).M)).ToArray(),
                parameters.Select(p => Read(backend, adam.Moments(p).V)).ToArray(), (float)clipper.ReadNorm(), Read(backend, clipper.Scale)[0]));
        }
        foreach (var p in parameters) p.Dispose();
        return snapshots;
    }

    /// <summary>The per-parameter path: each parameter and moment a tensor of its own (<paramref name="place"/> gives a
    /// host tensor's counterpart on the backend, or the tensor itself), one SumOfSquares per trainable gradient into its slot, ClipScale, then one AdamW per
    /// trainable parameter, group by group. With <paramref name="factors"/>, step t scales the gradients by factors[t]
    /// instead of its own ClipScale factor.</summary>
    public static List<Snapshot> PerParameter(IBackend backend, Func<Tensor, Tensor> place, float[]? factors = null)
    {
        Tensor Placed(Tensor host)
        {
            var placed = place(host);
            if (placed != host) host.Dispose();
            return placed;
        }
        var values = Parameters().Select(p => Placed(p.Value)).ToArray();
        var grads = values.Select(v => Placed(Tensor.Zeros(v.Shape))).ToArray();
        var m = values.Select(v => Placed(Tensor.Zeros(v.Shape))).ToArray();
        var v2 = values.Select(v => Placed(Tensor.Zeros(v.Shape))).ToArray();
        using var squares = Placed(Tensor.Zeros(values.Length));
        using var normAndScale = Placed(Tensor.Zeros(2));
        using var given = Placed(Tensor.Zeros(1));
        var snapshots = new List<Snapshot>();
        for (int t = 0; t < Steps; t++)
        {
            int slot = 0;
            for (int i = 0; i < values.Length; i++)
            {
                backend.Upload(Gradient(i, t, values[i].Count), grads[i]);
                if (Trainable(i, t)) backend.SumOfSquares(grads[i], squares.SliceRows(slot++, 1));
            }
            backend.ClipScale(squares.SliceRows(0, slot), MaxNorm, normAndScale);
            var scale = normAndScale.SliceRows(1, 1);
            if (factors != null)
            {
                backend.Upload([factors[t]], given);
                scale = given;
            }
            for (int k = 0; k < s_groups.Length; k++)
            {
                var step = new AdamWStep(s_groups[k].Lr * LrFactor(t), 0.9f, 0.999f, 1e-8f, s_groups[k].WeightDecay, t + 1);
                for (int i = 0; i < values.Length; i++)
                    if (Group(i) == k && Trainable(i, t)) backend.AdamW(values[i], grads[i], m[i], v2[i], step, scale);
            }
            var clip = Read(backend, normAndScale);
            snapshots.Add(new Snapshot(values.Select(x => Read(backend, x)).ToArray(), m.Select(x => Read(backend, x)).ToArray(),
                v2.Select(x => Read(backend, x)).ToArray(), clip[0], clip[1]));
        }
        foreach (var t in values.Concat(grads).Concat(m).Concat(v2)) t.Dispose();
        return snapshots;
    }

    private static float[] Read(IBackend backend, Tensor t)
    {
        var host = new float[t.Count];
        backend.Download(t, host);
        return host;
    }

    /// <summary>Asserts that two runs left the same bits after every step (the norm and factor too unless <paramref name="sameFactor"/> is off).</summary>
    public static void AssertBitwiseEqual(List<Snapshot> expected, List<Snapshot> actual, bool sameFactor = true)
    {
        for (int t = 0; t < Steps; t++)
        {
            if (sameFactor)
            {
                Xunit.Assert.True(BitConverter.SingleToInt32Bits(expected[t].Norm) == BitConverter.SingleToInt32Bits(actual[t].Norm), $"step {t + 1}: norm {expected[t].Norm} vs {actual[t].Norm}");
                Xunit.Assert.True(BitConverter.SingleToInt32Bits(expected[t].Factor) == BitConverter.SingleToInt32Bits(actual[t].Factor), $"step {t + 1}: factor {expected[t].Factor} vs {actual[t].Factor}");
            }
            for (int i = 0; i < s_shapes.Length; i++)
            {
                Xunit.Assert.True(expected[t].Values[i].AsSpan().SequenceEqual(actual[t].Values[i]), $"step {t + 1}: values of p{i} differ");
                Xunit.Assert.True(expected[t].M[i].AsSpan().SequenceEqual(actual[t].M[i]), $"step {t + 1}: first moments of p{i} differ");
                Xunit.Assert.True(expected[t].V[i].AsSpan().SequenceEqual(actual[t].V[i]), $"step {t + 1}: second moments of p{i} differ");
            }
        }
    }

    /// <summary>Frozen at a step: the value and moments are the previous step's (the initial values and zeros before the first).</summary>
    public static void AssertFrozenUntouched(List<Snapshot> run)
    {
        var initial = Parameters();
        for (int t = 0; t < Steps; t++)
            for (int i = 0; i < s_shapes.Length; i++)
            {
                if (Trainable(i, t)) continue;
                var before = t == 0 ? initial[i].Value.Span.ToArray() : run[t - 1].Values[i];
                Xunit.Assert.True(before.AsSpan().SequenceEqual(run[t].Values[i]), $"frozen p{i} changed at step {t + 1}");
                if (t > 0) Xunit.Assert.True(run[t - 1].M[i].AsSpan().SequenceEqual(run[t].M[i]), $"frozen p{i}'s moments changed at step {t + 1}");
            }
        foreach (var p in initial) p.Dispose();
    }
}
