using BertCore.Tensors;

namespace BertCore.Backends;

/// <summary>
/// The size of one memory op (<see cref="IBackend.Copy"/>, the uploads, <see cref="IBackend.Download"/>): Count elements
/// of the tensor's own type. One factory per op, each the op's only argument check.
/// </summary>
internal readonly record struct MemoryShape(long Count)
{
    // src, dst: the same count and type
    public static MemoryShape Copy(Tensor src, Tensor dst)
    {
        if (src.DType != dst.DType || src.Count != dst.Count)
            throw new ArgumentException($"Copy: src {src.DType} {src.Shape} and dst {dst.DType} {dst.Shape} differ in type or element count");
        return new(src.Count);
    }

    // host [count]; dst fp32 [count]
    public static MemoryShape UploadFloats(int hostCount, Tensor dst) => Of("Upload", hostCount, "dst", dst, DType.F32);

    // host [count]; dst I32 [count]
    public static MemoryShape UploadInts(int hostCount, Tensor dst) => Of("Upload", hostCount, "dst", dst, DType.I32);

    // src fp32 [count]; host [count]
    public static MemoryShape Download(Tensor src, int hostCount) => Of("Download", hostCount, "src", src, DType.F32);

    private static MemoryShape Of(string op, int hostCount, string name, Tensor t, DType dtype)
    {
        if (t.DType != dtype) throw new ArgumentException($"{op}: {name} {t.Shape} holds {t.DType}, not {dtype}");
        if (hostCount != t.Count) throw new ArgumentException($"{op}: {hostCount} host values for {name} {t.Shape}");
        return new(t.Count);
    }
}
