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
        if (Tracks(x, gamma, beta)) Record(_layerNorms, y, new LayerNormSaved(x, gamma, beta, mean, rstd));
        return y;
    }

    /// <summary>What LayerNorm's backward needs: x [..., C], gamma and beta [C], and the row statistics mean, rstd [R].</summary>
    private readonly record struct LayerNormSaved(Tensor X, Tensor Gamma, Tensor Beta, Tensor Mean, Tensor Rstd) : ISavedOp<LayerNormSaved>
    {
        public static void Backward(Graph graph, Tensor output, in LayerNormSaved s) =>
            graph.Backend.LayerNormBackward(output.Grad!, s.X, s.Gamma, s.Mean, s.Rstd, graph.GradOf(s.X), graph.GradOf(s.Gamma), graph.GradOf(s.Beta));
    }

    private readonly TapeSlots<LayerNormSaved> _layerNorms = new();

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
        if (Tracks(x, residual, gamma, beta)) Record(_addLayerNorms, y, new AddLayerNormSaved(x, residual, gamma, beta, mean, rstd));
        return y;
    }

    /// <summary>What AddLayerNorm's backward needs: x and residual [..., C], gamma and beta [C], and the row statistics
    /// mean, rstd [R] of their sum.</summary>
    private readonly record struct AddLayerNormSaved(Tensor X, Tensor Residual, Tensor Gamma, Tensor Beta, Tensor Mean, Tensor Rstd)
        : ISavedOp<AddLayerNormSaved>
    {
        public static void Backward(Graph graph, Tensor output, in AddLayerNormSaved s) =>
            graph.Backend.AddLayerNormBackward(output.Grad!, s.X, s.Residual, s.Gamma, s.Mean, s.Rstd,
                graph.GradOf(s.X), graph.GradOf(s.Residual), graph.GradOf(s.Gamma), graph.GradOf(s.Beta));
    }

    private readonly TapeSlots<AddLayerNormSaved> _addLayerNorms = new();

    /// <summary>Softmax over the last dimension (max subtracted): x [..., C]; y like x.</summary>
    public Tensor Softmax(Tensor x)
    {
        var y = NewLike(x);
        Backend.Softmax(x, y);
        if (Tracks(x)) Record(_softmaxes, y, new SoftmaxSaved(x));
        return y;
    }

    /// <summary>What Softmax's backward needs besides its output y: the input x (for its gradient).</summary>
    private readonly record struct SoftmaxSaved(Tensor X) : ISavedOp<SoftmaxSaved>
    {
        public static void Backward(Graph graph, Tensor output, in SoftmaxSaved s)
        {
            var dx = graph.GradOf(s.X);
            if (dx != null) graph.Backend.SoftmaxBackward(output, output.Grad!, dx);
        }
    }

    private readonly TapeSlots<SoftmaxSaved> _softmaxes = new();
}
