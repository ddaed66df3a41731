using BertCore.Backends;
using BertCore.Tensors;

namespace BertCore.Autograd;

public sealed partial class Graph
{
    /// <summary>Exact GELU, x · Φ(x). Any shape.</summary>
    public Tensor Gelu(Tensor x)
    {
        var y = NewLike(x);
        Backend.Gelu(x, y);
        if (Tracks(x)) Record(_gelus, y, new GeluSaved(x));
        return y;
    }

    /// <summary>What Gelu's backward needs: its input x.</summary>
    private readonly record struct GeluSaved(Tensor X) : ISavedOp<GeluSaved>
    {
        public static void Backward(Graph graph, Tensor output, in GeluSaved s)
        {
            var dx = graph.GradOf(s.X);
            if (dx != null) graph.Backend.GeluBackward(s.X, output.Grad!, dx);
        }
    }

    private readonly TapeSlots<GeluSaved> _gelus = new();

    /// <summary>tanh(x). Any shape.</summary>
    public Tensor Tanh(Tensor x)
    {
        var y = NewLike(x);
        Backend.Tanh(x, y);
        if (Tracks(x)) Record(_tanhs, y, new TanhSaved(x));
        return y;
    }

    /// <summary>What Tanh's backward needs besides its output: the input x (for its gradient).</summary>
    private readonly record struct TanhSaved(Tensor X) : ISavedOp<TanhSaved>
    {
        public static void Backward(Graph graph, Tensor output, in TanhSaved s)
        {
            var dx = graph.GradOf(s.X);
            if (dx != null) graph.Backend.TanhBackward(output, output.Grad!, dx);
        }
    }

    private readonly TapeSlots<TanhSaved> _tanhs = new();

    /// <summary>alpha · a + beta · b, same shapes (a residual connection is Add(x, sublayer)).</summary>
    public Tensor Add(Tensor a, Tensor b, float alpha = 1f, float beta = 1f)
    {
        RequireSameShape(a, b, "Add");
        var y = NewLike(a);
        Backend.Add(a, b, y, alpha, beta);
        if (Tracks(a, b)) Record(_adds, y, new AddSaved(a, b, alpha, beta));
        return y;
    }

    /// <summary>What Add's backward needs: the inputs a and b (for their gradients) and their coefficients.</summary>
    private readonly record struct AddSaved(Tensor A, Tensor B, float Alpha, float Beta) : ISavedOp<AddSaved>
    {
        public static void Backward(Graph graph, Tensor output, in AddSaved s)
        {
            var dy = output.Grad!;
            var da = graph.GradOf(s.A);
            if (da != null) graph.Backend.AddInto(dy, da, s.Alpha);
            var db = graph.GradOf(s.B);
            if (db != null) graph.Backend.AddInto(dy, db, s.Beta);
        }
    }

    private readonly TapeSlots<AddSaved> _adds = new();

    /// <summary>a ⊙ b, same shapes.</summary>
    public Tensor Mul(Tensor a, Tensor b)
    {
        RequireSameShape(a, b, "Mul");
        var y = NewLike(a);
        Backend.Mul(a, b, y);
        if (Tracks(a, b)) Record(_muls, y, new MulSaved(a, b));
        return y;
    }

    /// <summary>What Mul's backward needs: both factors.</summary>
    private readonly record struct MulSaved(Tensor A, Tensor B) : ISavedOp<MulSaved>
    {
        public static void Backward(Graph graph, Tensor output, in MulSaved s)
        {
            var dy = output.Grad!;
            var da = graph.GradOf(s.A);
            if (da != null) graph.Backend.MulAddInto(dy, s.B, da);
            var db = graph.GradOf(s.B);
            if (db != null) graph.Backend.MulAddInto(dy, s.A, db);
        }
    }

    private readonly TapeSlots<MulSaved> _muls = new();

    /// <summary>alpha · x.</summary>
    public Tensor Scale(Tensor x, float alpha)
    {
        var y = NewLike(x);
        Backend.Scale(x, alpha, y);
        if (Tracks(x)) Record(_scales, y, new ScaleSaved(x, alpha));
        return y;
    }

    /// <summary>What Scale's backward needs: the input x (for its gradient) and the factor.</summary>
    private readonly record struct ScaleSaved(Tensor X, float Alpha) : ISavedOp<ScaleSaved>
    {
        public static void Backward(Graph graph, Tensor output, in ScaleSaved s)
        {
            var dx = graph.GradOf(s.X);
            if (dx != null) graph.Backend.AddInto(output.Grad!, dx, s.Alpha);
        }
    }

    private readonly TapeSlots<ScaleSaved> _scales = new();

    /// <summary>Dropout with probability p in training mode; the identity (no copy) otherwise.</summary>
    public Tensor Dropout(Tensor x, float p)
    {
        if (!Training || p <= 0f) return x;
        if (p >= 1f) throw new ArgumentOutOfRangeException(nameof(p), $"dropout probability {p} must be below 1");
        var drop = new Backends.Dropout(p, Seed, NextRngOffset(x.Count));
        var y = NewLike(x);
        Backend.Dropout(x, drop, y);
        if (Tracks(x)) Record(_dropouts, y, new DropoutSaved(x, drop));
        return y;
    }

    /// <summary>What Dropout's backward needs: the input x (for its gradient) and the probability and RNG position drawn.</summary>
    private readonly record struct DropoutSaved(Tensor X, Backends.Dropout Dropout) : ISavedOp<DropoutSaved>
    {
        public static void Backward(Graph graph, Tensor output, in DropoutSaved s)
        {
            var dx = graph.GradOf(s.X);
            if (dx != null) graph.Backend.DropoutBackward(output.Grad!, s.Dropout, dx);
        }
    }

    private readonly TapeSlots<DropoutSaved> _dropouts = new();
}
