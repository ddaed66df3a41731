using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.Checkpoints;
using BertCore.IO;
using BertCore.Nn.Bert;
using BertCore.Nn.Heads;
using BertCore.Optim;
using BertCore.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace BertCore.Tests.Model;

/// <summary>
/// BertForPreTraining against the PyTorch fixture of tools/reference/make_bert_fixture.py (hidden 96, 3 heads,
/// intermediate 200, vocab 1000, 3 layers, batch 3 × sequence 37 with padding in two rows, dropout 0).
/// </summary>
public class BertParityTests(ITestOutputHelper output)
{
    /// <summary>The model issue's bar: forward within 1e-4 absolute; gradients within 1e-4 of each tensor's own
    /// largest magnitude (<see cref="GradientParity"/>).</summary>
    private const double Tolerance = 1e-4;

    private static readonly string Dir = Fixtures.Path("bert");

    internal static BertForPreTraining LoadModel()
    {
        var config = BertConfig.Load(Path.Combine(Dir, "model", "config.json"));
        var model = new BertForPreTraining(config);
        var report = Checkpoint.LoadWeights(model, Path.Combine(Dir, "model", "model.safetensors"));
        Assert.Empty(report.Missing);
        Assert.Empty(report.Unused);
        return model;
    }

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

    [Fact]
    public void Frozen_for_inference_gives_the_same_bits_and_refuses_training()
    {
        // Frozen, every weight is constant and the CPU backend multiplies with its pre-packed panels.
        using var io = SafeTensorsFile.Open(Path.Combine(Dir, "io.safetensors"));
        using var model = LoadModel();
        using var g = new Graph(new CpuBackend());
        var (batch, mlm, nsp) = LoadInputs(io);
        float[] Logits()
        {
            using (g.NoGrad())
            {
                var logits = model.Forward(g, batch, mlm, nsp, mlmLogits: true).MlmLogits!.ToArray();
                g.Reset();
                return logits;
            }
        }
        var trainable = Logits();
        model.FreezeForInference();
        Assert.All(model.Parameters(), p => Assert.True(p.Value.IsConstant && !p.Trainable, p.Name));
        var frozen = Logits();
        Assert.True(trainable.AsSpan().SequenceEqual(frozen), "logits with pre-packed weights differ");
        AbsoluteClose(frozen, io.Floats("mlm_logits"), "mlm_logits");
        var first = model.Parameters().First();
        var error = Assert.Throws<InvalidOperationException>(() => first.Trainable = true);
        Assert.Contains(first.Name, error.Message);
    }

    [Fact]
    public void Forward_matches_pytorch()
    {
        using var io = SafeTensorsFile.Open(Path.Combine(Dir, "io.safetensors"));
        using var model = LoadModel();
        using var g = new Graph(new CpuBackend());
        var (batch, mlm, nsp) = LoadInputs(io);
        var output = model.Forward(g, batch, mlm, nsp, mlmLogits: true);
        for (int i = 0; i <= 3; i++)
            AbsoluteClose(output.Encoder.HiddenStates[i].Span, io.Floats($"hidden_states.{i}"), $"hidden_states.{i}");
        AbsoluteClose(output.Encoder.PoolerOutput!.Span, io.Floats("pooler_output"), "pooler_output");
        AbsoluteClose(output.MlmLogits!.Span, io.Floats("mlm_logits"), "mlm_logits");
        AbsoluteClose(output.NspLogits!.Span, io.Floats("nsp_logits"), "nsp_logits");
        AbsoluteClose(output.MlmLoss!.Span, io.Floats("mlm_loss"), "mlm_loss");
        AbsoluteClose(output.NspLoss!.Span, io.Floats("nsp_loss"), "nsp_loss");
        AbsoluteClose(output.Loss!.Span, io.Floats("loss"), "loss");
    }

    [Fact]
    public void Every_gradient_matches_pytorch()
    {
        using var io = SafeTensorsFile.Open(Path.Combine(Dir, "io.safetensors"));
        using var model = LoadModel();
        using var g = new Graph(new CpuBackend());
        var (batch, mlm, nsp) = LoadInputs(io);
        g.Backward(model.Forward(g, batch, mlm, nsp).Loss!);
        Assert.Equal(62, model.Parameters().Count());
        // A key bias adds q·b_k to a whole row of attention scores, which the softmax ignores: its gradient is
        // mathematically zero, and the fixture stores zeros (tools/reference/bert_reference.py reference_gradients).
        output.WriteLine(GradientParity.Check(model, io, [.. Enumerable.Range(0, 3).Select(i => $"bert.encoder.layer.{i}.attention.self.key.bias")]));
    }

    [Fact]
    public void Ten_adamw_steps_match_pytorch()
    {
        using var io = SafeTensorsFile.Open(Path.Combine(Dir, "io.safetensors"));
        using var model = LoadModel();
        var backend = new CpuBackend();
        using var g = new Graph(backend);
        var (batch, mlm, nsp) = LoadInputs(io);
        using var adam = new AdamW(backend, ParameterGroup.DecayAndNoDecay(model.Parameters(), 1e-3f, 0.01f));
        var expected = io.Floats("adamw_losses");
        for (int step = 0; step < 10; step++)
        {
            adam.ZeroGrad();
            var loss = model.Forward(g, batch, mlm, nsp).Loss!;
            Assert.True(Math.Abs(loss.Item() - expected[step]) <= Tolerance, $"step {step}: loss {loss.Item()}, PyTorch {expected[step]}");
            g.Backward(loss);
            g.Reset();
            adam.Step();
        }
        foreach (var name in new[] { "bert.embeddings.word_embeddings.weight", "bert.encoder.layer.2.intermediate.dense.weight" })
        {
            var p = model.Parameters().Single(q => q.Name == name);
            Close.RelativeToMax(p.Value.Span, io.Floats("adamw_final." + name), Tolerance, name);
        }
    }
}
