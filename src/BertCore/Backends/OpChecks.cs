using BertCore.Tensors;

namespace BertCore.Backends;

/// <summary>
/// The small checks the op shape records (<see cref="ElementwiseShape"/>, <see cref="NormalizationShape"/>, ...) are
/// built from, each throwing an ArgumentException that names the op and the offending argument. Backends never
/// call these directly: each op validates once, through its shape record.
/// </summary>
internal static class OpChecks
{
    /// <summary>Throws unless <paramref name="t"/> is fp32 and holds <paramref name="count"/> elements.</summary>
    public static void Floats(string op, string name, Tensor t, long count)
    {
        if (t.DType != DType.F32) throw new ArgumentException($"{op}: {name} {t.Shape} holds {t.DType}, not F32");
        if (t.Count != count) throw new ArgumentException($"{op}: {name} {t.Shape} should hold {count} elements");
    }

    /// <summary><see cref="Floats"/> when <paramref name="t"/> is given.</summary>
    public static void OptionalFloats(string op, string name, Tensor? t, long count)
    {
        if (t != null) Floats(op, name, t, count);
    }

    /// <summary>Throws unless <paramref name="t"/> is int32 and holds <paramref name="count"/> elements.</summary>
    public static void Ints(string op, string name, Tensor t, long count)
    {
        if (t.DType != DType.I32) throw new ArgumentException($"{op}: {name} {t.Shape} holds {t.DType}, not I32");
        if (t.Count != count) throw new ArgumentException($"{op}: {name} {t.Shape} should hold {count} elements");
    }

    /// <summary>Throws unless <paramref name="t"/> is fp32 (any element count).</summary>
    public static void Float(string op, string name, Tensor t)
    {
        if (t.DType != DType.F32) throw new ArgumentException($"{op}: {name} {t.Shape} holds {t.DType}, not F32");
    }

    /// <summary>Rows of <paramref name="t"/> viewed as [R, C] over its last dimension, as an int.</summary>
    public static int Rows(string op, string name, Tensor t) =>
        t.Shape.Rows <= int.MaxValue ? (int)t.Shape.Rows : throw new ArgumentException($"{op}: {name} {t.Shape} has more than {int.MaxValue} rows");

    /// <summary>Throws unless the dropout probability lies in [0, 1).</summary>
    public static void Probability(string op, Dropout dropout)
    {
        if (!(dropout.P >= 0f && dropout.P < 1f)) throw new ArgumentException($"{op}: dropout probability {dropout.P} must lie in [0, 1)");
    }
}
