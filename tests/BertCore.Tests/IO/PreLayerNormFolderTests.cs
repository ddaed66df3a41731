using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.Checkpoints;
using BertCore.IO;
using BertCore.Tests.Model;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.IO;

/// <summary>The BertCore config fields layer_norm_position and encoder_linear_bias: validation, config.json round trip,
/// and model folders that save and load a pre-LayerNorm, bias-free model (the PyTorch fixture of
/// tools/reference/make_preln_fixture.py).</summary>
public class PreLayerNormFolderTests
{
    [Fact]
    public void The_fields_round_trip_and_a_hugging_face_config_does_not_gain_them()
    {
        using var folder = new TempFolder();
        var bert = new BertConfig();
        bert.Save(folder.File("bert.json"));
        var text = File.ReadAllText(folder.File("bert.json"));
        Assert.DoesNotContain("layer_norm_position", text);
        Assert.DoesNotContain("encoder_linear_bias", text);
        Assert.Null(bert.TransformersIncompatibility);

        var pre = bert with { LayerNormPosition = BertConfig.PreLayerNorm, EncoderLinearBias = false };
        pre.Save(folder.File("pre.json"));
        Assert.Contains("\"layer_norm_position\": \"pre\"", File.ReadAllText(folder.File("pre.json")));
        var back = BertConfig.Load(folder.File("pre.json"));
        Assert.True(back.IsPreLayerNorm);
        Assert.False(back.EncoderLinearBias);
        Assert.Empty(back.Extra);
        Assert.Contains("transformers' BertModel cannot run", back.TransformersIncompatibility);
        Assert.Contains("encoder_linear_bias false", back.TransformersIncompatibility);
    }

    [Theory]
    [InlineData("\"layer_norm_position\": \"middle\"", "layer_norm_position", "\"middle\" is not supported")]
    [InlineData("\"layer_norm_position\": 1", "layer_norm_position", "expected a string")]
    [InlineData("\"encoder_linear_bias\": \"no\"", "encoder_linear_bias", "expected true or false")]
    public void A_bad_field_is_named_with_the_file(string field, string name, string problem)
    {
        using var folder = new TempFolder();
        var path = folder.File("config.json");
        File.WriteAllText(path, $"{{\"model_type\": \"bert\", {field}}}");
        var error = Assert.Throws<InvalidFileException>(() => BertConfig.Load(path));
        Assert.Contains(path, error.Message);
        Assert.Contains($"field '{name}'", error.Message);
        Assert.Contains(problem, error.Message);
    }

    /// <summary>Saved and loaded again, a pre-LN bias-free model has the same parameters (no linear biases, the final
    /// LayerNorm) and computes the same MLM logits, bit for bit.</summary>
    [Fact]
    public void A_pre_ln_bias_free_model_folder_saves_and_loads_with_the_same_outputs()
    {
        using var folder = new TempFolder();
        using var io = SafeTensorsFile.Open(Fixtures.Path("preln", "nobias", "io.safetensors"));
        var (batch, _, _) = PreLayerNormParityTests.LoadInputs(io);
        using var g = new Graph(new CpuBackend());
        using var noGrad = g.NoGrad();
        float[] before;
        using (var model = PreLayerNormParityTests.LoadModel("nobias"))
        {
            before = model.Forward(g, batch, mlmLogits: true).MlmLogits!.ToArray();
            g.Reset();
            ModelDirectory.Save(folder.Root, model, model.Config, Fixtures.Path("preln", "nobias", "model", "vocab.txt"));
        }
        using var loaded = ModelDirectory.LoadPreTraining(folder.Root);
        Assert.True(loaded.Config.IsPreLayerNorm);
        Assert.False(loaded.Config.EncoderLinearBias);
        Assert.DoesNotContain(loaded.Parameters(), p => p.Name.StartsWith("bert.encoder.layer.", StringComparison.Ordinal) && p.Name.EndsWith(".dense.bias", StringComparison.Ordinal));
        using (var saved = SafeTensorsFile.Open(Path.Combine(folder.Root, "model.safetensors")))
            Assert.Contains("bert.encoder.LayerNorm.weight", saved.Names);
        var after = loaded.Forward(g, batch, mlmLogits: true).MlmLogits!.ToArray();
        Assert.Equal(before, after);
    }
}
