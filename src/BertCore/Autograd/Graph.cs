using BertCore.Backends;
using BertCore.Tensors;

namespace BertCore.Autograd;

/// <summary>
/// Runs ops on a backend and records them on a tape for <see cref="Backward"/>. Outputs come from the graph's
/// per-step <see cref="Arena"/>; call <see cref="Reset"/> at the end of each step to free them. One graph per
/// thread: a graph is not thread-safe, but many graphs may share one model's parameters for inference.
/// </summary>
public sealed partial class Graph : IDisposable
{
    private TapeEntry[] _tape = new TapeEntry[256];
    private int _tapeCount;
    private int _noGradDepth;
    private int[] _hostScratch = [];
    private static readonly float[] s_one = [1f];   // not a literal span: see OneElement

    public Graph(IBackend backend, long arenaBytes = 0)
    {
        Backend = backend;
        Arena = new Arena(backend, arenaBytes);
    }

    public IBackend Backend { get; }
    public Arena Arena { get; }

    /// <summary>Training mode turns dropout on; evaluation mode (false, the default) turns it off.</summary>
    public bool Training { get; set; }

    /// <summary>Seed of the counter RNG used by dropout.</summary>
    public ulong Seed { get; set; }

    /// <summary>Position in the counter RNG stream; advances by the element count of each dropout.
    /// Saved in checkpoints so a resumed run draws the same masks.</summary>
    public ulong RngOffset { get; set; }

    /// <summary>Number of ops recorded since the last backward or reset.</summary>
    public int TapeLength => _tapeCount;

    /// <summary>Told which parameters each recorded op reads and when each entry's backward has run (null: nobody).</summary>
    public ITapeObserver? Observer { get; set; }

    /// <summary>False inside a <see cref="NoGrad"/> scope.</summary>
    public bool IsRecording => _noGradDepth == 0;

    /// <summary>Ops inside the returned scope record nothing and produce tensors without gradients.</summary>
    public NoGradScope NoGrad()
    {
        _noGradDepth++;
        return new NoGradScope(this);
    }

    public readonly struct NoGradScope : IDisposable
    {
        private readonly Graph _graph;
        internal NoGradScope(Graph graph) => _graph = graph;
        public void Dispose() => _graph._noGradDepth--;
    }

    // ---- inputs ----

    /// <summary>An arena tensor holding a copy of host values.</summary>
    public Tensor Input(ReadOnlySpan<float> values, params ReadOnlySpan<int> dims)
    {
        var t = Arena.Allocate(new Shape(dims));
        Backend.Upload(values, t);
        return t;
    }

    /// <summary>An arena int32 tensor (token ids, labels, masks) holding a copy of host values.</summary>
    public Tensor Input(ReadOnlySpan<int> values, params ReadOnlySpan<int> dims)
    {
        var t = Arena.Allocate(new Shape(dims), DType.I32);
        Backend.Upload(values, t);
        return t;
    }

    /// <summary>
    /// A reusable host buffer of <paramref name="count"/> ints for building an index input (positions, gathered
    /// rows) without allocating: fill it, then pass it to <see cref="Input(ReadOnlySpan{int}, ReadOnlySpan{int})"/>.
    /// Valid until the next call; its contents are undefined.
    /// </summary>
    public Span<int> HostScratch(int count)
    {
        if (_hostScratch.Length < count) _hostScratch = new int[Math.Max(count, 2 * _hostScratch.Length)];
        return _hostScratch.AsSpan(0, count);
    }

    /// <summary>A view of x with another shape; gradients flow through it without a copy.</summary>
    public Tensor Reshape(Tensor x, params ReadOnlySpan<int> dims)
    {
        var shape = new Shape(dims);
        if (shape.Count != x.Count) throw new ArgumentException($"cannot reshape {x.Shape} to {shape}");
        var view = Arena.View(x, shape);
        if (Tracks(x))
        {
            view.RequiresGrad = true;
            view.Grad = Arena.View(GradOf(x)!, shape);
        }
        return view;
    }

    // ---- backward ----

    /// <summary>
    /// Adds d(loss)/d(t) into every tensor t that requires a gradient (parameters' <see cref="Parameter.Grad"/>
    /// accumulate across calls until zeroed), then clears the tape. loss must hold one element.
    /// </summary>
    public void Backward(Tensor loss)
    {
        if (loss.Count != 1) throw new ArgumentException($"Backward needs a one-element loss, got {loss.Shape}");
        if (!loss.RequiresGrad) throw new InvalidOperationException("the loss does not depend on any trainable parameter");
        var seed = GradOf(loss)!;
        Backend.Upload(s_one, seed);
        for (int i = _tapeCount - 1; i >= 0; i--)
        {
            var e = _tape[i];
            if (e.Out.Grad != null) e.Slots.Backward(this, e.Out, e.Slot);
            Observer?.BackwardRan(i);
        }
        ClearTape();
    }

    /// <summary>Frees the tape and every arena tensor of this step.</summary>
    public void Reset()
    {
        ClearTape();
        Arena.Reset();
    }

    private void ClearTape()
    {
        for (int i = 0; i < _tapeCount; i++) _tape[i].Slots.Clear();
        Array.Clear(_tape, 0, _tapeCount);
        _tapeCount = 0;
    }

    // ---- helpers for the op files ----

    /// <summary>Whether an op on these inputs must be recorded (and, for the <see cref="Observer"/>, which parameters
    /// it reads: an op that records calls this with every input that gets a gradient, just before it records).</summary>
    private bool Tracks(Tensor? a, Tensor? b = null, Tensor? c = null, Tensor? d = null)
    {
        if (_noGradDepth != 0) return false;
        if (Observer != null)
        {
            NoteRead(a);
            NoteRead(b);
            NoteRead(c);
            NoteRead(d);
        }
        return (a?.RequiresGrad ?? false) || (b?.RequiresGrad ?? false) || (c?.RequiresGrad ?? false) || (d?.RequiresGrad ?? false);
    }

    private void NoteRead(Tensor? t)
    {
        if (t is { RequiresGrad: true, Owner: Parameter p }) Observer!.Reads(p, _tapeCount);
    }

    private Tensor NewLike(Tensor x) => Arena.Allocate(x.Shape);

    /// <summary>Appends an entry for an op whose output requires a gradient, its saved state in the op's slots.</summary>
    private void Record<T>(TapeSlots<T> slots, Tensor output, in T state) where T : struct, ISavedOp<T>
    {
        output.RequiresGrad = true;
        if (_tapeCount == _tape.Length) Array.Resize(ref _tape, _tape.Length * 2);
        _tape[_tapeCount++] = new TapeEntry(slots, output, slots.Add(state));
    }

    /// <summary>The gradient buffer of t (zeroed on first use), or null when t needs none.</summary>
    private Tensor? GradOf(Tensor? t)
    {
        if (t == null || !t.RequiresGrad) return null;
        return t.Grad ??= t.Owner?.Grad ?? Arena.Allocate(t.Shape, DType.F32, zero: true);
    }

    private ulong NextRngOffset(long count)
    {
        ulong offset = RngOffset;
        RngOffset += (ulong)count;
        return offset;
    }

    private static void RequireSameShape(Tensor a, Tensor b, string op)
    {
        if (a.Shape != b.Shape) throw new ArgumentException($"{op}: shapes {a.Shape} and {b.Shape} differ");
    }

    public void Dispose() => Arena.Dispose();
}
