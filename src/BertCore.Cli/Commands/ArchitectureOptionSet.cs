using System.CommandLine;
using BertCore.IO;
using BertCore.Nn.Heads;

namespace BertCore.Cli.Commands;

/// <summary>
/// The pretraining options that shape a fresh model and its dropout: <c>--pre-ln</c>, <c>--no-bias</c> (with
/// <c>--config</c> only: a checkpoint's architecture is its own) and <c>--dropout P</c> (any model, this run only).
/// </summary>
internal sealed class ArchitectureOptionSet
{
    private readonly Option<bool> _preLn = CliOption.Flag("--pre-ln",
        "with --config: pre-LayerNorm layers and a final LayerNorm (layer_norm_position \"pre\"; allows larger learning rates " +
        "and less warmup; transformers' BertModel cannot run the result)");
    private readonly Option<bool> _noBias = CliOption.Flag("--no-bias",
        "with --config: no bias in the linears of the encoder layers (encoder_linear_bias false, as Cramming)");
    private readonly Option<float?> _dropout = CliOption.MaybeFloat("--dropout",
        "dropout of the embeddings, sublayers and attention probabilities during this run (0 turns it off, as Cramming); " +
        "the saved config.json keeps the model's own values, so fine-tuning uses those", "P");

    /// <summary>The options, to add to the command.</summary>
    public IEnumerable<Option> All => [_preLn, _noBias, _dropout];

    /// <summary>The configuration of a fresh model with <c>--pre-ln</c> and <c>--no-bias</c> applied.</summary>
    /// <exception cref="UsageException"><c>--pre-ln</c> or <c>--no-bias</c> without a fresh model (<paramref name="config"/> null).</exception>
    public BertConfig? Apply(ParseResult parse, BertConfig? config)
    {
        bool preLn = parse.GetValue(_preLn), noBias = parse.GetValue(_noBias);
        if (config == null)
            return preLn || noBias ? throw new UsageException("--pre-ln and --no-bias shape a fresh model: they go with --config, not --init") : null;
        return config with
        {
            LayerNormPosition = preLn ? BertConfig.PreLayerNorm : config.LayerNormPosition,
            EncoderLinearBias = config.EncoderLinearBias && !noBias,
        };
    }

    /// <summary>Applies <c>--dropout</c> to the model for this run (<see cref="Nn.Bert.BertEncoder.OverrideDropout"/>).</summary>
    /// <exception cref="UsageException">The probability is outside [0, 1).</exception>
    public void ApplyDropout(ParseResult parse, BertForPreTraining model)
    {
        if (parse.GetValue(_dropout) is not float p) return;
        if (!(p >= 0 && p < 1)) throw new UsageException("--dropout must be in [0, 1)");
        model.Bert.OverrideDropout(p);
        Console.WriteLine($"--dropout {p}: dropout {p} in this run; the saved config.json keeps {model.Config.HiddenDropoutProb} " +
            $"(hidden) and {model.Config.AttentionProbsDropoutProb} (attention)");
    }
}
