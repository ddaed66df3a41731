using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.Checkpoints;
using BertCore.Data;
using BertCore.IO;
using BertCore.Nn.Bert;
using BertCore.Nn.Heads;
using BertCore.Tests.Support;
using BertCore.Training.Electra;
using Xunit;
using Xunit.Abstractions;

namespace BertCore.Tests.Training.Electra;

/// <summary>
/// One ELECTRA forward + backward against tools/reference/make_electra_fixture.py (hidden 32, 2 heads; discriminator 2
/// layers of intermediate 64, generator 1 of 24; batch 2 × 10 with padding in one row; 6 masked positions, the fixture's
/// sampled replacements fed in, one equal to its original): the generator's logits and MLM loss, the replaced-token
/// labels, logits and loss, the total, and every gradient of the discriminator, its head and the generator — the shared
/// embeddings carrying both models' contributions. The fixture folder is laid out as a checkpoint, so
/// <see cref="ElectraObjective.Load"/> reads it.
/// </summary>
public class ElectraParityTests(ITestOutputHelper output)
{
    /// <summary>Outputs within 1e-4 of the tensor's largest magnitude, losses within 1e-4 absolute: fp32 in another
    /// summation order measures ~1e-6 (the bar of the other parity tests).</summary>
    private const double Tolerance = 1e-4;

    /// <summary>Mathematically zero gradients (stored as exact zeros by the fixture): the key biases (a whole softmax row
    /// shifts) and the discriminator's pooler, which ELECTRA does not use.</summary>
    private static readonly string[] DiscriminatorZeros =
    [
        "bert.encoder.layer.0.attention.self.key.bias", "bert.encoder.layer.1.attention.self.key.bias",
        "bert.pooler.dense.weight", "bert.pooler.dense.bias",
    ];

    [Fact]
    public void Losses_and_every_gradient_match_pytorch()
    {
        var dir = Fixtures.Path("electra");
        using var io = SafeTensorsFile.Open(Path.Combine(dir, "io.safetensors"));
        using var generatorGrads = SafeTensorsFile.Open(Path.Combine(dir, ElectraObjective.GeneratorFolder, "grads.safetensors"));
        using var model = ModelDirectory.LoadPreTraining(dir);
        Assert.Null(model.Mlm);
        using var electra = new ElectraObjective(model, generatorLayers: 1, generatorIntermediate: 24, io.Floats("rtd_weight")[0], seed: 0);
        electra.Load(dir);

        int[] positions = io.Ints("positions"), targets = io.Ints("targets");
        var labels = Enumerable.Repeat(MlmHead.IgnoreIndex, 20).ToArray();
        for (int i = 0; i < positions.Length; i++) labels[positions[i]] = targets[i];
        var batch = new PretrainingBatch(new BertBatch(2, 10, io.Ints("input_ids"), io.Ints("token_type_ids"), io.Ints("attention_mask")), labels, null);

        using var g = new Graph(new CpuBackend());
        var generator = electra.GeneratorForward(g, batch);
        Assert.Equal(positions, generator.Positions);
        var discriminator = electra.DiscriminatorForward(g, model, batch, generator.Positions, io.Ints("replacements"));
        var loss = electra.Total(g, generator, discriminator);

        Close.RelativeToMax(generator.Logits.Span, io.Floats("gen_logits"), Tolerance, "gen_logits");
        Close.RelativeToMax(discriminator.Logits.Span, io.Floats("rtd_logits"), Tolerance, "rtd_logits");
        var mask = io.Ints("attention_mask");
        var expectedLabels = io.Floats("rtd_labels").Select((l, i) => mask[i] == 0 ? MlmHead.IgnoreIndex : (int)l).ToArray();
        Assert.Equal(expectedLabels, discriminator.Labels);
        Assert.Equal(5, discriminator.Labels.Count(l => l == 1));   // the draw equal to its original counts as original
        foreach (var (name, value) in new[] { ("gen_loss", generator.Loss), ("rtd_loss", discriminator.Loss), ("loss", loss) })
            Assert.True(Math.Abs(value.Item() - io.Floats(name)[0]) <= Tolerance, $"{name} {value.Item()} vs PyTorch {io.Floats(name)[0]}");

        g.Backward(loss);
        output.WriteLine("discriminator: " + GradientParity.Check(model, io, DiscriminatorZeros));
        output.WriteLine("head: " + GradientParity.Check(electra.Head, io, []));
        output.WriteLine("generator: " + GradientParity.Check(electra.Generator, generatorGrads, ["bert.encoder.layer.0.attention.self.key.bias"]));
    }
}
