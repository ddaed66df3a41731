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
        if (Tracks(x)) Record(OpCode.Gelu, y).T0 = x;   // T0 = x
        return y;
    }

    private void GeluBackward(ref TapeEntry e)
    {
        var dx = GradOf(e.T0);
        if (dx != null) Backend.GeluBackward(e.T0!, e.Out.Grad!, dx);
    }

    /// <summary>tanh(x). Any shape.</summary>
    public Tensor Tanh(Tensor x)
    {
        var y = NewLike(x);
        Backend.Tanh(x, y);
        if (Tracks(x)) Record(OpCode.Tanh, y).T0 = x;   // T0 = x; backward uses the output
        return y;
    }

    private void TanhBackward(ref TapeEntry e)
    {
        var dx = GradOf(e.T0);
        if (dx != null) Backend.TanhBackward(e.Out, e.Out.Grad!, dx);
    }

    /// <summary>alpha · a + beta · b, same shapes (a residual connection is Add(x, sublayer)).</summary>
    public Tensor Add(Tensor a, Tensor b, float alpha = 1f, float beta = 1f)
    {
        RequireSameShape(a, b, "Add");
        var y = NewLike(a);
        Backend.Add(a, b, y, alpha, beta);
        if (Tracks(a, b))
        {
            // T0 = a, T1 = b; F0 = alpha, F1 = beta
            ref var e = ref Record(OpCode.Add, y);
            e.T0 = a; e.T1 = b; e.F0 = alpha; e.F1 = beta;
        }
        return y;
    }

    private void AddBackward(ref TapeEntry e)
    {
        var dy = e.Out.Grad!;
        var da = GradOf(e.T0);
        if (da != null) Backend.AddInto(dy, da, e.F0);
        var db = GradOf(e.T1);
        if (db != null) Backend.AddInto(dy, db, e.F1);
    }

    /// <summary>a ⊙ b, same shapes.</summary>
    public Tensor Mul(Tensor a, Tensor b)
    {
        RequireSameShape(a, b, "Mul");
        var y = NewLike(a);
        Backend.Mul(a, b, y);
        if (Tracks(a, b))
        {
            // T0 = a, T1 = b
            ref var e = ref Record(OpCode.Mul, y);
            e.T0 = a; e.T1 = b;
        }
        return y;
    }

    private void MulBackward(ref TapeEntry e)
    {
        var dy = e.Out.Grad!;
        var da = GradOf(e.T0);
        if (da != null) Backend.MulAddInto(dy, e.T1!, da);
        var db = GradOf(e.T1);
        if (db != null) Backend.MulAddInto(dy, e.T0!, db);
    }

    /// <summary>alpha · x.</summary>
    public Tensor Scale(Tensor x, float alpha)
    {
        var y = NewLike(x);
        Backend.Scale(x, alpha, y);
        if (Tracks(x))
        {
            // T0 = x; F0 = alpha
            ref var e = ref Record(OpCode.Scale, y);
            e.T0 = x; e.F0 = alpha;
        }
        return y;
    }

    private void ScaleBackward(ref TapeEntry e)
    {
        var dx = GradOf(e.T0);
        if (dx != null) Backend.AddInto(e.Out.Grad!, dx, e.F0);
    }

    /// <summary>Dropout with probability p in training mode; the identity (no copy) otherwise.</summary>
    public Tensor Dropout(Tensor x, float p)
    {
        if (!Training || p <= 0f) return x;
        if (p >= 1f) throw new ArgumentOutOfRangeException(nameof(p), $"dropout probability {p} must be below 1");
        var drop = new Backends.Dropout(p, Seed, NextRngOffset(x.Count));
        var y = NewLike(x);
        Backend.Dropout(x, drop, y);
        if (Tracks(x))
        {
            // T0 = x; Drop = probability and RNG position
            ref var e = ref Record(OpCode.Dropout, y);
            e.T0 = x; e.Drop = drop;
        }
        return y;
    }

    private void DropoutBackward(ref TapeEntry e)
    {
        var dx = GradOf(e.T0);
        if (dx != null) Backend.DropoutBackward(e.Out.Grad!, e.Drop, dx);
    }
}
