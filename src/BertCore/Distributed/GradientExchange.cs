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
/// one per rank. After its micro-batch of a round, each rank packs its gradient (the trainable parameters' Grad, in
/// order, then a flag: 1 when it back-propagated a loss) into one buffer; an all-gather gives every rank all N
/// buffers, which it adds into the running total in rank order (the total starts as the first present buffer), then
/// zeroes its gradients for the next round. Host memory (the CPU backend): P + 1 floats sent, N × (P + 1) received,
/// P for the total, P being the trainable parameters' element count.
/// </summary>
public sealed class GradientExchange
{
    private readonly ICommunicator _world;
    private readonly IBackend _backend;
    private readonly List<Tensor> _gradients = new();
    private float[] _send = [], _receive = [], _total = [];
    private MicroBatchRecord[] _records = [], _gathered = [];
    private int _count, _rounds;
    private bool _hasTotal, _present;

    public GradientExchange(ICommunicator world, IBackend backend)
    {
        _world = world;
        _backend = backend;
    }

    /// <summary>Starts a step of <paramref name="microBatches"/> micro-batches over the gradients of
    /// <paramref name="trainable"/> (host tensors).</summary>
    public void Begin(int microBatches, IReadOnlyList<Parameter> trainable)
    {
        _gradients.Clear();
        long count = 0;
        foreach (var p in trainable)
        {
            if (p.Grad.Device != DeviceKind.Cpu) throw new InvalidOperationException("data-parallel training runs on the CPU backend only");
            _gradients.Add(p.Grad);
            count += p.Grad.Count;
        }
        _count = checked((int)count);
        if (_send.Length != _count + 1)
        {
            _send = new float[_count + 1];
            _receive = new float[checked((long)(_count + 1) * _world.Size)];
            _total = new float[_count];
        }
        _rounds = (microBatches + _world.Size - 1) / _world.Size;
        if (_records.Length != _rounds)
        {
            _records = new MicroBatchRecord[_rounds];
            _gathered = new MicroBatchRecord[_rounds * _world.Size];
        }
        Array.Clear(_records);
        _hasTotal = _present = false;
    }

    /// <summary>This rank back-propagated a loss in the current round (its gradients hold it).</summary>
    public void MarkGradient() => _present = true;

    /// <summary>What this rank did with its micro-batch of round <paramref name="round"/>.</summary>
    public void Record(int round, MicroBatchRecord record) => _records[round] = record;

    /// <summary>Ends a round: gathers every rank's gradient and adds the present ones into the total in rank order;
    /// zeroes this rank's gradients.</summary>
    /// <param name="what">Names the round in the watchdog's message.</param>
    public void EndRound(string what)
    {
        int offset = 0;
        foreach (var g in _gradients)
        {
            if (_present) g.Span.CopyTo(_send.AsSpan(offset));
            else _send.AsSpan(offset, (int)g.Count).Clear();
            offset += (int)g.Count;
        }
        _send[_count] = _present ? 1 : 0;
        _world.AllGather<float>(_send, _receive, what);
        for (int rank = 0; rank < _world.Size; rank++)
        {
            var part = _receive.AsSpan(rank * (_count + 1), _count + 1);
            if (part[_count] == 0) continue;
            if (_hasTotal) TensorPrimitives.Add(_total, part[.._count], _total);
            else part[.._count].CopyTo(_total);
            _hasTotal = true;
        }
        if (_present) _backend.Zero(_gradients);
        _present = false;
    }

    /// <summary>Ends the step after its last round: writes the total into the gradients (they stay zero when no rank
    /// back-propagated anything), gathers every rank's records with its losses and returns them in micro-batch order.</summary>
    /// <param name="microBatches">The step's micro-batches (as given to <see cref="Begin"/>).</param>
    /// <param name="losses">This rank's recorded losses, in the order of its micro-batches that recorded one.</param>
    /// <param name="auxiliaryLosses">This rank's recorded auxiliary losses, in the same order.</param>
    /// <param name="what">Names the step in the watchdog's message.</param>
    public MicroBatchRecord[] Finish(int microBatches, ReadOnlySpan<float> losses, ReadOnlySpan<float> auxiliaryLosses, string what)
    {
        if (_hasTotal)
        {
            int offset = 0;
            foreach (var g in _gradients)
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
