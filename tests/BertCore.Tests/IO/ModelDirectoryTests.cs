using BertCore.Checkpoints;
using BertCore.IO;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.IO;

public class ModelDirectoryTests
{
    /// <summary>
    /// Loading the PyTorch-written HF-layout fixture and saving it again gives the same tensor names, shapes and
    /// bytes (no tied decoder keys added), so what BertCore saves loads where HF checkpoints load.
    /// </summary>
    [Fact]
    public void Saving_a_loaded_hugging_face_folder_reproduces_its_tensors()
    {
        using var folder = new TempFolder();
        var source = Fixtures.Path("bert", "model");
        using (var model = ModelDirectory.LoadPreTraining(source))
            ModelDirectory.Save(folder.Root, model, model.Config, Path.Combine(source, "vocab.txt"));

        using var original = SafeTensorsFile.Open(Path.Combine(source, "model.safetensors"));
        using var saved = SafeTensorsFile.Open(Path.Combine(folder.Root, "model.safetensors"));
        Assert.Equal(original.Names.Order(), saved.Names.Order());
        foreach (var name in original.Names)
        {
            Assert.Equal(original.Info(name), saved.Info(name), (a, b) => a.DType == b.DType && a.Shape.SequenceEqual(b.Shape));
            Assert.Equal(original.Floats(name), saved.Floats(name));
        }
        Assert.Equal(File.ReadAllText(Path.Combine(source, "vocab.txt")), File.ReadAllText(Path.Combine(folder.Root, "vocab.txt")));
        var config = BertConfig.Load(Path.Combine(folder.Root, "config.json"));
        Assert.Equal(96, config.HiddenSize);
        Assert.Equal(["BertForPreTraining"], config.Architectures!);
    }

    [Fact]
    public void A_legacy_pickle_folder_gets_a_conversion_hint()
    {
        using var folder = new TempFolder();
        File.Copy(Fixtures.Path("bert", "model", "config.json"), folder.File("config.json"));
        File.WriteAllBytes(folder.File("pytorch_model.bin"), [0x80, 0x02]);
        var e = Assert.Throws<InvalidFileException>(() => ModelDirectory.LoadPreTraining(folder.Root));
        Assert.Equal(folder.File("pytorch_model.bin"), e.Path);
        Assert.Contains("legacy format", e.Message);
        Assert.Contains("safetensors", e.Message);
    }

    [Fact]
    public void A_checkpoint_with_a_wrong_shape_names_the_tensor()
    {
        using var folder = new TempFolder();
        var source = Fixtures.Path("bert", "model");
        File.Copy(Path.Combine(source, "model.safetensors"), folder.File("model.safetensors"));
        File.WriteAllText(folder.File("config.json"),
            File.ReadAllText(Path.Combine(source, "config.json")).Replace("\"intermediate_size\": 200", "\"intermediate_size\": 201"));
        var e = Assert.Throws<InvalidFileException>(() => ModelDirectory.LoadPreTraining(folder.Root));
        Assert.Matches(@"model\.safetensors: tensor 'bert\.encoder\.layer\.0\.(intermediate|output)\.dense\.(weight|bias)' has shape \[[0-9, ]+\] but the model's .* is \[[0-9, ]*201[0-9, ]*\]", e.Message);
    }

    /// <summary>
    /// Minimized fuzz cases (tests/BertCore.Tests/Fuzzing, a dtype swapped in the header): a weight stored as U32
    /// threw NotSupportedException, and one stored as I32 ArgumentException, out of Checkpoint.LoadWeights.
    /// </summary>
    [Theory]
    [InlineData("U32")]
    [InlineData("I32")]
    public void A_weight_stored_as_another_type_is_an_invalid_file(string dtype)
    {
        using var folder = new TempFolder();
        string path = folder.File("model.safetensors");
        byte[] bytes = File.ReadAllBytes(Fixtures.Path("pretrain", "model", "model.safetensors"));
        int at = bytes.AsSpan().IndexOf("\"bert.pooler.dense.bias\":{\"dtype\":\"F32\""u8);
        Assert.True(at >= 0);
        System.Text.Encoding.ASCII.GetBytes(dtype).CopyTo(bytes, at + "\"bert.pooler.dense.bias\":{\"dtype\":\""u8.Length);
        File.WriteAllBytes(path, bytes);
        using var model = ModelDirectory.LoadPreTraining(Fixtures.Path("pretrain", "model"));

        var e = Assert.Throws<InvalidFileException>(() => Checkpoint.LoadWeights(model, path));

        Assert.StartsWith($"{path}: tensor 'bert.pooler.dense.bias' is stored as {dtype}, which does not load as the model's F32", e.Message);
    }
}
