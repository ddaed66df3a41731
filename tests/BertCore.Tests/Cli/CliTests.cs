using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests;

public class CliTests
{
    [Fact]
    public void Version_prints_the_assembly_version()
    {
        var r = CliRunner.Run("--version");
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"^bertcore \d+\.\d+\.\d+\s*$", r.StdOut);
    }

    [Fact]
    public void Help_lists_the_commands()
    {
        var r = CliRunner.Run("--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("bertcore [command] [options]", r.StdOut);
        foreach (var verb in new[] { "forward", "inspect", "import", "tokenize", "vocab", "pretrain", "finetune", "distill", "evaluate", "predict", "embed",
                     "export-onnx", "demo", "bench", "selfcheck", "devices" })
            Assert.Matches($@"\n  {verb}( <[A-Z]+>)? +\S", r.StdOut);
    }

    [Fact]
    public void No_command_prints_the_help_and_fails()
    {
        var r = CliRunner.Run();
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("bertcore [command] [options]", r.StdOut);
    }

    [Fact]
    public void Unknown_command_fails_with_a_message()
    {
        var r = CliRunner.Run("frobnicate");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("unknown command 'frobnicate'", r.StdErr);
    }
}
