using BertCore.Backends;
using BertCore.Tensors;

namespace BertCore.Training;

/// <summary>What <see cref="LossReadback.Read"/> brought back: the gradient norm (NaN when none was given), the sums
/// (in double, in recording order) of the losses and of the auxiliary losses, and the first loss that is not finite
/// (null when all are).</summary>
public readonly record struct ReadLosses(double Norm, double LossSum, double AuxiliaryLossSum, float? FirstNonFiniteLoss);

/// <summary>
/// The losses of one training step, kept on the device as each forward makes them (<see cref="Record"/>, a device
/// copy) and read back at the end of the step together with the gradient norm: one read-back (a synchronization)
/// per step. Its buffer is [2 + 2·capacity]: the norm and clipping factor, the losses, the auxiliary losses; it grows
/// when a step records more losses than it has room for.
/// </summary>
public sealed class LossReadback : IDisposable
{
    private readonly IBackend _backend;
    private readonly List<Tensor> _retired = new();   // buffers outgrown during this step, disposed after its read-back
    private Tensor _buffer = null!;                    // [2 + 2·capacity]
    private float[] _host = [];
    private int _capacity, _losses, _auxiliaryLosses;

    public LossReadback(IBackend backend)
    {
        _backend = backend;
        Reserve(1);
    }

    /// <summary>Losses recorded since the last <see cref="Clear"/> or <see cref="Read"/>.</summary>
    public int Count => _losses;

    /// <summary>The recorded losses [Count] on the device (null when none): what the clipper checks for finiteness.</summary>
    public Tensor? Losses => _losses > 0 ? _buffer.SliceRows(2, _losses) : null;

    /// <summary>Forgets the recorded losses (a step that threw before its read-back).</summary>
    public void Clear() => _losses = _auxiliaryLosses = 0;

    /// <summary>Queues a copy of a micro-batch's loss [1].</summary>
    public void Record(Tensor loss)
    {
        Reserve(_losses + 1);
        _backend.Copy(loss, _buffer.SliceRows(2 + _losses++, 1));
    }

    /// <summary>Queues a copy of an auxiliary loss [1] (reported, not checked).</summary>
    public void RecordAuxiliary(Tensor loss)
    {
        Reserve(_auxiliaryLosses + 1);
        _backend.Copy(loss, _buffer.SliceRows(2 + _capacity + _auxiliaryLosses++, 1));
    }

    /// <summary>Waits for the queued copies and reads the recorded losses [Count] and auxiliary losses (as many as were
    /// recorded) back, keeping them recorded.</summary>
    public (float[] Losses, float[] AuxiliaryLosses) Peek()
    {
        _backend.Download(_buffer, _host);
        return (_host.AsSpan(2, _losses).ToArray(), _host.AsSpan(2 + _capacity, _auxiliaryLosses).ToArray());
    }

    /// <summary>Replaces the recorded losses with <paramref name="losses"/> and <paramref name="auxiliaryLosses"/>
    /// (a data-parallel step's losses of every rank, in micro-batch order).</summary>
    public void Replace(ReadOnlySpan<float> losses, ReadOnlySpan<float> auxiliaryLosses)
    {
        Reserve(Math.Max(losses.Length, auxiliaryLosses.Length));
        Array.Clear(_host);
        losses.CopyTo(_host.AsSpan(2));
        auxiliaryLosses.CopyTo(_host.AsSpan(2 + _capacity));
        _backend.Upload(_host, _buffer);
        (_losses, _auxiliaryLosses) = (losses.Length, auxiliaryLosses.Length);
    }

    /// <summary>Copies <paramref name="normAndScale"/> ([2] on the device, optional) next to the losses, waits for the
    /// queued work and reads everything back at once; then forgets the recorded losses.</summary>
    public ReadLosses Read(Tensor? normAndScale)
    {
        if (normAndScale != null) _backend.Copy(normAndScale, _buffer.SliceRows(0, 2));
        int losses = _losses, auxiliaryLosses = _auxiliaryLosses;
        Clear();
        _backend.Download(_buffer, _host);
        foreach (var t in _retired) t.Dispose();
        _retired.Clear();
        double lossSum = 0, auxiliarySum = 0;
        float? nonFinite = null;
        for (int i = 0; i < losses; i++)
        {
            float loss = _host[2 + i];
            if (!float.IsFinite(loss))
            {
                nonFinite = loss;
                break;
            }
            lossSum += loss;
        }
        for (int i = 0; i < auxiliaryLosses; i++) auxiliarySum += _host[2 + _capacity + i];
        return new ReadLosses(normAndScale != null ? _host[0] : double.NaN, lossSum, auxiliarySum, nonFinite);
    }

    /// <summary>Room for <paramref name="losses"/> losses and as many auxiliary losses: when there is not, a larger
    /// buffer with the step's recorded losses copied over; the old one is disposed after the step's read-back, when
    /// no queued copy can still read it.</summary>
    private void Reserve(int losses)
    {
        if (losses <= _capacity) return;
        int capacity = Math.Max(losses, 2 * _capacity);
        var buffer = new Tensor(_backend.Allocate((2 + 2 * capacity) * sizeof(float)), 0, new Shape(2 + 2 * capacity), DType.F32, ownsStorage: true);
        _backend.Zero(buffer);
        if (_capacity > 0)
        {
            if (_losses > 0) _backend.Copy(_buffer.SliceRows(2, _losses), buffer.SliceRows(2, _losses));
            if (_auxiliaryLosses > 0) _backend.Copy(_buffer.SliceRows(2 + _capacity, _auxiliaryLosses), buffer.SliceRows(2 + capacity, _auxiliaryLosses));
            _retired.Add(_buffer);
        }
        _buffer = buffer;
        _capacity = capacity;
        _host = new float[2 + 2 * capacity];
    }

    public void Dispose()
    {
        _buffer.Dispose();
        foreach (var t in _retired) t.Dispose();
    }
}
