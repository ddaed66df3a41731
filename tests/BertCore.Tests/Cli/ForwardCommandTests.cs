using System.Text.Json;
using BertCore.IO;
using BertCore.Tests.Support;
using BertCore.Text;
using Xunit;

namespace BertCore.Tests.Cli;

/// <summary>`bertcore forward` on the PyTorch fixture model (tools/reference/fixtures/bert).</summary>
public class ForwardCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bertcore-forward-").FullName;
    private static readonly string Model = Fixtures.Path("bert", "model");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Rows(int[] values, int seq) =>
        "[" + string.Join(",", values.Chunk(seq).Select(r => "[" + string.Join(",", r) + "]")) + "]";

    /// <summary>Every output against PyTorch's at 1e-4 absolute (BertParityTests' bar). Packed (the default), the
    /// positions outside a row's attention mask hold 0 instead of what Hugging Face computes for padding tokens;
    /// --padded computes those too.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Token_ids_give_the_pytorch_outputs(bool padded)
    {
        using var io = SafeTensorsFile.Open(Fixtures.Path("bert", "io.safetensors"));
        var mask = io.Ints("attention_mask");
        Assert.Contains(0, mask);   // the fixture pads, so the packed path is tried on padding
        var input = Path.Combine(_dir, "inputs.json");
        File.WriteAllText(input, $$"""
            {"input_ids": {{Rows(io.Ints("input_ids"), 37)}}, "token_type_ids": {{Rows(io.Ints("token_type_ids"), 37)}},
             "attention_mask": {{Rows(mask, 37)}}}
            """);
        var output = Path.Combine(_dir, "out.safetensors");
        var r = CliRunner.Run(["forward", "--model", Model, "--input", input, "--output", output, .. padded ? new[] { "--padded" } : []]);
        Assert.True(r.ExitCode == 0, r.StdErr);

        using var result = SafeTensorsFile.Open(output);
        Assert.Equal(
            ["hidden_states.0", "hidden_states.1", "hidden_states.2", "hidden_states.3", "last_hidden_state", "mlm_logits", "nsp_logits", "pooler_output"],
            result.Names.Order());
        foreach (var name in result.Names)
        {
            var expected = io.Floats(name);
            var actual = result.Floats(name);
            var shape = result.Info(name).Shape;
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                bool padding = shape.Length == 3 && mask[i / shape[2]] == 0;   // [B, S, X]: the token's mask
                if (padding && !padded) Assert.True(actual[i] == 0, $"{name}[{i}] = {actual[i]} at a padding position");
                else Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-4, $"{name}[{i}] = {actual[i]}, PyTorch {expected[i]}");
            }
        }
    }

    [Fact]
    public void Texts_are_tokenized_with_the_model_vocabulary()
    {
        var input = Path.Combine(_dir, "inputs.json");
        File.WriteAllText(input, """{"texts": ["me mi mo", "na ne"], "text_pairs": ["nu", "no ni nu"]}""");
        var output = Path.Combine(_dir, "out.safetensors");
        var r = CliRunner.Run("forward", "--model", Model, "--input", input, "--output", output);
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var result = SafeTensorsFile.Open(output);
        var tokenizer = BertTokenizer.FromVocabFile(Path.Combine(Model, "vocab.txt"));
        int longest = Math.Max(tokenizer.Encode("me mi mo", "nu").Length, tokenizer.Encode("na ne", "no ni nu").Length);
        Assert.Equal([2, longest, 96], result.Info("last_hidden_state").Shape);
        Assert.Equal([2, longest, 1000], result.Info("mlm_logits").Shape);
    }

    [Theory]
    [InlineData("""{"input_ids": [[5, 6], [7]]}""", "row 1 is not an array of length 2")]
    [InlineData("""{"input_ids": [[5, 6]], "attention_mask": [[1]]}""", "\"attention_mask\" is [1][1] but input_ids is [1][2]")]
    [InlineData("""{"tokens": []}""", "needs \"input_ids\" or \"texts\"")]
    [InlineData("""{"input_ids": [[5, 1000]]}""", "index 1000 at position 1 is outside [0, 1000)")]
    [InlineData("{\"input_ids\": [[5, 6]", "not valid JSON")]
    [InlineData("""{"input_ids": [[5, 6]], "attention_mask": [[0, 1]]}""", "\"attention_mask\": row 0 has a real token after padding")]
    public void Bad_inputs_fail_with_a_message_naming_the_problem(string json, string problem)
    {
        var input = Path.Combine(_dir, "inputs.json");
        File.WriteAllText(input, json);
        var r = CliRunner.Run("forward", "--model", Model, "--input", input, "--output", Path.Combine(_dir, "out.safetensors"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(problem, r.StdErr);
    }

    [Fact]
    public void A_missing_model_folder_is_named()
    {
        var r = CliRunner.Run("forward", "--model", Path.Combine(_dir, "nope"), "--input", "x.json", "--output", "y");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("nope: model folder not found", r.StdErr);
    }
}
