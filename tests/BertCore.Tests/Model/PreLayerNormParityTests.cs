using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.Checkpoints;
using BertCore.IO;
using BertCore.Nn;
using BertCore.Nn.Bert;
using BertCore.Nn.Heads;
using BertCore.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace BertCore.Tests.Model;

/// <summary>
/// Pre-LayerNorm BertForPreTraining (layer_norm_position "pre", with and without encoder linear biases) against the
/// PyTorch fixture of tools/reference/make_preln_fixture.py (hidden 32, 2 heads, intermediate 64, vocab 200, 2 layers,
/// batch 3 × sequence 37 with padding in two rows, dropout 0), whose layers the script checks against
/// torch.nn.TransformerEncoderLayer(norm_first=True).
/// </summary>
public class PreLayerNormParityTests(ITestOutputHelper output)
{
    /// <summary>The bar of <see cref="BertParityTests"/>: forward within 1e-4 absolute.</summary>
    private const double Tolerance = 1e-4;

    public static TheoryData<string> Variants => new() { "bias", "nobias" };

    internal static BertForPreTraining LoadModel(string variant)
    {
        var config = BertConfig.Load(Fixtures.Path("preln", variant, "model", "config.json"));
        Assert.True(config.IsPreLayerNorm);
        Assert.Equal(variant == "bias", config.EncoderLinearBias);
        var model = new BertForPreTraining(config);
        var report = Checkpoint.LoadWeights(model, Fixtures.Path("preln", variant, "model", "model.safetensors"));
        Assert.Empty(report.Missing);
        Assert.Empty(report.Unused);
        return model;
    }

    private static SafeTensorsFile OpenIo(string variant) => SafeTensorsFile.Open(Fixtures.Path("preln", variant, "io.safetensors"));

    internal static (BertBatch Batch, int[] MlmLabels, int[] NspLabels) LoadInputs(SafeTensorsFile io) =>
        (new BertBatch(3, 37, io.Ints("input_ids"), io.Ints("token_type_ids"), io.Ints("attention_mask")),
         io.Ints("mlm_labels"), io.Ints("nsp_labels"));

