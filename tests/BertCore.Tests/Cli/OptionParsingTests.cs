using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Cli;

/// <summary>The System.CommandLine layer: generated help per verb, typed values whose errors name the option (exit 2),
/// the old option syntaxes, and completions through the [suggest] directive.</summary>
public class OptionParsingTests
{
    [Theory]
    [InlineData("pretrain", "--corpus", "--max-steps", "--mask-prob", "--resume", "Ctrl+C stops")]
    [InlineData("finetune", "--task", "--layer-decay", "--multitask", "--freeze-encoder", "--save-every")]
    [InlineData("distill", "--teacher", "--hidden-loss", "--speed", "--rounds", "--patience")]
    [InlineData("bench", "<BENCHMARK>", "--trans-a", "--threads", "--device", "gflops_1_thread")]
    [InlineData("importance", "--task-model", "--method", "--threshold", "--smoothing", "Train No Evil")]
    public void Verb_help_is_generated_with_every_option_and_its_default(string verb, params string[] expected)
    {
        var r = CliRunner.Run(verb, "--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains($"bertcore {verb} ", r.StdOut);
        foreach (var text in expected) Assert.Contains(text, r.StdOut);
        Assert.Contains("[default: ", r.StdOut);
    }

    [Theory]
    [InlineData("--batch", "x", "--batch: 'x' is not a valid int32")]
    [InlineData("--lr", "1e-4x", "--lr: '1e-4x' is not a valid single")]
    [InlineData("--mask", "words", "--mask must be token, whole-word or span, not 'words'")]
    [InlineData("--bogus", "1", "Unrecognized command or argument '--bogus'")]
    public void A_bad_value_is_a_usage_error_naming_the_option(string option, string value, string message)
    {
        var r = CliRunner.Run("pretrain", "--corpus", "c.txt", "--vocab", "v.txt", "--config", "tiny", "--output", "out", "--max-steps", "2", option, value);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"bertcore pretrain: {message}. Run `bertcore pretrain --help`.", r.StdErr.Trim());
    }

    [Fact]
    public void A_missing_required_option_is_named()
    {
        var r = CliRunner.Run("pretrain", "--corpus", "c.txt", "--max-steps", "2");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("'--output' is required", r.StdErr);
    }

    [Fact]
    public void Equals_syntax_and_several_values_after_one_option_still_parse()
    {
        // Both reach the verb's own checks (a usage error about --config/--init), so the parse itself succeeded.
        var r = CliRunner.Run("pretrain", "--corpus", "a.txt", "b.txt", "--vocab=v.txt", "--output=out", "--max-steps=2");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("give exactly one of --config and --init", r.StdErr);
    }

    [Fact]
    public void Completions_list_the_options_and_the_values_of_a_choice()
    {
        const string line = "pretrain --eval";
        var options = CliRunner.Run($"[suggest:{line.Length}]", line);
        Assert.Equal(0, options.ExitCode);
        Assert.Equal(["--eval-batches", "--eval-corpus", "--eval-every"], options.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

        const string value = "pretrain --mask ";
        var values = CliRunner.Run($"[suggest:{value.Length}]", value);
        Assert.Equal(["span", "token", "whole-word"], values.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order());
    }
}
