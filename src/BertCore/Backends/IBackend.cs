using BertCore.Tensors;

namespace BertCore.Backends;

/// <summary>
/// The op set: coarse, fused operations, each with its backward. Shapes are given in the comments; "[R, C]" means
/// any tensor viewed as rows of its last dimension. Every backward method ADDS into its gradient outputs
/// (<c>dx += ...</c>) so that a tensor used twice collects both contributions; gradients start at zero.
/// Implementations: <see cref="Cpu.CpuBackend"/> (SIMD), the GPU backend, and <see cref="Reference.ReferenceBackend"/>, the
/// double-precision scalar specification that the others are tested against (tests/BertCore.Tests/Ops, one file per
/// op family: the families are the sections below).
/// </summary>
public interface IBackend : IDisposable
{
    string Name { get; }
    DeviceKind Device { get; }

    // ---- memory ----

    Storage Allocate(long bytes);
    void Zero(Tensor t);
    /// <summary>Sets every tensor to zero (the GPU backend: one launch per storage the tensors live in).</summary>
    void Zero(IReadOnlyList<Tensor> tensors);
    /// <summary>dst = src (same element count).</summary>
    void Copy(Tensor src, Tensor dst);
    void Upload(ReadOnlySpan<float> host, Tensor dst);
    void Upload(ReadOnlySpan<int> host, Tensor dst);
    void Download(Tensor src, Span<float> host);

    /// <summary>Moves tensors into this backend's memory in place (each keeps its identity, so whoever holds it, such as a
    /// parameter, reaches the new memory) unless they are there already. Trainers and <see cref="Inference.TaskModel"/>
    /// adopt the values and gradients of the models they are given (Autograd's ParameterAdoption); host backends have
    /// nothing to move. Saving and loading still work on adopted tensors (<see cref="Storage.CopyToHost"/>).</summary>
    void Adopt(IReadOnlyList<Tensor> tensors) { }

    // ---- matrix multiply ----

    /// <summary>
    /// c = op(a) · op(b) (+ bias) (+ beta · c), then optionally gelu. Batched over leading dimensions:
    /// a [batch..., M, K] ([batch..., K, M] if transA); b [batch..., K, N] ([..., N, K] if transB) or a plain
    /// matrix shared by every batch; c [batch..., M, N]; bias [N] or null. When <paramref name="geluOut"/> is given
    /// ([batch..., M, N]), c keeps the pre-activation and geluOut receives gelu(c).
    /// </summary>
    void MatMul(Tensor a, bool transA, Tensor b, bool transB, Tensor c, Tensor? bias = null, float beta = 0f, Tensor? geluOut = null);

    /// <summary>dbias [N] += column sums of dy [R, N].</summary>
    void SumRowsInto(Tensor dy, Tensor dbias);

    // ---- normalization and softmax ----

