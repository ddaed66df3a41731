using System.CommandLine;
using System.CommandLine.Completions;
using System.Globalization;

namespace BertCore.Cli;

/// <summary>
/// Typed options as every verb declares them. Numbers parse with the invariant culture, and a value that does not
/// parse is an error naming the option ("--lr: 'x' is not a valid single"), reported with exit code 2.
/// </summary>
public static class CliOption
{
    /// <summary>A string option; null when absent unless <paramref name="fallback"/> is given.</summary>
    public static Option<string> Text(string name, string description, string? fallback = null, bool required = false,
        string? valueName = null, string[]? among = null)
    {
        var option = new Option<string>(name)
        {
            Description = among == null ? description : $"{description} ({string.Join(", ", among[..^1])} or {among[^1]})",
            Required = required, HelpName = valueName,
        };
        if (fallback != null) option.DefaultValueFactory = _ => fallback;
        if (among != null)
        {
            option.Validators.Add(result =>
            {
                if (result.Tokens.Count > 0 && !among.Contains(result.Tokens[0].Value))
                    result.AddError($"{name} must be {string.Join(", ", among[..^1])} or {among[^1]}, not '{result.Tokens[0].Value}'");
            });
            Suggest(option, among);
        }
        return option;
    }

    /// <summary>Offers <paramref name="values"/> as completions of the option's value.</summary>
    public static void Suggest(Option option, params string[] values) =>
        option.CompletionSources.Add(_ => values.Select(v => new CompletionItem(v)));

    /// <summary>One or more values, given after one option name (<c>--corpus a.txt b.txt</c>) or by repeating it.</summary>
    public static Option<string[]> Many(string name, string description, bool required = false, string? valueName = null) => new(name)
    {
        Description = description, Required = required, HelpName = valueName, AllowMultipleArgumentsPerToken = true,
        Arity = ArgumentArity.OneOrMore,
    };

    /// <summary>A switch: true when given.</summary>
    public static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    /// <summary>An integer with a default.</summary>
    public static Option<int> Int(string name, int fallback, string description, string valueName = "N") =>
        Number(name, description, valueName, "int32", () => fallback, (string s, out int v) => TryInt(s, out v));

    /// <summary>An integer whose default depends on other options (null when absent).</summary>
    public static Option<int?> MaybeInt(string name, string description, string valueName = "N", bool required = false)
    {
        var option = Number(name, description, valueName, "int32", null, (string s, out int? v) => (v = TryInt(s, out int x) ? x : null) != null);
        option.Required = required;
        return option;
    }

    /// <summary>A real number with a default.</summary>
    public static Option<float> Float(string name, float fallback, string description, string valueName = "X") =>
        Number(name, description, valueName, "single", () => fallback, (string s, out float v) => TryFloat(s, out v));

    /// <summary>A real number whose default depends on other options (null when absent).</summary>
    public static Option<float?> MaybeFloat(string name, string description, string valueName = "X") =>
        Number(name, description, valueName, "single", null, (string s, out float? v) => (v = TryFloat(s, out float x) ? x : null) != null);

    /// <summary>The <c>--beta2</c> option of the training verbs: AdamW's second-moment decay.</summary>
    public static Option<float> Beta2(float fallback) => Float("--beta2", fallback,
        "AdamW beta2, the decay of the squared-gradient average (0.98 in the low-budget recipes: Izsak et al. 2021, Cramming)", "B2");

    /// <summary>The <c>--adam-eps</c> option of the training verbs: AdamW's epsilon.</summary>
    public static Option<float> AdamEps(float fallback) => Float("--adam-eps", fallback,
        "AdamW epsilon, added to the root of the squared-gradient average", "EPS");

    /// <summary>The range checks of <see cref="Beta2"/> and <see cref="AdamEps"/>.</summary>
    /// <exception cref="UsageException">beta2 outside [0, 1) or eps not positive.</exception>
    public static void ValidateAdam(ParseResult parse, Option<float> beta2, Option<float> eps)
    {
        if (parse.GetValue(beta2) is not (>= 0 and < 1)) throw new UsageException($"--beta2 must be in [0, 1), not {parse.GetValue(beta2)}");
        if (!(parse.GetValue(eps) > 0)) throw new UsageException($"--adam-eps must be positive, not {parse.GetValue(eps)}");
    }

    /// <summary>The <c>--device</c> option of the training and inference verbs.</summary>
    public static Option<string> Device() => Text("--device",
        "cpu; cuda or cuda:N runs on an NVIDIA GPU (see `bertcore devices`); simulator: the GPU kernels on the CPU, very slow, for tests",
        fallback: "cpu", valueName: "cpu|cuda[:N]");

    /// <summary>The <c>--threads</c> option of the verbs that run a model; read it with <see cref="Backend"/>.</summary>
    public static Option<int> Threads() => Int("--threads", 0, "CPU threads per kernel, the caller included (0: one per processor)", "T");

    /// <summary>The backend that <c>--device</c> and <c>--threads</c> name.</summary>
    /// <exception cref="UsageException">A negative thread count.</exception>
    public static Backends.IBackend Backend(ParseResult parse, Option<string> device, Option<int> threads)
    {
        int count = parse.GetValue(threads);
        if (count < 0) throw new UsageException($"--threads must be 0 (all) or positive, not {count}");
        return Devices.Create(parse.GetValue(device)!, count);
    }

    /// <summary>The <c>--quantize</c> option of the inference verbs; read it with <see cref="Precision"/>.</summary>
    public static Option<string> Quantize() => Text("--quantize",
        "int8: every Linear in int8 (weights per output channel, activations per token; attention, LayerNorm and softmax stay fp32), CPU only",
        fallback: "none", among: ["none", "int8"]);

    /// <summary>The inference precision a <see cref="Quantize"/> value asks for.</summary>
    public static Nn.InferencePrecision Precision(string quantize) => quantize == "int8" ? Nn.InferencePrecision.Int8 : Nn.InferencePrecision.Fp32;

    /// <summary>The value of an option that this use of the verb needs (others may not).</summary>
    /// <exception cref="UsageException">The option was not given.</exception>
    public static T Require<T>(ParseResult parse, Option<T> option) where T : class =>
        parse.GetValue(option) ?? throw new UsageException($"{option.Name} is required");

    /// <summary>Whether <paramref name="option"/> was given on the command line (not just defaulted).</summary>
    public static bool Given(this ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    private delegate bool TryParse<T>(string text, out T value);

    private static Option<T> Number<T>(string name, string description, string valueName, string typeName, Func<T>? fallback, TryParse<T> parse)
    {
        var option = new Option<T>(name) { Description = description, HelpName = valueName };
        if (fallback != null) option.DefaultValueFactory = _ => fallback();
        option.CustomParser = result =>
        {
            if (result.Tokens.Count == 0) return fallback == null ? default! : fallback();
            var text = result.Tokens[0].Value;
            if (parse(text, out T value)) return value;
            result.AddError($"{name}: '{text}' is not a valid {typeName}");
            return default!;
        };
        return option;
    }

    private static bool TryInt(string s, out int value) => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);

    private static bool TryFloat(string s, out float value) => float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
}