    private static void AbsoluteClose(ReadOnlySpan<float> actual, float[] expected, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (!(Math.Abs(actual[i] - expected[i]) <= Tolerance))
                Assert.Fail($"{what}[{i}] = {actual[i]}, PyTorch {expected[i]}");
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Forward_matches_pytorch(string variant)
    {
        using var io = OpenIo(variant);
        using var model = LoadModel(variant);
        using var g = new Graph(new CpuBackend());
        var (batch, mlm, nsp) = LoadInputs(io);
        var result = model.Forward(g, batch, mlm, nsp, mlmLogits: true);
        for (int i = 0; i <= 2; i++)
            AbsoluteClose(result.Encoder.HiddenStates[i].Span, io.Floats($"hidden_states.{i}"), $"hidden_states.{i}");
        Assert.Same(result.Encoder.HiddenStates[^1], result.Encoder.LastHiddenState);
        AbsoluteClose(result.Encoder.PoolerOutput!.Span, io.Floats("pooler_output"), "pooler_output");
        AbsoluteClose(result.MlmLogits!.Span, io.Floats("mlm_logits"), "mlm_logits");
        AbsoluteClose(result.NspLogits!.Span, io.Floats("nsp_logits"), "nsp_logits");
        AbsoluteClose(result.MlmLoss!.Span, io.Floats("mlm_loss"), "mlm_loss");
        AbsoluteClose(result.Loss!.Span, io.Floats("loss"), "loss");
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Every_gradient_matches_pytorch(string variant)
    {
        using var io = OpenIo(variant);
        using var model = LoadModel(variant);
        using var g = new Graph(new CpuBackend());
        var (batch, mlm, nsp) = LoadInputs(io);
        g.Backward(model.Forward(g, batch, mlm, nsp).Loss!);
        // Biases: 5 embedding/LayerNorm tensors + per layer 2 LayerNorms × 2 (+ 6 linear biases with bias) + final
        // LayerNorm 2 + pooler, MLM head, NSP head.
        Assert.Equal(variant == "bias" ? 48 : 36, model.Parameters().Count());
        Assert.Contains(model.Parameters(), p => p.Name == "bert.encoder.LayerNorm.weight");
        // With biases, a key bias adds q·b_k to a whole row of scores, which the softmax ignores (zero gradient, stored as zeros).
        string[] zero = variant == "bias" ? [.. Enumerable.Range(0, 2).Select(i => $"bert.encoder.layer.{i}.attention.self.key.bias")] : [];
        output.WriteLine(GradientParity.Check(model, io, zero));
    }

    /// <summary>The padding-free inference path runs the same pre-LN layers: each sequence's rows of
    /// <see cref="BertEncoder.ForwardPacked"/> equal the padded forward's real rows within 1e-5 (fp32 rounding of
    /// differently tiled GEMMs, as <see cref="PackedEncoderTests"/>), and both are the PyTorch outputs.</summary>
    [Theory]
    [MemberData(nameof(Variants))]
    public void Packed_inference_matches_the_padded_forward(string variant)
    {
        using var io = OpenIo(variant);
        using var model = LoadModel(variant);
        var (batch, _, _) = LoadInputs(io);
        var lengths = Enumerable.Range(0, batch.Batch).Select(r => batch.AttentionMask.AsSpan(r * 37, 37).Count(1)).ToArray();
        var offsets = new int[batch.Batch + 1];
        for (int r = 0; r < batch.Batch; r++) offsets[r + 1] = offsets[r] + lengths[r];
        int[] Real(int[] padded) => [.. Enumerable.Range(0, batch.Batch).SelectMany(r => padded.AsSpan(r * 37, lengths[r]).ToArray())];
        var packed = new PackedBatch(Real(batch.InputIds), offsets, Real(batch.TokenTypeIds));

        using var g = new Graph(new CpuBackend());
        using var noGrad = g.NoGrad();
        var result = model.Bert.ForwardPacked(g, packed);
        var expected = io.Floats("hidden_states.2");
        var hidden = result.LastHiddenState.ToArray();
        const int h = 32;
        for (int r = 0, row = 0; r < batch.Batch; r++)
            for (int s = 0; s < lengths[r]; s++, row++)
                for (int k = 0; k < h; k++)
                    if (!(Math.Abs(hidden[row * h + k] - expected[(r * 37 + s) * h + k]) <= Tolerance))
                        Assert.Fail($"packed row {row} (sequence {r}, position {s}) [{k}] = {hidden[row * h + k]}, PyTorch {expected[(r * 37 + s) * h + k]}");
        AbsoluteClose(result.PoolerOutput!.Span, io.Floats("pooler_output"), "packed pooler_output");
    }

    /// <summary>Int8 freezing quantizes every Linear, bias-free ones passing a null bias: the MLM logits stay within 5% of
    /// PyTorch's largest fp32 logit (measured 1.3% with biases, 1.2% without: int8 weights and activations; the bound is
    /// about 4× that, far below what a wrong layer gives).</summary>
    [Theory]
    [MemberData(nameof(Variants))]
    public void Int8_freezing_runs_a_bias_free_pre_ln_model(string variant)
    {
        using var io = OpenIo(variant);
        using var model = LoadModel(variant);
        model.FreezeForInference(InferencePrecision.Int8);
        using var g = new Graph(new CpuBackend());
        using var noGrad = g.NoGrad();
        var (batch, _, _) = LoadInputs(io);
        var logits = model.Forward(g, batch, mlmLogits: true).MlmLogits!.ToArray();
        var expected = io.Floats("mlm_logits");
        double max = expected.Max(Math.Abs), worst = expected.Select((e, i) => Math.Abs(e - logits[i])).Max();
        output.WriteLine($"int8 vs PyTorch fp32 MLM logits: worst {worst:E2} of max {max:E2}");
        Assert.True(worst <= 0.05 * max, $"int8 logits differ by {worst} (max |logit| {max})");
    }
}
