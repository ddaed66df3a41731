using BertCore.Tensors;

namespace BertCore.Backends;

/// <summary>
/// The size of one optimizer op (<see cref="IBackend.ClipScale"/>, <see cref="IBackend.AdamW(Tensor, Tensor, Tensor, Tensor, in AdamWStep, Tensor?)"/>
/// and its many-tensor form): Count elements. One factory per op, each the op's only argument check.
/// </summary>
internal readonly record struct OptimizerShape(long Count)
{
    // squares [n]; normAndScale [2]; losses [m] or null
    public static OptimizerShape ClipScale(Tensor squares, Tensor normAndScale, Tensor? losses)
    {
        OpChecks.Float("ClipScale", "squares", squares);
        OpChecks.Floats("ClipScale", "normAndScale", normAndScale, 2);
        if (losses != null) OpChecks.Float("ClipScale", "losses", losses);
        return new(squares.Count);
    }

    // param, grad, m, v: the same count; deviceScale [1] or null
    public static OptimizerShape AdamW(Tensor param, Tensor grad, Tensor m, Tensor v, Tensor? deviceScale)
    {
        Tensors("AdamW", param, grad, m, v);
        OpChecks.OptionalFloats("AdamW", "deviceScale", deviceScale, 1);
        return new(param.Count);
    }

    // each entry's Param, Grad, M, V: the same count; groups [≥ 1 + every entry's Group]; deviceScale [1] or null
    public static OptimizerShape AdamW(IReadOnlyList<AdamWTensors> tensors, IReadOnlyList<AdamWStep> groups, Tensor? deviceScale)
    {
        long total = 0;
        for (int i = 0; i < tensors.Count; i++)
        {
            var t = tensors[i];
            Tensors("AdamW", t.Param, t.Grad, t.M, t.V);
            if ((uint)t.Group >= (uint)groups.Count)
                throw new ArgumentException($"AdamW: entry {i} names group {t.Group}, but there are {groups.Count} groups");
            total += t.Param.Count;
        }
        OpChecks.OptionalFloats("AdamW", "deviceScale", deviceScale, 1);
        return new(total);
    }

    private static void Tensors(string op, Tensor param, Tensor grad, Tensor m, Tensor v)
    {
        OpChecks.Float(op, "param", param);
        OpChecks.Floats(op, "grad", grad, param.Count);
        OpChecks.Floats(op, "m", m, param.Count);
        OpChecks.Floats(op, "v", v, param.Count);
    }
}
