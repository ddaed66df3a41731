using BertCore.Checkpoints;
using BertCore.IO;
using BertCore.IO.PyTorch;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.IO.PyTorch;

/// <summary><see cref="PyTorchCheckpoint.ConvertToModelFolder"/> on the PyTorch-written fixture folders.</summary>
public class PyTorchCheckpointTests
{
    [Fact]
    public void Converting_a_folder_writes_the_same_weights_as_safetensors()
    {
        using var temp = new TempFolder();
        var source = Fixtures.Path("torch", "bf16");
        var output = temp.File("converted");
        var result = PyTorchCheckpoint.ConvertToModelFolder(source, output);

        Assert.Equal(["bert.embeddings.position_ids", "cls.predictions.decoder.weight", "cls.predictions.decoder.bias"], result.Dropped);
        Assert.Equal(46, result.Converted.Count);
        using var expected = SafeTensorsFile.Open(Fixtures.Path("torch", "bf16.safetensors"));
        using var written = SafeTensorsFile.Open(Path.Combine(output, "model.safetensors"));
        Assert.Equal(result.Converted.Order(), written.Names.Order());
        foreach (var name in written.Names)
        {
            Assert.Equal("F32", written.Info(name).DType);
            Assert.Equal(expected.Floats(name), written.Floats(name));   // exact: bf16 widens to fp32 without rounding
        }
        Assert.Equal(File.ReadAllBytes(Path.Combine(source, "config.json")), File.ReadAllBytes(Path.Combine(output, "config.json")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(source, "vocab.txt")), File.ReadAllBytes(Path.Combine(output, "vocab.txt")));
        Assert.Equal(["config.json", "model.safetensors", "vocab.txt"], Directory.GetFiles(output).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void A_non_empty_output_folder_is_not_overwritten()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.File("keep.txt"), "mine");
        Assert.Throws<IOException>(() => PyTorchCheckpoint.ConvertToModelFolder(Fixtures.Path("torch", "fp32"), temp.Root));
        Assert.Equal("mine", File.ReadAllText(temp.File("keep.txt")));
    }

    [Fact]
    public void A_refused_checkpoint_leaves_no_output()
    {
        using var temp = new TempFolder();
        File.Copy(Fixtures.Path("torch", "fp32", "config.json"), temp.File("config.json"));
        File.Copy(Fixtures.Path("torch", "hostile", "offset_beyond_record.bin"), temp.File("pytorch_model.bin"));
        var output = temp.File("out");
        var e = Assert.Throws<InvalidFileException>(() => PyTorchCheckpoint.ConvertToModelFolder(temp.File("pytorch_model.bin"), output));
        Assert.Contains("reaches element 13", e.Message);
        Assert.Equal(["config.json", "pytorch_model.bin"], Directory.GetFileSystemEntries(temp.Root).Select(Path.GetFileName).Order());
    }
}
