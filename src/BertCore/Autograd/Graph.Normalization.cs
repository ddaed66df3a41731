using BertCore.Tensors;

namespace BertCore.Autograd;

public sealed partial class Graph
{
    /// <summary>LayerNorm over the last dimension: x [..., C], gamma and beta [C]; y like x.</summary>
    public Tensor LayerNorm(Tensor x, Tensor gamma, Tensor beta, float eps)
    {
        int c = x.Shape.Last;
        if (gamma.Count != c || beta.Count != c)
            throw new ArgumentException($"LayerNorm: gamma {gamma.Shape} / beta {beta.Shape} do not match input {x.Shape}");
        int rows = checked((int)x.Shape.Rows);
        var y = NewLike(x);
        var mean = Arena.Allocate(rows);
        var rstd = Arena.Allocate(rows);
        Backend.LayerNorm(x, gamma, beta, eps, y, mean, rstd);
        if (Tracks(x, gamma, beta))
        {
            // T0 = x, T1 = gamma, T2 = beta, T3 = mean [R], T4 = rstd [R]
            ref var e = ref Record(OpCode.LayerNorm, y);
            e.T0 = x; e.T1 = gamma; e.T2 = beta; e.T3 = mean; e.T4 = rstd;
        }
        return y;
    }

    private void LayerNormBackward(ref TapeEntry e) =>
        Backend.LayerNormBackward(e.Out.Grad!, e.T0!, e.T1!, e.T3!, e.T4!, GradOf(e.T0), GradOf(e.T1), GradOf(e.T2));

    /// <summary>
    /// LayerNorm(x + residual), fused: the residual connection of a post-LN transformer layer in one pass, without
    /// storing the sum. x, residual [..., C] (same shape), gamma and beta [C]; y like x.
    /// </summary>
    public Tensor AddLayerNorm(Tensor x, Tensor residual, Tensor gamma, Tensor beta, float eps)
    {
        RequireSameShape(x, residual, "AddLayerNorm");
        int c = x.Shape.Last;
        if (gamma.Count != c || beta.Count != c)
            throw new ArgumentException($"AddLayerNorm: gamma {gamma.Shape} / beta {beta.Shape} do not match input {x.Shape}");
        int rows = checked((int)x.Shape.Rows);
        var y = NewLike(x);
        var mean = Arena.Allocate(rows);
        var rstd = Arena.Allocate(rows);
        Backend.AddLayerNorm(x, residual, gamma, beta, eps, y, mean, rstd);
        if (Tracks(x, residual, gamma) || Tracks(beta))
        {
            // T0 = x, T1 = residual, T2 = gamma, T3 = beta, T4 = mean [R], T5 = rstd [R]
            ref var e = ref Record(OpCode.AddLayerNorm, y);
            e.T0 = x; e.T1 = residual; e.T2 = gamma; e.T3 = beta; e.T4 = mean; e.T5 = rstd;
        }
        return y;
    }

    private void AddLayerNormBackward(ref TapeEntry e) =>
        Backend.AddLayerNormBackward(e.Out.Grad!, e.T0!, e.T1!, e.T2!, e.T4!, e.T5!,
            GradOf(e.T0), GradOf(e.T1), GradOf(e.T2), GradOf(e.T3));

    /// <summary>Softmax over the last dimension (max subtracted): x [..., C]; y like x.</summary>
    public Tensor Softmax(Tensor x)
    {
        var y = NewLike(x);
        Backend.Softmax(x, y);
        if (Tracks(x))
        {
            // T0 = x; the output y is what backward needs
            ref var e = ref Record(OpCode.Softmax, y);
            e.T0 = x;
        }
        return y;
    }

    private void SoftmaxBackward(ref TapeEntry e)
    {
        var dx = GradOf(e.T0);
        if (dx != null) Backend.SoftmaxBackward(e.Out, e.Out.Grad!, dx);
    }
}
