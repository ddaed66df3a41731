using System.Globalization;

namespace BertCore.Cli;

/// <summary>A usage error: printed with the command's help hint, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// Parses `--name value`, `--name=value`, repeated values (`--corpus a.txt b.txt`) and boolean flags. Every
/// option must be read or the parse fails with the unknown option named, so typos never pass silently.
/// </summary>
public sealed class Arguments
{
    private readonly Dictionary<string, List<string>> _values = new();
    private readonly List<string> _positional = new();
    private readonly HashSet<string> _read = new();

    public Arguments(IEnumerable<string> args)
    {
        string? current = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                var eq = arg.IndexOf('=');
                current = eq > 0 ? arg[2..eq] : arg[2..];
                if (!_values.ContainsKey(current)) _values[current] = new List<string>();
                if (eq > 0) { _values[current].Add(arg[(eq + 1)..]); current = null; }
            }
            else if (current != null) _values[current].Add(arg);
            else _positional.Add(arg);
        }
    }

    /// <summary>The i-th argument before the first option (e.g. the benchmark name), or null.</summary>
    public string? Positional(int i)
    {
        _positionalRead = Math.Max(_positionalRead, i + 1);
        return i < _positional.Count ? _positional[i] : null;
    }

    private int _positionalRead;

    public bool Flag(string name)
    {
        _read.Add(name);
        if (!_values.TryGetValue(name, out var v)) return false;
        if (v.Count > 0) throw new UsageException($"--{name} takes no value");
        return true;
    }

    public string? Optional(string name)
    {
        _read.Add(name);
        if (!_values.TryGetValue(name, out var v)) return null;
        if (v.Count != 1) throw new UsageException($"--{name} needs exactly one value");
        return v[0];
    }

    public string Required(string name) => Optional(name) ?? throw new UsageException($"--{name} is required");

    public IReadOnlyList<string> Many(string name, bool required = false)
    {
        _read.Add(name);
        if (_values.TryGetValue(name, out var v) && v.Count > 0) return v;
        if (required) throw new UsageException($"--{name} needs at least one value");
        return [];
    }

    public int Int(string name, int fallback) =>
        Parse(name, fallback, (string s, out int v) => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out v));

    public float Float(string name, float fallback) =>
        Parse(name, fallback, (string s, out float v) => float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out v));

    private delegate bool TryParser<T>(string s, out T value);

    private T Parse<T>(string name, T fallback, TryParser<T> parse)
    {
        var s = Optional(name);
        if (s == null) return fallback;
        return parse(s, out var v) ? v : throw new UsageException($"--{name}: '{s}' is not a valid {typeof(T).Name.ToLowerInvariant()}");
    }

    /// <summary>Fails on any option that no Flag/Optional/Required/Many call asked for.</summary>
    public void RejectUnknown()
    {
        if (_positional.Count > _positionalRead) throw new UsageException($"unexpected argument '{_positional[_positionalRead]}'");
        var unknown = _values.Keys.Where(k => !_read.Contains(k)).ToArray();
        if (unknown.Length > 0) throw new UsageException($"unknown option --{unknown[0]}");
    }
}
