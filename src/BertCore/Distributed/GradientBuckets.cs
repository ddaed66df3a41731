using BertCore.Autograd;
using BertCore.Tensors;

namespace BertCore.Distributed;

/// <summary>
/// The trainable gradients of a data-parallel step split into buckets of about a given size, which
/// <see cref="GradientExchange"/> sends one by one as the backward pass finishes them. The buckets take the parameters
/// in reverse order (a model lists them from the embeddings up; the backward pass finishes them from the top down),
/// each closing as soon as it holds at least the given bytes; size 0 makes one bucket of everything. Bucket b is, in the exchange's buffers, its gradients one after the other and then a
/// presence flag: floats [<see cref="Start"/>(b) + b, + <see cref="Length"/>(b) + 1) of the send buffer, and N times
/// that, in rank order, from N × (Start(b) + b) of the receive buffer; in the total (no flags) it is
/// [Start(b), + Length(b)).
/// </summary>
internal sealed class GradientBuckets
{
    private readonly Parameter[] _trainable;
    private readonly Tensor[] _gradients;   // the trainable gradients in bucket order
    private readonly int[] _offsets;        // each gradient's offset in the total
    private readonly int[] _firstGradient;  // bucket b holds _gradients[_firstGradient[b] .. _firstGradient[b + 1])
    private readonly Dictionary<(Storage, long), int> _bucketOf = new();   // a gradient's storage and byte offset → its bucket

    /// <param name="trainable">The trainable parameters (host tensors), in the model's order.</param>
    /// <param name="bucketBytes">The bytes at which a bucket closes (0: one bucket).</param>
    public GradientBuckets(IReadOnlyList<Parameter> trainable, long bucketBytes)
    {
        _trainable = trainable.ToArray();
        BucketBytes = bucketBytes;
        _gradients = new Tensor[_trainable.Length];
        _offsets = new int[_trainable.Length];
        var first = new List<int> { 0 };
        long offset = 0, bucket = 0;
        for (int i = 0; i < _trainable.Length; i++)
        {
            var g = _trainable[^(i + 1)].Grad;
            if (g.Device != DeviceKind.Cpu) throw new InvalidOperationException("data-parallel training runs on the CPU backend only");
            if (bucketBytes > 0 && bucket >= bucketBytes)
            {
                first.Add(i);
                bucket = 0;
            }
            _gradients[i] = g;
            _offsets[i] = checked((int)offset);
            if (!_bucketOf.TryAdd((g.Storage, g.ByteOffset), first.Count - 1)) _bucketOf[(g.Storage, g.ByteOffset)] = -1;   // two gradients in one place: read as unknown
            offset += g.Count;
            bucket += g.Bytes;
        }
        first.Add(_trainable.Length);
        _firstGradient = first.ToArray();
        Count = _firstGradient.Length - 1;
        Floats = checked((int)offset);
    }

    /// <summary>The number of buckets (one when there are no gradients).</summary>
    public int Count { get; }

    /// <summary>The element count of all the gradients (P).</summary>
    public int Floats { get; }

    /// <summary>The bytes at which a bucket closes (0: one bucket).</summary>
    public long BucketBytes { get; }

    /// <summary>Whether these buckets are the ones for <paramref name="trainable"/> and <paramref name="bucketBytes"/>.</summary>
    public bool Fit(IReadOnlyList<Parameter> trainable, long bucketBytes) =>
        bucketBytes == BucketBytes && trainable.Count == _trainable.Length && trainable.SequenceEqual(_trainable);

    /// <summary>Bucket b's first element in the total.</summary>
    public int Start(int b) => _firstGradient[b] < _offsets.Length ? _offsets[_firstGradient[b]] : Floats;

    /// <summary>Bucket b's element count (its gradients, without the flag).</summary>
    public int Length(int b) => (b + 1 < Count ? Start(b + 1) : Floats) - Start(b);

    /// <summary>Every bucket's gradients, bucket 0's first.</summary>
    public IReadOnlyList<Tensor> All => _gradients;

    /// <summary>Bucket b's gradients, in their order in the bucket.</summary>
    public ReadOnlySpan<Tensor> Gradients(int b) => _gradients.AsSpan(_firstGradient[b].._firstGradient[b + 1]);

    /// <summary>The bucket that holds <paramref name="parameter"/>'s gradient (a view of a trainable parameter's
    /// gradient counts as it), or -1: not a trainable gradient, or one that two trainable parameters share.</summary>
    public int BucketOf(Parameter parameter) =>
        _bucketOf.TryGetValue((parameter.Grad.Storage, parameter.Grad.ByteOffset), out int b) ? b : -1;
}
