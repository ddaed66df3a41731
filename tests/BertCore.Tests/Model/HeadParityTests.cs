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
/// One fine-tuning step per head type against tools/reference/make_heads_fixture.py (hidden 48, 2 heads,
/// 2 layers, batch 3 × sequence 13 with padding in one row): the last hidden state, the pooler output (where the
/// head has a pooler), logits, loss, and every parameter's gradient (<see cref="GradientParity"/>).
/// </summary>
public class HeadParityTests(ITestOutputHelper output)
{
    /// <summary>Outputs within 1e-4 of the tensor's largest magnitude (fp32 in another summation order measures ~1e-6).</summary>
    private const double Tolerance = 1e-4;

    /// <summary>A key bias adds q·b_k to a whole row of attention scores, which the softmax ignores: its gradient is
    /// mathematically zero in every model (the fixture stores zeros; see tools/reference/bert_reference.py).</summary>
    private static readonly string[] KeyBiases =
        ["bert.encoder.layer.0.attention.self.key.bias", "bert.encoder.layer.1.attention.self.key.bias"];

    private static (BertConfig Config, SafeTensorsFile Io, BertBatch Batch) Open(string head)
    {
        var dir = Fixtures.Path("heads", head);
        var io = SafeTensorsFile.Open(Path.Combine(dir, "io.safetensors"));
        var batch = new BertBatch(3, 13, io.Ints("input_ids"), io.Ints("token_type_ids"), io.Ints("attention_mask"));
        return (BertConfig.Load(Path.Combine(dir, "config.json")), io, batch);
    }

    private static void Load(Module model, string head)
    {
        var report = Checkpoint.LoadWeights(model, Fixtures.Path("heads", head, "model.safetensors"));
        Assert.Empty(report.Missing);
        Assert.Empty(report.Unused);
    }

    private void CheckStep(Module model, SafeTensorsFile io, Graph g, TaskOutput result, string logitsName, params string[] exactZero)
    {
        Close.RelativeToMax(result.Encoder.LastHiddenState.Span, io.Floats("last_hidden_state"), Tolerance, "last_hidden_state");
        if (result.Encoder.PoolerOutput is { } pooled)
            Close.RelativeToMax(pooled.Span, io.Floats("pooler_output"), Tolerance, "pooler_output");
        else
            Assert.False(io.Names.Contains("pooler_output"), "the fixture has a pooler output but the model has no pooler");
        Close.RelativeToMax(result.Logits.Span, io.Floats(logitsName), Tolerance, logitsName);
        Assert.True(Math.Abs(result.Loss!.Item() - io.Floats("loss")[0]) <= Tolerance, $"loss {result.Loss.Item()} vs {io.Floats("loss")[0]}");
        g.Backward(result.Loss);
        output.WriteLine(GradientParity.Check(model, io, [.. KeyBiases, .. exactZero]));
    }

    [Fact]
    public void Sequence_classification()
    {
        var (config, io, batch) = Open("classify");
        using var _ = io;
        using var model = new BertForSequenceClassification(config);
        Load(model, "classify");
        using var g = new Graph(new CpuBackend());
        CheckStep(model, io, g, model.Forward(g, batch, labels: io.Ints("labels")), "logits");
    }

    [Fact]
    public void Regression()
    {
        var (config, io, batch) = Open("regress");
        using var _ = io;
        using var model = new BertForSequenceClassification(config);
        Assert.True(model.IsRegression);
        Load(model, "regress");
        using var g = new Graph(new CpuBackend());
        CheckStep(model, io, g, model.Forward(g, batch, targets: io.Floats("labels")), "logits");
    }

    [Fact]
    public void Token_classification()
    {
        var (config, io, batch) = Open("token");
        using var _ = io;
        using var model = new BertForTokenClassification(config);
        Load(model, "token");
        using var g = new Graph(new CpuBackend());
        CheckStep(model, io, g, model.Forward(g, batch, io.Ints("labels")), "logits");
    }

    [Fact]
    public void Question_answering()
    {
        var (config, io, batch) = Open("qa");
        using var _ = io;
        using var model = new BertForQuestionAnswering(config);
        Load(model, "qa");
        using var g = new Graph(new CpuBackend());
        var result = model.Forward(g, batch, io.Ints("start_positions"), io.Ints("end_positions"));
        Close.RelativeToMax(result.EndLogits!.Span, io.Floats("end_logits"), Tolerance, "end_logits");
        // Also mathematically zero here: the start and end losses are softmaxes over all 13 positions, so
        // Σ_t (softmax − onehot) = 0 per row for the qa_outputs bias, and for the last LayerNorm's bias, whose
        // gradient is W_qaᵀ times that same sum.
        CheckStep(model, io, g, result, "start_logits", "qa_outputs.bias", "bert.encoder.layer.1.output.LayerNorm.bias");
    }
}
