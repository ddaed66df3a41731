using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.IO;
using BertCore.Nn;
using BertCore.Nn.Bert;
using BertCore.Nn.Heads;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Model;

/// <summary>
/// One fine-tuning step per head type against tools/reference/make_heads_fixture.py (hidden 48, 2 heads,
/// 2 layers, batch 3 × sequence 13 with padding in one row): logits, loss and every parameter's gradient.
/// Tolerances as in <see cref="BertParityTests"/>.
/// </summary>
public class HeadParityTests
{
    private const double Tolerance = 1e-4;

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

    private static void CheckStep(Module model, SafeTensorsFile io, Graph g, TaskOutput output, string logitsName)
    {
        Close.RelativeToMax(output.Logits.Span, io.Floats(logitsName), Tolerance, logitsName);
        Assert.True(Math.Abs(output.Loss!.Item() - io.Floats("loss")[0]) <= Tolerance, $"loss {output.Loss.Item()} vs {io.Floats("loss")[0]}");
        g.Backward(output.Loss);
        foreach (var p in model.Parameters())
            Close.RelativeToMax(p.Grad.Span, io.Floats("grad." + p.Name), Tolerance, "grad." + p.Name, floor: 1e-3);
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
        var output = model.Forward(g, batch, io.Ints("start_positions"), io.Ints("end_positions"));
        Close.RelativeToMax(output.EndLogits!.Span, io.Floats("end_logits"), Tolerance, "end_logits");
        CheckStep(model, io, g, output, "start_logits");
    }
}
