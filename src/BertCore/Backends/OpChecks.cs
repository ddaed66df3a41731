using BertCore.Tensors;

namespace BertCore.Backends;

/// <summary>Argument checks every backend applies to its ops, with the same messages.</summary>
internal static class OpChecks
{
    /// <summary>An ArgumentException naming <paramref name="op"/> unless <paramref name="t"/> holds <paramref name="count"/> elements.</summary>
    public static void RequireCount(Tensor t, long count, string op)
    {
        if (t.Count != count) throw new ArgumentException($"{op}: tensor {t.Shape} should hold {count} elements");
    }
}
