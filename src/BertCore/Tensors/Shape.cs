using System.Runtime.CompilerServices;

namespace BertCore.Tensors;

/// <summary>Dimensions of a tensor, row-major, rank 0 to <see cref="MaxRank"/>. A value type: building one
/// allocates nothing on the managed heap.</summary>
public readonly struct Shape : IEquatable<Shape>
{
    public const int MaxRank = 4;

    [InlineArray(MaxRank)]
    private struct Dims { private int _element; }

    private readonly Dims _dims;

    public int Rank { get; }

    public Shape(params ReadOnlySpan<int> dims)
    {
        if (dims.Length > MaxRank)
            throw new ArgumentException($"rank {dims.Length} exceeds the maximum of {MaxRank}", nameof(dims));
        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[i] < 0) throw new ArgumentException($"dimension {i} is negative ({dims[i]})", nameof(dims));
            _dims[i] = dims[i];
        }
        Rank = dims.Length;
    }

    /// <summary>Dimension i; a negative i counts from the end (-1 is the last).</summary>
    public int this[int i]
    {
        get
        {
            if (i < 0) i += Rank;
            if ((uint)i >= (uint)Rank) throw new IndexOutOfRangeException($"dimension {i} of a rank-{Rank} shape");
            return _dims[i];
        }
    }

    /// <summary>Number of elements (1 for a scalar).</summary>
    public long Count
    {
        get
        {
            long n = 1;
            for (int i = 0; i < Rank; i++) n *= _dims[i];
            return n;
        }
    }

    /// <summary>Size of the last dimension (1 for a scalar).</summary>
    public int Last => Rank == 0 ? 1 : _dims[Rank - 1];

    /// <summary>Product of all dimensions but the last: the number of rows when viewed as a matrix.</summary>
    public long Rows => Rank == 0 ? 1 : Count / Math.Max(Last, 1);

    /// <summary>This shape with dimension i (negative counts from the end) set to <paramref name="value"/>.</summary>
    public Shape With(int i, int value)
    {
        if (i < 0) i += Rank;
        if ((uint)i >= (uint)Rank) throw new IndexOutOfRangeException($"dimension {i} of a rank-{Rank} shape");
        Span<int> dims = stackalloc int[MaxRank];
        for (int j = 0; j < Rank; j++) dims[j] = _dims[j];
        dims[i] = value;
        return new Shape(dims[..Rank]);
    }

    public int[] ToArray()
    {
        var a = new int[Rank];
        for (int i = 0; i < Rank; i++) a[i] = _dims[i];
        return a;
    }

    public bool Equals(Shape other)
    {
        if (Rank != other.Rank) return false;
        for (int i = 0; i < Rank; i++)
            if (_dims[i] != other._dims[i]) return false;
        return true;
    }

    public override bool Equals(object? obj) => obj is Shape s && Equals(s);
    public override int GetHashCode()
    {
        var h = new HashCode();
        for (int i = 0; i < Rank; i++) h.Add(_dims[i]);
        return h.ToHashCode();
    }

    public static bool operator ==(Shape a, Shape b) => a.Equals(b);
    public static bool operator !=(Shape a, Shape b) => !a.Equals(b);

    public override string ToString() => "[" + string.Join(", ", ToArray()) + "]";
}
