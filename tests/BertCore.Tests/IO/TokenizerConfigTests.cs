using BertCore.IO;
using BertCore.Tests.Data;
using Xunit;

namespace BertCore.Tests.IO;

public sealed class TokenizerConfigTests
{
    [Theory]
    [InlineData("{\"do_lower_case\": false, \"model_max_length\": 128}", false)]
    [InlineData("\uFEFF{\"do_lower_case\": true}", true)]
    [InlineData("{\"model_max_length\": 128}", null)]
    public void ReadsDoLowerCase(string json, bool? expected)
    {
        using var dir = new TempFolder();
        dir.Write(TokenizerConfig.FileName, json);
        Assert.Equal(expected, TokenizerConfig.DoLowerCase(dir.Root));
    }

    /// <summary>
    /// Minimized fuzz cases (tests/BertCore.Tests/Fuzzing): a repeated field threw ArgumentException and an unpaired
    /// surrogate escape InvalidOperationException from System.Text.Json.
    /// </summary>
    [Theory]
    [InlineData("{\"\":true,\"model_max_length\":2,\n\"model_max_length\":2,\"\":\"\"}", 2, "property \"model_max_length\" appears twice in one object")]
    [InlineData("{\"\\ud800\":true,\"\":\"\"}", 1, "a JSON string is not valid text")]
    [InlineData("{\"\":true,\"\\udc00\":2,\"\":\"\"}", 1, "a JSON string is not valid text")]
    public void RepeatedFieldsAndUnpairedSurrogatesNameFileAndLine(string json, int line, string problem)
    {
        using var dir = new TempFolder();
        string path = dir.Write(TokenizerConfig.FileName, json);
        var e = Assert.Throws<InvalidFileException>(() => TokenizerConfig.DoLowerCase(dir.Root));
        Assert.StartsWith($"{path}:{line}: {problem}", e.Message);
    }
}
