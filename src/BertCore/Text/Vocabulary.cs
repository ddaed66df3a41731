using BertCore.IO;

namespace BertCore.Text;

/// <summary>
/// A WordPiece vocabulary as stored in BERT's <c>vocab.txt</c>: one token per line, the token's id is its 0-based
/// line index. Immutable, so safe to share between threads.
/// </summary>
/// <remarks>
/// Loading follows Hugging Face's <c>load_vocab</c> (UTF-8, lines end at <c>\n</c>, <c>\r\n</c> or <c>\r</c>, a final
/// newline does not add a token) and is stricter where HF silently produces a broken vocabulary: an empty line,
/// a duplicate token, or a missing <c>[PAD] [UNK] [CLS] [SEP] [MASK]</c> is an error naming the file and line.
/// A UTF-8 byte-order mark at the start of the file is skipped.
/// </remarks>
public sealed class Vocabulary
{
    /// <summary>The padding token.</summary>
    public const string PadToken = "[PAD]";
    /// <summary>The token that replaces words WordPiece cannot spell.</summary>
    public const string UnknownToken = "[UNK]";
    /// <summary>The classification token that starts every encoded sequence.</summary>
    public const string ClsToken = "[CLS]";
    /// <summary>The separator token that ends each segment.</summary>
    public const string SepToken = "[SEP]";
    /// <summary>The masked-LM mask token.</summary>
    public const string MaskToken = "[MASK]";

    /// <summary>The special tokens every BERT vocabulary must contain.</summary>
    public static IReadOnlyList<string> SpecialTokens { get; } = [PadToken, UnknownToken, ClsToken, SepToken, MaskToken];

    private readonly string[] _tokens;
    private readonly Dictionary<string, int> _ids;

    /// <summary>Builds a vocabulary from tokens in id order.</summary>
    /// <exception cref="ArgumentException">No tokens, an empty or duplicate token, or a missing special token.</exception>
    public Vocabulary(IEnumerable<string> tokens)
        : this(tokens.ToArray(), (line, problem) =>
            new ArgumentException(line is null ? $"Vocabulary: {problem}" : $"Vocabulary token {line - 1}: {problem}", nameof(tokens)))
    {
    }

    private Vocabulary(string[] tokens, Func<int?, string, Exception> error)
    {
        if (tokens.Length == 0)
            throw error(null, "empty vocabulary (no tokens)");
        _tokens = tokens;
        _ids = new Dictionary<string, int>(tokens.Length, StringComparer.Ordinal);
        for (int id = 0; id < tokens.Length; id++)
        {
            string token = tokens[id] ?? throw error(id + 1, "null token");
            if (token.Length == 0)
                throw error(id + 1, "empty token");
            if (token.Contains('\n') || token.Contains('\r'))
                throw error(id + 1, "token contains a line break");
            if (!_ids.TryAdd(token, id))
                throw error(id + 1, $"duplicate token '{token}' (first on line {_ids[token] + 1})");
        }
        foreach (string special in SpecialTokens)
            if (!_ids.ContainsKey(special))
                throw error(null, $"required special token {special} is missing");
        PadId = _ids[PadToken];
        UnknownId = _ids[UnknownToken];
        ClsId = _ids[ClsToken];
        SepId = _ids[SepToken];
        MaskId = _ids[MaskToken];
    }

    /// <summary>Loads <c>vocab.txt</c>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidFileException">The file is empty, not UTF-8, or has an empty/duplicate token or lacks a special token.</exception>
    public static Vocabulary Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: vocabulary file not found", path);
        return new Vocabulary(TextLines.Read(path), (line, problem) => new InvalidFileException(path, line, problem));
    }

    /// <summary>Writes the vocabulary as <c>vocab.txt</c>: UTF-8 without BOM, one token per line, final newline.</summary>
    public void Save(string path) =>
        File.WriteAllText(path, string.Join('\n', _tokens) + "\n", new System.Text.UTF8Encoding(false));

    /// <summary>Number of tokens (the model's vocab_size).</summary>
    public int Count => _tokens.Length;

    /// <summary>All tokens, indexed by id.</summary>
    public IReadOnlyList<string> Tokens => _tokens;

    /// <summary>The token with id <paramref name="id"/>.</summary>
    public string this[int id] => (uint)id < (uint)_tokens.Length
        ? _tokens[id]
        : throw new ArgumentOutOfRangeException(nameof(id), id, $"Token id outside the vocabulary [0, {_tokens.Length}).");

    /// <summary>Looks up a token's id (ordinal, case-sensitive).</summary>
    public bool TryGetId(string token, out int id) => _ids.TryGetValue(token, out id);

    /// <summary>The id of <paramref name="token"/>, or <see cref="UnknownId"/> when it is not in the vocabulary.</summary>
    public int IdOf(string token) => _ids.TryGetValue(token, out int id) ? id : UnknownId;

    /// <summary>Whether <paramref name="id"/> is one of <see cref="SpecialTokens"/>.</summary>
    public bool IsSpecial(int id) => id == PadId || id == UnknownId || id == ClsId || id == SepId || id == MaskId;

    /// <summary>Id of [PAD].</summary>
    public int PadId { get; }
    /// <summary>Id of [UNK].</summary>
    public int UnknownId { get; }
    /// <summary>Id of [CLS].</summary>
    public int ClsId { get; }
    /// <summary>Id of [SEP].</summary>
    public int SepId { get; }
    /// <summary>Id of [MASK].</summary>
    public int MaskId { get; }
}
