using MlWordPieceOptions = Microsoft.ML.Tokenizers.WordPieceOptions;
using MlWordPieceTokenizer = Microsoft.ML.Tokenizers.WordPieceTokenizer;

namespace BertCore.Text;

/// <summary>
/// WordPiece sub-word splitting (Hugging Face <c>WordpieceTokenizer</c>): greedy longest match first, pieces after
/// the first carry the <c>##</c> prefix, and a word that cannot be spelled entirely, or is longer than
/// <see cref="MaxInputCharsPerWord"/> code points, becomes one unknown token. Immutable and thread-safe.
/// </summary>
/// <remarks>
/// The matching itself is Microsoft.ML.Tokenizers' <c>WordPieceTokenizer</c> (the model under its BertTokenizer),
/// which implements the same greedy search. Its length limit counts UTF-16 chars where HF counts code points, so
/// the limit is checked here and the package is given twice the limit, enough for any word that passes it.
/// Its search steps by UTF-16 char, which gives the same result: a vocabulary token never ends in half a
/// surrogate pair.
/// </remarks>
public sealed class WordPiece
{
    private readonly MlWordPieceTokenizer _model;
    private readonly string[] _tokens;

    /// <summary>A piece of a word: its token id and the char range [Start, End) of the word it spells.</summary>
    public readonly record struct Piece(int Id, int Start, int End);

    /// <summary>Creates WordPiece over <paramref name="tokens"/> (id = index).</summary>
    /// <exception cref="ArgumentException">A token is empty, contains a line break, or repeats; or <paramref name="unknownToken"/> is missing.</exception>
    public WordPiece(IReadOnlyList<string> tokens, string unknownToken = Vocabulary.UnknownToken, int maxInputCharsPerWord = 100)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxInputCharsPerWord);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string token in tokens)
        {
            if (string.IsNullOrEmpty(token) || token.AsSpan().IndexOfAny('\n', '\r') >= 0 || !seen.Add(token))
                throw new ArgumentException($"WordPiece token '{token}' is empty, contains a line break, or repeats.", nameof(tokens));
        }
        MaxInputCharsPerWord = maxInputCharsPerWord;
        _tokens = tokens.ToArray();
        // The package reads its vocabulary only from a vocab.txt stream.
        using var stream = new MemoryStream(new System.Text.UTF8Encoding(false).GetBytes(string.Join('\n', tokens)));
        _model = MlWordPieceTokenizer.Create(stream, new MlWordPieceOptions
        {
            UnknownToken = unknownToken,
            ContinuingSubwordPrefix = "##",
            MaxInputCharsPerWord = 2 * maxInputCharsPerWord,
        });
        UnknownId = _model.UnknownTokenId;
    }

    /// <summary>Id of the unknown token.</summary>
    public int UnknownId { get; }

    /// <summary>Longest word, in code points, that is split; longer words become the unknown token (HF default 100).</summary>
    public int MaxInputCharsPerWord { get; }

    /// <summary>Splits white-space-separated words into piece tokens, as HF <c>WordpieceTokenizer.tokenize</c>.</summary>
    public IReadOnlyList<string> Tokenize(string text)
    {
        var pieces = new List<Piece>();
        for (int i = 0, start = -1; i <= text.Length; i++)
        {
            bool boundary = i == text.Length || CharClasses.IsSplitSpace(text[i]);
            if (boundary && start >= 0)
            {
                Split(text.AsSpan(start, i - start), pieces);
                start = -1;
            }
            else if (!boundary && start < 0)
            {
                start = i;
            }
        }
        return pieces.Select(p => _tokens[p.Id]).ToArray();
    }

    /// <summary>Appends the pieces of one word (no white space inside) to <paramref name="output"/>.</summary>
    public void Split(ReadOnlySpan<char> word, List<Piece> output)
    {
        if (word.IsEmpty)
            return;
        if (CharClasses.CodePointCount(word) > MaxInputCharsPerWord)
        {
            output.Add(new Piece(UnknownId, 0, word.Length));
            return;
        }
        foreach (var token in _model.EncodeToTokens(word, out _, considerPreTokenization: false, considerNormalization: false))
        {
            (int offset, int length) = token.Offset.GetOffsetAndLength(word.Length);
            output.Add(new Piece(token.Id, offset, offset + length));
        }
    }
}
