using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using System.Runtime.InteropServices;
using BertCore.Autograd;
using BertCore.Backends;
using BertCore.Tensors;

namespace BertCore.Distributed;

/// <summary>What a rank did with one micro-batch of a data-parallel step, gathered at the end of the step.</summary>
/// <param name="Loss">The recorded loss (when <see cref="HasLoss"/>).</param>
/// <param name="Auxiliary">The recorded auxiliary loss (when <see cref="HasAuxiliary"/>).</param>
/// <param name="Flags">1: the rank ran the micro-batch; 2: it recorded a loss; 4: and an auxiliary loss.</param>
/// <param name="RngEnd">The dropout RNG position after the micro-batch's forward.</param>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct MicroBatchRecord(float Loss, float Auxiliary, int Flags, ulong RngEnd)
{
    public bool HasLoss => (Flags & 2) != 0;
    public bool HasAuxiliary => (Flags & 4) != 0;
}

/// <summary>
/// Sums the gradients of a data-parallel step's micro-batches across ranks in micro-batch order, so that every rank
/// ends with bitwise the gradient that one process accumulates over the same micro-batches (see
/// <see cref="Training.TrainingStep"/>). Rank r runs micro-batches r, r+N, ...; round j is micro-batches jN..jN+N-1,
/// one per rank. The trainable gradients are split into <see cref="GradientBuckets"/>; each rank sends each bucket
/// (its gradients, then a flag: 1 when it back-propagated a loss) in a non-blocking all-gather, bucket 0 first, as
/// soon as the bucket is final: while the backward pass runs, when the exchange watches the graph
/// (<see cref="Watch"/>, as the graph's <see cref="ITapeObserver"/>: a bucket is final once the backward of the first
/// entry that read any of its parameters has run), else at the end of the round. At the end of a round each rank waits
/// for every bucket, adds the present buffers into the running total in rank order (the total starts as the first
/// present buffer), bucket by bucket, then zeroes its gradients for the next round: the same additions, in the same
/// order, for every element, whatever the buckets. Host memory (the CPU backend): P + buckets floats sent,
/// N × (P + buckets) received, P for the total, P being the trainable parameters' element count.
/// </summary>
public sealed class GradientExchange : ITapeObserver
{
    private readonly ICommunicator _world;
    private readonly IBackend _backend;
    private GradientBuckets? _buckets;
    private float[] _send = [], _receive = [], _total = [];   // send and receive pinned: MPI reads and writes them while the rank computes
    private nint[] _requests = [];    // bucket b's all-gather of this round (0: done or not started)
    private int[] _finalAfter = [];   // bucket b is final once the backward of this tape entry has run
    private MicroBatchRecord[] _records = [], _gathered = [];
    private int _rounds, _sent, _tested;   // buckets sent this round; the first that may not be done
    private bool _hasTotal, _present;

    public GradientExchange(ICommunicator world, IBackend backend)
    {
        _world = world;
        _backend = backend;
    }

    /// <summary>Starts a step of <paramref name="microBatches"/> micro-batches over the gradients of
    /// <paramref name="trainable"/> (host tensors), in buckets that close at <paramref name="bucketBytes"/> bytes (0: one
    /// bucket, sent after the backward).</summary>
    public void Begin(int microBatches, IReadOnlyList<Parameter> trainable, long bucketBytes)
    {
        if (_buckets == null || !_buckets.Fit(trainable, bucketBytes))
        {
            _buckets = new GradientBuckets(trainable, bucketBytes);
            int floats = _buckets.Floats + _buckets.Count;
            _send = GC.AllocateArray<float>(floats, pinned: true);
            _receive = GC.AllocateArray<float>(checked(floats * _world.Size), pinned: true);
            _total = new float[_buckets.Floats];
            _requests = new nint[_buckets.Count];
            _finalAfter = new int[_buckets.Count];
        }
        _rounds = (microBatches + _world.Size - 1) / _world.Size;
        if (_records.Length != _rounds)
        {
            _records = new MicroBatchRecord[_rounds];
            _gathered = new MicroBatchRecord[_rounds * _world.Size];
        }
        Array.Clear(_records);
        _hasTotal = _present = false;
        (_sent, _tested) = (0, 0);
    }

    /// <summary>Watches <paramref name="graph"/> (as its <see cref="Graph.Observer"/>) through the forward and backward
    /// of this rank's micro-batch of the round, so that each bucket is sent as soon as it is final. The forward starts
    /// on an empty tape; ops recorded before the watch began might read any parameter, so then every bucket waits for
    /// the whole backward.</summary>
    public void Watch(Graph graph)
    {
        Array.Fill(_finalAfter, graph.TapeLength == 0 ? int.MaxValue : 0);   // a bucket that nothing reads is final from the start
        graph.Observer = this;
    }

