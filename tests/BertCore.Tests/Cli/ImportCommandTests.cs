using BertCore.Checkpoints;
using BertCore.IO;
using BertCore.Tensors;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Cli;

/// <summary>`bertcore import` on the ONNX fixtures of tools/reference/fixtures/onnx; the imported folder is then
/// taken by `bertcore forward --model`.</summary>
public class ImportCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bertcore-import-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static int[] Bits(Tensor t) => Array.ConvertAll(t.ToArray(), BitConverter.SingleToInt32Bits);

    [Fact]
    public void Imported_folder_runs_with_forward()
    {
        string model = Path.Combine(_dir, "model");
        var imported = CliRunner.Run("import", Fixtures.Path("onnx", "tiny_bert.onnx"), "--output", model);
        Assert.True(imported.ExitCode == 0, imported.StdErr);
        Assert.Contains("2 layers, hidden 24, 3 heads, feed-forward 40, vocabulary 57, 20 positions, 3 token types, " +
            "LayerNorm eps 1E-06, pooler yes", imported.StdErr);

        string input = Path.Combine(_dir, "inputs.json"), output = Path.Combine(_dir, "out.safetensors");
        File.WriteAllText(input, """{"texts": ["abc", "d"]}""");   // [CLS] a ##b ##c [SEP] and [CLS] d [SEP] + 2 pads
        var forward = CliRunner.Run("forward", "--model", model, "--input", input, "--output", output);
        Assert.True(forward.ExitCode == 0, forward.StdErr);
        using var result = SafeTensorsFile.Open(output);
        Assert.Equal([2, 5, 24], result.Info("last_hidden_state").Shape);
        Assert.Equal([2, 24], result.Info("pooler_output").Shape);
    }

    [Fact]
    public void Pooling_makes_the_imported_folder_an_embedding_model()
    {
        string model = Path.Combine(_dir, "model");
        var imported = CliRunner.Run("import", Fixtures.Path("onnx", "tiny_bert.onnx"), "--output", model, "--pooling", "cls", "--normalize");
        Assert.True(imported.ExitCode == 0, imported.StdErr);
        Assert.Equal(new BertCore.Embeddings.EmbeddingPooling(BertCore.Embeddings.PoolingMode.Cls, Normalize: true),
            BertCore.Embeddings.EmbeddingPooling.Read(model));
        var bare = CliRunner.Run("import", Fixtures.Path("onnx", "tiny_bert.onnx"), "--output", model, "--normalize");
        Assert.Equal(2, bare.ExitCode);
        Assert.Contains("--normalize goes with --pooling", bare.StdErr);
    }

    [Fact]
    public void A_graph_of_another_architecture_fails_naming_the_file_and_leaves_no_folder()
    {
        string source = Fixtures.Path("onnx", "mlp.onnx"), model = Path.Combine(_dir, "model");
        var r = CliRunner.Run("import", source, "--output", model);

        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith($"bertcore import: {source}: not a BERT encoder", r.StdErr);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void A_pytorch_folder_imports_bit_exact_to_the_weights_torch_saved()
    {
        string model = Path.Combine(_dir, "model");
        var r = CliRunner.Run("import", Fixtures.Path("torch", "fp16"), "--output", model);
        Assert.True(r.ExitCode == 0, r.StdErr);

        // fp16.safetensors: the same state dict as torch.load returned it, written by make_torch_bin_fixture.py.
        using var expected = SafeTensorsFile.Open(Fixtures.Path("torch", "fp16.safetensors"));
        using var imported = SafeTensorsFile.Open(Path.Combine(model, ModelDirectory.WeightsFile));
        int compared = 0;
        foreach (var name in imported.Names)
        {
            if (imported.Info(name).DType != "F32") continue;
            using Tensor want = expected.Read(name), got = imported.Read(name);
            Assert.True(Bits(want).SequenceEqual(Bits(got)), $"{name} differs");
            compared++;
        }
        Assert.True(compared > 40, $"only {compared} tensors compared");
        Assert.Equal(File.ReadAllBytes(Fixtures.Path("torch", "fp16", "vocab.txt")), File.ReadAllBytes(Path.Combine(model, "vocab.txt")));
    }

    [Fact]
    public void A_hostile_pickle_fails_naming_the_file_and_leaves_no_folder()
    {
        string folder = Path.Combine(_dir, "hostile"), model = Path.Combine(_dir, "model");
        Directory.CreateDirectory(folder);
        string source = Path.Combine(folder, "pytorch_model.bin");
        File.Copy(Fixtures.Path("torch", "hostile", "builtins_eval.bin"), source);
        File.Copy(Fixtures.Path("torch", "fp32", "config.json"), Path.Combine(folder, "config.json"));
        var r = CliRunner.Run("import", folder, "--output", model);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(source, r.StdErr);
        Assert.Contains("builtins", r.StdErr);
        Assert.False(Directory.Exists(model));
        Assert.Equal([folder], Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void Source_is_required()
    {
        var r = CliRunner.Run("import", "--output", Path.Combine(_dir, "model"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("SOURCE (a .onnx file, or a folder or .bin file of PyTorch weights) is required", r.StdErr);
    }
}