    /// <summary>y = (x - mean) / sqrt(var + eps) · gamma + beta over the last dimension.
    /// x, y [R, C]; gamma, beta [C]; saves mean, rstd [R].</summary>
    void LayerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd);

    /// <summary>dx [R, C], dgamma [C], dbeta [C] += gradients of LayerNorm given dy [R, C].</summary>
    void LayerNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor? dx, Tensor? dgamma, Tensor? dbeta);

    /// <summary>The residual form fused: y = LayerNorm(x + residual) in one pass, the sum never stored.
    /// x, residual, y [R, C]; gamma, beta [C]; saves mean, rstd [R] of x + residual.</summary>
    void AddLayerNorm(Tensor x, Tensor residual, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd);

    /// <summary>Backward of <see cref="AddLayerNorm"/>: the gradient g of x + residual (LayerNorm's input
    /// gradient) is added into both dx and dresidual [R, C]; dgamma, dbeta [C] as LayerNorm. Each output may be null.</summary>
    void AddLayerNormBackward(Tensor dy, Tensor x, Tensor residual, Tensor gamma, Tensor mean, Tensor rstd,
        Tensor? dx, Tensor? dresidual, Tensor? dgamma, Tensor? dbeta);

    /// <summary>y = softmax(x) over the last dimension, max subtracted. x, y [R, C].</summary>
    void Softmax(Tensor x, Tensor y);

    /// <summary>dx [R, C] += y · (dy - sum(dy · y)).</summary>
    void SoftmaxBackward(Tensor y, Tensor dy, Tensor dx);

    // ---- attention ----

    /// <summary>
    /// Scaled dot-product attention over interleaved heads: q, k, v, output [B, S, H·D] (head h occupies columns
    /// h·D .. h·D+D-1). scores = q·kᵀ·scale + (mask == 0 ? float.MinValue : 0); probs = softmax(scores); dropout
    /// (p, seed, offset) applied to probs, element (b, h, i, j) at counter offset + ((b·H + h)·S + i)·S + j;
    /// output = dropped probs · v. mask: I32 [B, S] over keys (1 keep, 0 pad) or null. Only
    /// logSumExp [B, H, S] = log Σ_j exp(scores_ij) is saved for backward (no [S, S] probabilities).
    /// </summary>
    void Attention(Tensor q, Tensor k, Tensor v, Tensor? mask, int heads, float scale, Dropout dropout, Tensor output, Tensor logSumExp);

    /// <summary>dq, dk, dv [B, S, H·D] += gradients given dOutput [B, S, H·D], the forward's output [B, S, H·D]
    /// and logSumExp [B, H, S] (the probabilities are rebuilt from them); mask as in the forward.</summary>
    void AttentionBackward(Tensor q, Tensor k, Tensor v, Tensor? mask, Tensor output, Tensor logSumExp, Tensor dOutput, int heads,
        float scale, Dropout dropout, Tensor? dq, Tensor? dk, Tensor? dv);

    /// <summary>
    /// Attention of packed sequences (inference: no mask, no dropout, no backward): q, k, v, output [T, H·D] hold N
    /// sequences back to back, sequence n in rows offsets[n] .. offsets[n+1]-1 (offsets: I32 [N+1], 0 first, T last,
    /// non-decreasing); each query attends to the keys of its own sequence only, with interleaved heads and scores
    /// q·kᵀ·scale as in <see cref="Attention"/>. logSumExp [T·H] holds sequence n's block [H, len_n] from element
    /// H·offsets[n]. Each sequence's output depends on that sequence alone, bit for bit: not on its neighbours.
    /// </summary>
    void PackedAttention(Tensor q, Tensor k, Tensor v, Tensor offsets, int heads, float scale, Tensor output, Tensor logSumExp);

    /// <summary>
    /// <see cref="Attention"/> for inference (no dropout, no backward) with q, k and v the column blocks of one matrix,
    /// the output of one product with the query, key and value weights stacked: qkv [B, S, 3·H·D] holds q in columns
    /// 0 .. H·D-1, k in H·D .. 2·H·D-1 and v in 2·H·D .. 3·H·D-1 of each row. mask I32 [B, S] or null, output
    /// [B, S, H·D] and logSumExp [B, H, S] as in <see cref="Attention"/>; read in place, not copied apart.
    /// </summary>
    void AttentionQkv(Tensor qkv, Tensor? mask, int heads, float scale, Tensor output, Tensor logSumExp);

    /// <summary><see cref="PackedAttention"/> with q, k and v the column blocks of one matrix qkv [T, 3·H·D], laid out
    /// as in <see cref="AttentionQkv"/>; offsets I32 [N+1], output [T, H·D] and logSumExp [T·H] as in PackedAttention.</summary>
    void PackedAttentionQkv(Tensor qkv, Tensor offsets, int heads, float scale, Tensor output, Tensor logSumExp);

    // ---- element-wise ----

    /// <summary>y = gelu(x) = x · Φ(x), exact erf form. x, y any shape.</summary>
    void Gelu(Tensor x, Tensor y);
    /// <summary>dx += dy · gelu'(x).</summary>
    void GeluBackward(Tensor x, Tensor dy, Tensor dx);

    /// <summary>y = tanh(x).</summary>
    void Tanh(Tensor x, Tensor y);
    /// <summary>dx += dy · (1 - y²).</summary>
    void TanhBackward(Tensor y, Tensor dy, Tensor dx);

    /// <summary>y = alpha · a + beta · b (same shapes).</summary>
    void Add(Tensor a, Tensor b, Tensor y, float alpha = 1f, float beta = 1f);
    /// <summary>y = a ⊙ b (same shapes).</summary>
    void Mul(Tensor a, Tensor b, Tensor y);
    /// <summary>y = alpha · x.</summary>
    void Scale(Tensor x, float alpha, Tensor y);
    /// <summary>dx += alpha · dy (same element count).</summary>
    void AddInto(Tensor dy, Tensor dx, float alpha = 1f);
    /// <summary>dx += dy ⊙ other.</summary>
    void MulAddInto(Tensor dy, Tensor other, Tensor dx);
    /// <summary>dx += alpha · dScalar[0] everywhere: the backward of a sum (alpha 1) or mean (alpha 1/n). dScalar [1].</summary>
    void AddScalarInto(Tensor dScalar, Tensor dx, float alpha);

    /// <summary>y = x with elements zeroed with probability p and the rest scaled by 1/(1-p); the mask comes
    /// from the counter RNG at (seed, offset + element index), so backward recomputes it.</summary>
    void Dropout(Tensor x, Dropout dropout, Tensor y);
    /// <summary>dx += dy · mask / (1 - p).</summary>
    void DropoutBackward(Tensor dy, Dropout dropout, Tensor dx);

    // ---- indexing ----

    /// <summary>y[i] = table[index[i]]: table [V, C], index I32 [N], y [N, C]. An out-of-range index throws.</summary>
    void GatherRows(Tensor table, Tensor index, Tensor y);
    /// <summary>dtable[index[i]] += dy[i]: dy [N, C], index I32 [N], dtable [V, C]. Rows whose index equals
    /// <paramref name="paddingIndex"/> add nothing (torch's Embedding padding_idx); -1 skips none.</summary>
    void ScatterAddRows(Tensor dy, Tensor index, Tensor dtable, int paddingIndex = -1);

    // ---- reduction ----

    /// <summary>y [1] = sum of x (times alpha: 1/n gives the mean).</summary>
    void Sum(Tensor x, Tensor y, float alpha = 1f);

    /// <summary>y [1] = sum of x².</summary>
    void SumOfSquares(Tensor x, Tensor y);

    /// <summary>squares[i] = sum of tensors[i]² for every i, each as <see cref="SumOfSquares"/> computes it alone (the
    /// same bits). squares [≥ tensors.Count]. The GPU backend takes one launch per storage the tensors live in.</summary>
    void SumsOfSquares(IReadOnlyList<Tensor> tensors, Tensor squares);

    // ---- loss ----

    /// <summary>
    /// Fused log-softmax + negative log-likelihood. logits [N, V], targets I32 [N] (targets equal to ignoreIndex
    /// are skipped). loss [1] = mean over kept rows (0 when none); logSumExp [N] and keptCount [1] saved for backward.
    /// </summary>
    void CrossEntropy(Tensor logits, Tensor targets, int ignoreIndex, Tensor loss, Tensor logSumExp, Tensor keptCount);

    /// <summary>dlogits [N, V] += dloss[0] · (softmax(logits) - onehot(target)) / keptCount for kept rows.</summary>
    void CrossEntropyBackward(Tensor logits, Tensor targets, int ignoreIndex, Tensor logSumExp, Tensor keptCount, Tensor dloss, Tensor dlogits);

    // ---- optimizer ----

    /// <summary>
    /// Global-norm clipping where the sums live: normAndScale [2] = (‖g‖, s) with ‖g‖ = sqrt of the double sum of
    /// squares [n] (per-parameter sums of squares) and s = min(1, maxNorm / (‖g‖ + 1e-6)) in fp32, torch's
    /// clip_grad_norm_ factor (1 when maxNorm ≤ 0; NaN when ‖g‖ is not finite, so that AdamW skips the update).
    /// A non-finite value among <paramref name="losses"/> [m] (the step's losses, optional) makes s NaN as well.
    /// </summary>
    void ClipScale(Tensor squares, double maxNorm, Tensor normAndScale, Tensor? losses = null);

    /// <summary>One AdamW step for one tensor, exactly torch.optim.AdamW: p -= lr·wd·p; m = β1·m + (1-β1)·g;
    /// v = β2·v + (1-β2)·g²; p -= lr · (m / (1-β1^t)) / (sqrt(v / (1-β2^t)) + eps). g is multiplied by gradScale first,
    /// times deviceScale[0] when given (a [1] tensor of this backend, e.g. <see cref="ClipScale"/>'s factor, read
    /// where it lives: no host read-back); a NaN deviceScale[0] leaves param, m and v unchanged.</summary>
    void AdamW(Tensor param, Tensor grad, Tensor m, Tensor v, in AdamWStep step, Tensor? deviceScale = null);

    /// <summary>One AdamW step for many tensors: for each entry, <see cref="AdamW(Tensor, Tensor, Tensor, Tensor, in AdamWStep, Tensor?)"/>
    /// with groups[entry.Group] (the same bits). The GPU backend takes one launch per combination of storages the
    /// entries' tensors live in: one for a model adopted in one call and one optimizer's moments.</summary>
    void AdamW(IReadOnlyList<AdamWTensors> tensors, IReadOnlyList<AdamWStep> groups, Tensor? deviceScale = null);
}

/// <summary>Dropout settings of one op call: probability and the counter-RNG position.</summary>
public readonly record struct Dropout(float P, ulong Seed, ulong Offset)
{
    public static readonly Dropout None = new(0f, 0, 0);
    public bool Active => P > 0f;
}

/// <summary>Hyper-parameters of one AdamW update (t is the 1-based step number).</summary>
public readonly record struct AdamWStep(float Lr, float Beta1, float Beta2, float Eps, float WeightDecay, int T, float GradScale = 1f);

/// <summary>What one multi-tensor AdamW step updates for one parameter: its value, gradient and moments (the same
/// element count) and the index of its group's <see cref="AdamWStep"/>.</summary>
public readonly record struct AdamWTensors(Tensor Param, Tensor Grad, Tensor M, Tensor V, int Group);
