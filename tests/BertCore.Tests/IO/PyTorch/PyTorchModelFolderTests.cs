using System.Text.Json;
using BertCore.Checkpoints;
using BertCore.Data.Tasks;
using BertCore.IO;
using BertCore.Tests.Support;
using BertCore.Training.FineTuning;
using Xunit;
using Tensor = BertCore.Tensors.Tensor;

namespace BertCore.Tests.IO.PyTorch;

/// <summary>A Hugging Face folder holding pytorch_model.bin instead of model.safetensors loads wherever a model folder
/// is taken (<see cref="ModelDirectory"/>, `--model DIR`).</summary>
public class PyTorchModelFolderTests
{
    private static int[] Bits(Tensor t) => Array.ConvertAll(t.ToArray(), BitConverter.SingleToInt32Bits);

    /// <summary>Every parameter is bit-exact to the fp16 values torch.load returned (widened to fp32 by the script).</summary>
    [Fact]
    public void A_hugging_face_folder_with_only_pytorch_model_bin_loads_as_a_model()
    {
        var folder = Fixtures.Path("torch", "fp16");
        Assert.Equal(Path.Combine(folder, "pytorch_model.bin"), ModelDirectory.WeightsPath(folder));
        using var model = ModelDirectory.LoadPreTraining(folder);
        Assert.NotNull(model.Mlm);
        Assert.NotNull(model.Nsp);
        Assert.NotNull(model.Bert.Pooler);
        using var expected = SafeTensorsFile.Open(Fixtures.Path("torch", "fp16.safetensors"));
        foreach (var p in model.Parameters())
        {
            using var want = expected.Read(p.Name);
            Assert.True(Bits(want).SequenceEqual(Bits(p.Value)), $"parameter {p.Name} differs");
        }
    }

    /// <summary>Fine-tuning from the folder: the classifier's encoder (pooler included) is bit-exact to the bf16
    /// values torch.load returned, and the head is new.</summary>
    [Fact]
    public void Fine_tuning_starts_from_a_pytorch_model_bin_folder()
    {
        var folder = Fixtures.Path("torch", "bf16");
        var spec = TaskSpec.Create(TaskKind.Classify, new LabelVocabulary(["negative", "positive"]), 16);
        using var network = TaskNetwork.Create(spec, ModelDirectory.LoadConfig(folder));
        network.Initialize(1);
        var load = TaskModelDirectory.LoadPretrained(network, folder);
        Assert.False(load.HeadLoaded);
        Assert.False(load.FreshPooler);
        Assert.Contains("cls.predictions.transform.dense.weight", load.Unused);
        using var expected = SafeTensorsFile.Open(Fixtures.Path("torch", "bf16.safetensors"));
        foreach (var p in network.Encoder.Parameters())
        {
            using var want = expected.Read(p.Name);
            Assert.True(Bits(want).SequenceEqual(Bits(p.Value)), $"parameter {p.Name} differs");
        }
    }

    /// <summary>The hostile archive fails through the folder loader too, and its payload's marker stays absent.</summary>
    [Fact]
    public void A_model_folder_with_a_hostile_checkpoint_fails_to_load_and_names_it()
    {
        using var folder = new TempFolder();
        File.Copy(Fixtures.Path("torch", "fp32", "config.json"), folder.File("config.json"));
        File.Copy(Fixtures.Path("torch", "hostile", "os_system.bin"), folder.File("pytorch_model.bin"));
        File.Delete("/tmp/bertcore-torch-marker-os_system");
        var e = Assert.Throws<InvalidFileException>(() => ModelDirectory.LoadPreTraining(folder.Root));
        Assert.Equal(folder.File("pytorch_model.bin"), e.Path);
        Assert.Contains("GLOBAL os.system is not allowed", e.Message);
        Assert.False(File.Exists("/tmp/bertcore-torch-marker-os_system"));
    }

    /// <summary>`bertcore inspect --model DIR` on the folder: the parameter count is the state dict's minus the tied
    /// decoder copies and the position-id buffer, and all three pretraining parts are found.</summary>
    [Fact]
    public void Inspect_loads_a_pytorch_model_bin_folder()
    {
        var folder = Fixtures.Path("torch", "fp32");
        var r = CliRunner.Run("inspect", "--model", folder);
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var json = JsonDocument.Parse(r.StdOut);
        var root = json.RootElement;
        using var expected = SafeTensorsFile.Open(Fixtures.Path("torch", "fp32.safetensors"));
        long parameters = expected.Names
            .Where(n => !n.StartsWith("cls.predictions.decoder.", StringComparison.Ordinal) && !n.EndsWith("position_ids", StringComparison.Ordinal))
            .Sum(n => expected.Info(n).Shape.Aggregate(1L, (a, d) => a * d));
        Assert.Equal(parameters, root.GetProperty("parameters").GetInt64());
        Assert.Equal(new FileInfo(Path.Combine(folder, "pytorch_model.bin")).Length, root.GetProperty("weights_bytes").GetInt64());
        Assert.True(root.GetProperty("mlm").GetBoolean() && root.GetProperty("nsp").GetBoolean() && root.GetProperty("pooler").GetBoolean());
    }
}
