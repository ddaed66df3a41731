using BertCore.Tensors;

namespace BertCore.Autograd;

public sealed partial class Graph
{
    /// <summary>
    /// y = x · Wᵀ + b, optionally followed by exact GELU: x [..., K], weight [N, K] (Hugging Face layout
    /// [out, in]), bias [N] or null; y [..., N].
    /// </summary>
    public Tensor Linear(Tensor x, Tensor weight, Tensor? bias, bool gelu = false)
    {
        int k = x.Shape.Last, n = weight.Shape[0];
        if (weight.Shape.Rank != 2 || weight.Shape[1] != k)
            throw new ArgumentException($"Linear: input {x.Shape} does not match weight {weight.Shape} ([out, in])");
        if (bias != null && (bias.Shape.Rank != 1 || bias.Shape[0] != n))
            throw new ArgumentException($"Linear: bias {bias.Shape} does not match weight {weight.Shape}");
        var outShape = x.Shape.With(-1, n);
        int rows = checked((int)x.Shape.Rows);
        var x2 = Arena.View(x, new Shape(rows, k));
        var pre = Arena.Allocate(outShape);
        var pre2 = Arena.View(pre, new Shape(rows, n));
        Tensor y = pre;
        if (gelu)
        {
            y = Arena.Allocate(outShape);
            Backend.MatMul(x2, false, weight, true, pre2, bias, 0f, Arena.View(y, new Shape(rows, n)));
        }
        else
        {
            Backend.MatMul(x2, false, weight, true, pre2, bias);
        }
        if (Tracks(x, weight, bias)) Record(_linears, y, new LinearSaved(x, weight, bias, gelu ? pre2 : null));
        return y;
    }

    /// <summary>What Linear's backward needs: x [..., K] (not its [R, K] view, which carries no gradient), weight [N, K],
    /// bias [N] or null, and the pre-activation [R, N] when GELU followed (null otherwise).</summary>
    private readonly record struct LinearSaved(Tensor X, Tensor Weight, Tensor? Bias, Tensor? PreActivation) : ISavedOp<LinearSaved>
    {
        public static void Backward(Graph graph, Tensor output, in LinearSaved state) => graph.LinearBackward(output, state);
    }

    private readonly TapeSlots<LinearSaved> _linears = new();

    private void LinearBackward(Tensor output, in LinearSaved s)
    {
        Tensor x = s.X, w = s.Weight;
        int rows = checked((int)x.Shape.Rows), n = w.Shape[0];
        var x2 = Arena.View(x, new Shape(rows, x.Shape.Last));
        var dy = Arena.View(output.Grad!, new Shape(rows, n));
        if (s.PreActivation != null)
        {
            var dPre = Arena.Allocate(new Shape(rows, n), DType.F32, zero: true);
            Backend.GeluBackward(s.PreActivation, dy, dPre);
            dy = dPre;
        }
        var dx = GradOf(x);
        if (dx != null) Backend.MatMul(dy, false, w, false, Arena.View(dx, x2.Shape), beta: 1f);  // dx += dy · W
        var dw = GradOf(w);
        if (dw != null) Backend.MatMul(dy, true, x2, false, dw, beta: 1f);                         // dW += dyᵀ · x
        var db = GradOf(s.Bias);
        if (db != null) Backend.SumRowsInto(dy, db);
    }

    /// <summary>
    /// c = op(a) · op(b), batched over leading dimensions: a [batch..., M, K] (or [..., K, M] when transA),
    /// b [batch..., K, N] (or [..., N, K] when transB); c [batch..., M, N].
    /// </summary>
    public Tensor MatMul(Tensor a, Tensor b, bool transA = false, bool transB = false)
    {
        if (a.Shape.Rank < 2 || b.Shape.Rank != a.Shape.Rank)
            throw new ArgumentException($"MatMul: operands {a.Shape} and {b.Shape} need the same rank ≥ 2");
        int m = transA ? a.Shape[-1] : a.Shape[-2];
        int n = transB ? b.Shape[-2] : b.Shape[-1];
        var c = Arena.Allocate(a.Shape.With(-2, m).With(-1, n));
        Backend.MatMul(a, transA, b, transB, c);
        if (Tracks(a, b)) Record(_matMuls, c, new MatMulSaved(a, b, transA, transB));
        return c;
    }

    /// <summary>What MatMul's backward needs: a [batch..., M, K] and b [batch..., K, N] as given, and their transposes.</summary>
    private readonly record struct MatMulSaved(Tensor A, Tensor B, bool TransA, bool TransB) : ISavedOp<MatMulSaved>
    {
        public static void Backward(Graph graph, Tensor output, in MatMulSaved state) => graph.MatMulBackward(output, state);
    }

    private readonly TapeSlots<MatMulSaved> _matMuls = new();

    private void MatMulBackward(Tensor output, in MatMulSaved s)
    {
        Tensor a = s.A, b = s.B, dc = output.Grad!;
        bool ta = s.TransA, tb = s.TransB;
        var da = GradOf(a);
        if (da != null)
        {
            if (!ta) Backend.MatMul(dc, false, b, !tb, da, beta: 1f);   // dA = dC · op(B)ᵀ
            else Backend.MatMul(b, tb, dc, true, da, beta: 1f);        // dA = op(B) · dCᵀ
        }
        var db = GradOf(b);
        if (db != null)
        {
            if (!tb) Backend.MatMul(a, !ta, dc, false, db, beta: 1f);  // dB = op(A)ᵀ · dC
            else Backend.MatMul(dc, true, a, ta, db, beta: 1f);        // dB = dCᵀ · op(A)
        }
    }
}
