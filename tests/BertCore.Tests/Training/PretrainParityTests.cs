using System.Text.Json;
using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.Checkpoints;
using BertCore.IO;
using BertCore.Nn.Heads;
using BertCore.Tests.IO;
using BertCore.Tests.Support;
using BertCore.Training;
using Xunit;
using Xunit.Abstractions;

namespace BertCore.Tests.Training;

/// <summary>
/// Issue 6's first check: 200 pretraining steps (MLM + NSP, dropout 0, AdamW with BERT's eps 1e-6 and the
/// no-decay groups, linear warmup 20 then decay, clipping at 1.0) on the pre-masked batch stream that PyTorch
/// also trained on (tools/reference/make_pretrain_fixture.py) give PyTorch's loss, its MLM and NSP parts, and its
/// gradient norm before clipping at every step.
/// </summary>
public class PretrainParityTests(ITestOutputHelper output)
{
    /// <summary>Relative bound on each step's loss and its MLM and NSP parts: measured worst 1.8e-7 (loss 1.6e-7, MLM
    /// 1.8e-7, NSP 1.8e-7); fp32 in another summation order (and another SIMD width on another CPU) over 200 steps,
    /// so 10× the measurement.</summary>
    private const double LossTolerance = 2e-6;

    /// <summary>Relative bound on each step's gradient norm (before clipping): measured worst 2.3e-6, so 10×.</summary>
    private const double NormTolerance = 2e-5;

    [Fact]
    public void Two_hundred_steps_match_pytorch_losses()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Fixtures.Path("pretrain", "steps.json")));
        var root = json.RootElement;
        double[] Doubles(string name) => root.GetProperty(name).EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var expectedLoss = Doubles("loss");
        var expectedLr = Doubles("lr");
        var expectedNorm = Doubles("grad_norm");
        var expectedMlm = Doubles("mlm_loss");
        var expectedNsp = Doubles("nsp_loss");

        using var folder = new TempFolder();
        using var model = ModelDirectory.LoadPreTraining(Fixtures.Path("pretrain", "model"));
        var source = PreMaskedBatchFile.Open(Fixtures.Path("pretrain", "batches.safetensors"), model.Config.VocabSize);
        var options = new PretrainerOptions
        {
            MaxSteps = 200, OutputDirectory = folder.Root, LearningRate = 1e-3f, WarmupSteps = 20, WeightDecay = 0.01f,
            Eps = 1e-6f, MaxGradNorm = 1f, RelationHead = true,
        };
        using var trainer = new Pretrainer(new CpuBackend(), model, options, source);
        // The trainer reports the summed loss only: each step's MLM and NSP losses are measured here, by a forward of
        // the same batch with the weights the step starts from (before the first step, then after each one).
        var parts = PreMaskedBatchFile.Open(Fixtures.Path("pretrain", "batches.safetensors"), model.Config.VocabSize);
        using var graph = new Graph(new CpuBackend());
        var mlmLosses = new List<double>();
        var nspLosses = new List<double>();
        void MeasureParts()
        {
            var batch = parts.Next();
            using (graph.NoGrad())
            {
                var forward = model.Forward(graph, batch.Inputs, batch.MlmLabels, batch.RelationLabels);
                mlmLosses.Add(forward.MlmLoss!.Item());
                nspLosses.Add(forward.NspLoss!.Item());
            }
            graph.Reset();
        }
        MeasureParts();
        var steps = new List<PretrainingProgress>();
        trainer.StepCompleted += progress =>
        {
            steps.Add(progress);
            if (progress.Step < 200) MeasureParts();
        };
        var result = trainer.Run();

        Assert.True(result.Completed);
        Assert.Equal(200, steps.Count);
        Assert.Equal(200, mlmLosses.Count);
        double worstLoss = 0, worstNorm = 0, worstMlm = 0, worstNsp = 0;
        for (int k = 0; k < 200; k++)
        {
            Assert.Equal(k + 1, steps[k].Step);
            Assert.Equal(expectedLr[k], steps[k].LearningRate, 1e-9);
            worstLoss = Math.Max(worstLoss, Check(k, "loss", steps[k].Loss, expectedLoss[k], LossTolerance));
            worstMlm = Math.Max(worstMlm, Check(k, "MLM loss", mlmLosses[k], expectedMlm[k], LossTolerance));
            worstNsp = Math.Max(worstNsp, Check(k, "NSP loss", nspLosses[k], expectedNsp[k], LossTolerance));
            worstNorm = Math.Max(worstNorm, Check(k, "gradient norm", steps[k].GradNorm, expectedNorm[k], NormTolerance));
        }
        output.WriteLine($"worst relative errors: loss {worstLoss:E2}, MLM loss {worstMlm:E2}, NSP loss {worstNsp:E2}, gradient norm {worstNorm:E2}");
    }

    /// <summary>Asserts |actual − expected| ≤ tolerance·|expected| and returns the relative error.</summary>
    private static double Check(int step, string what, double actual, double expected, double tolerance)
    {
        double error = Math.Abs(actual - expected) / Math.Abs(expected);
        Assert.True(error <= tolerance, $"step {step}: {what} {actual}, PyTorch {expected} (relative error {error:E2} > {tolerance:E0})");
        return error;
    }
}