    /// <summary>Notes that bucket b's gradients may change until the backward of <paramref name="entry"/> has run
    /// (every bucket's, for a parameter that is no trainable gradient's: the safe side).</summary>
    void ITapeObserver.Reads(Parameter parameter, int entry)
    {
        int b = _buckets!.BucketOf(parameter);
        if (b >= 0) _finalAfter[b] = Math.Min(_finalAfter[b], entry);
        else for (b = 0; b < _finalAfter.Length; b++) _finalAfter[b] = Math.Min(_finalAfter[b], entry);
    }

    /// <summary>Sends the buckets, in order, that are final once <paramref name="entry"/>'s backward has run, and lets
    /// the ones sent progress.</summary>
    void ITapeObserver.BackwardRan(int entry)
    {
        while (_sent < _finalAfter.Length && _finalAfter[_sent] >= entry) Send(_sent, present: true);
        while (_tested < _sent && _world.Test(ref _requests[_tested])) _tested++;
    }

    /// <summary>This rank back-propagated a loss in the current round (its gradients hold it).</summary>
    public void MarkGradient() => _present = true;

    /// <summary>What this rank did with its micro-batch of round <paramref name="round"/>.</summary>
    public void Record(int round, MicroBatchRecord record) => _records[round] = record;

    /// <summary>Ends a round: sends the buckets not sent yet, waits for every rank's buckets and adds the present ones
    /// into the total in rank order; zeroes this rank's gradients.</summary>
    /// <param name="what">Names the round in the watchdog's message.</param>
    public void EndRound(string what)
    {
        var buckets = _buckets!;
        while (_sent < buckets.Count) Send(_sent, _present);
        bool roundPresent = false;
        for (int b = 0; b < buckets.Count; b++)
        {
            _world.Wait(ref _requests[b], buckets.Count == 1 ? what : $"{what} (bucket {b + 1} of {buckets.Count})");
            int start = buckets.Start(b), length = buckets.Length(b);
            var total = _total.AsSpan(start, length);
            bool hasTotal = _hasTotal;
            for (int rank = 0; rank < _world.Size; rank++)
            {
                var part = _receive.AsSpan(_world.Size * (start + b) + rank * (length + 1), length + 1);
                if (part[length] == 0) continue;
                if (hasTotal) TensorPrimitives.Add(total, part[..length], total);
                else part[..length].CopyTo(total);
                hasTotal = roundPresent = true;
            }
        }
        _hasTotal |= roundPresent;
        if (_present) _backend.Zero(buckets.All);
        _present = false;
        (_sent, _tested) = (0, 0);
    }

    /// <summary>Packs bucket b (this rank's gradients, or zeros when it has none this round, then the flag) and starts
    /// its all-gather.</summary>
    private void Send(int b, bool present)
    {
        var buckets = _buckets!;
        int start = buckets.Start(b) + b, length = buckets.Length(b);
        var send = _send.AsSpan(start, length + 1);
        int offset = 0;
        foreach (var g in buckets.Gradients(b))
        {
            if (present) g.Span.CopyTo(send[offset..]);
            else send.Slice(offset, (int)g.Count).Clear();
            offset += (int)g.Count;
        }
        send[length] = present ? 1 : 0;
        _requests[b] = _world.StartAllGather(MemoryMarshal.AsBytes(send),
            MemoryMarshal.AsBytes(_receive.AsSpan(_world.Size * start, _world.Size * (length + 1))));
        _sent++;
    }

    /// <summary>Ends the step after its last round: writes the total into the gradients (they stay zero when no rank
    /// back-propagated anything), gathers every rank's records with its losses and returns them in micro-batch order.</summary>
    /// <param name="microBatches">The step's micro-batches (as given to <see cref="Begin"/>).</param>
    /// <param name="losses">This rank's recorded losses, in the order of its micro-batches that recorded one.</param>
    /// <param name="auxiliaryLosses">This rank's recorded auxiliary losses, in the same order.</param>
    /// <param name="what">Names the step in the watchdog's message.</param>
    public MicroBatchRecord[] Finish(int microBatches, ReadOnlySpan<float> losses, ReadOnlySpan<float> auxiliaryLosses, string what)
    {
        var buckets = _buckets!;
        if (_hasTotal)
            for (int b = 0; b < buckets.Count; b++)
            {
                int offset = buckets.Start(b);
                foreach (var g in buckets.Gradients(b))
                {
                    _total.AsSpan(offset, (int)g.Count).CopyTo(g.Span);
                    offset += (int)g.Count;
                }
            }
        int loss = 0, auxiliary = 0;
        for (int round = 0; round < _rounds; round++)
        {
            var r = _records[round];
            _records[round] = r with { Loss = r.HasLoss ? losses[loss++] : 0, Auxiliary = r.HasAuxiliary ? auxiliaryLosses[auxiliary++] : 0 };
        }
        _world.AllGather<MicroBatchRecord>(_records, _gathered, what);
        var ordered = new MicroBatchRecord[microBatches];
        for (int i = 0; i < microBatches; i++) ordered[i] = _gathered[i % _world.Size * _rounds + i / _world.Size];
        return ordered;
    }
}
