using System.Text.Json;
using BertCore.Backends.Cpu;
using BertCore.IO;
using BertCore.Tests.IO;
using BertCore.Tests.Support;
using BertCore.Training;
using Xunit;
using Xunit.Abstractions;

namespace BertCore.Tests.Training;

/// <summary>
/// Issue 6's first check: 200 pretraining steps (MLM + NSP, dropout 0, AdamW with BERT's eps 1e-6 and the
/// no-decay groups, linear warmup 20 then decay, clipping at 1.0) on the pre-masked batch stream that PyTorch
/// also trained on (tools/reference/make_pretrain_fixture.py) give PyTorch's loss at every step.
/// </summary>
public class PretrainParityTests(ITestOutputHelper output)
{
    /// <summary>The bound. A single forward agrees with PyTorch to ~1e-6 relative (fp32 rounding in another
    /// summation order); 200 optimizer steps let those differences grow through the weights.</summary>
    private const double Tolerance = 1e-3;

    [Fact]
    public void Two_hundred_steps_match_pytorch_losses()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Fixtures.Path("pretrain", "steps.json")));
        var root = json.RootElement;
        double[] Doubles(string name) => root.GetProperty(name).EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var expectedLoss = Doubles("loss");
        var expectedLr = Doubles("lr");
        var expectedNorm = Doubles("grad_norm");

        using var folder = new TempFolder();
        using var model = ModelDirectory.LoadPreTraining(Fixtures.Path("pretrain", "model"));
        var source = PreMaskedBatchFile.Open(Fixtures.Path("pretrain", "batches.safetensors"), model.Config.VocabSize);
        var options = new PretrainerOptions
        {
            MaxSteps = 200, OutputDirectory = folder.Root, LearningRate = 1e-3f, WarmupSteps = 20, WeightDecay = 0.01f,
            Eps = 1e-6f, MaxGradNorm = 1f, RelationHead = true,
        };
        using var trainer = new Pretrainer(new CpuBackend(), model, options, source);
        var steps = new List<PretrainingProgress>();
        trainer.StepCompleted += steps.Add;
        var result = trainer.Run();

        Assert.True(result.Completed);
        Assert.Equal(200, steps.Count);
        double worstLoss = 0, worstNorm = 0;
        for (int k = 0; k < 200; k++)
        {
            Assert.Equal(k + 1, steps[k].Step);
            Assert.Equal(expectedLr[k], steps[k].LearningRate, 1e-9);
            double error = Math.Abs(steps[k].Loss - expectedLoss[k]) / Math.Abs(expectedLoss[k]);
            worstLoss = Math.Max(worstLoss, error);
            worstNorm = Math.Max(worstNorm, Math.Abs(steps[k].GradNorm - expectedNorm[k]) / expectedNorm[k]);
            Assert.True(error <= Tolerance, $"step {k}: loss {steps[k].Loss}, PyTorch {expectedLoss[k]} (relative error {error:E2})");
        }
        output.WriteLine($"worst relative loss error {worstLoss:E2}, worst relative grad-norm error {worstNorm:E2}");
    }
}
