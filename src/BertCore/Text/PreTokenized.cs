using System.Runtime.InteropServices;

namespace BertCore.Text;

/// <summary>
/// The words of one text after BERT's normalization and pre-tokenization. Every normalized char remembers the
/// original char range it came from, which is how token offsets point into the original text (as Hugging Face's
/// <c>NormalizedString</c> alignments do). One instance per encode call; not thread-safe.
/// </summary>
internal sealed class PreTokenized
{
    private readonly List<char> _chars = [];
    private readonly List<int> _starts = [];
    private readonly List<int> _ends = [];
    private readonly List<Word> _words = [];
    private int _wordBegin;

    /// <summary>A word: normalized chars [Begin, End) of the buffer; <see cref="SpecialId"/> is the id of a special token matched verbatim, else -1.</summary>
    public readonly record struct Word(int Begin, int End, int SpecialId);

    /// <summary>The words in text order.</summary>
    public IReadOnlyList<Word> Words => _words;

    /// <summary>The normalized chars of <paramref name="word"/>.</summary>
    public ReadOnlySpan<char> Chars(Word word) => CollectionsMarshal.AsSpan(_chars)[word.Begin..word.End];

    /// <summary>Original-text range covered by normalized chars [begin, end) of the buffer.</summary>
    public (int Start, int End) OriginalRange(int begin, int end) => (_starts[begin], _ends[end - 1]);

    /// <summary>Appends one normalized code point to the current word, aligned to original chars [start, end).</summary>
    public void Append(int codePoint, int start, int end)
    {
        if (codePoint > char.MaxValue)
        {
            string pair = char.ConvertFromUtf32(codePoint);
            AppendChar(pair[0], start, end);
            AppendChar(pair[1], start, end);
        }
        else
        {
            AppendChar((char)codePoint, start, end);
        }
    }

    /// <summary>Closes the current word; does nothing when it is empty.</summary>
    public void EndWord()
    {
        if (_chars.Count > _wordBegin)
            _words.Add(new Word(_wordBegin, _chars.Count, -1));
        _wordBegin = _chars.Count;
    }

    /// <summary>Adds original chars [start, end), a special token matched verbatim, as one word tagged with its <paramref name="id"/>.</summary>
    public void AddSpecial(ReadOnlySpan<char> original, int start, int end, int id)
    {
        EndWord();
        for (int i = start; i < end; i++)
            AppendChar(original[i], i, i + 1);
        _words.Add(new Word(_wordBegin, _chars.Count, id));
        _wordBegin = _chars.Count;
    }

    private void AppendChar(char c, int start, int end)
    {
        _chars.Add(c);
        _starts.Add(start);
        _ends.Add(end);
    }
}
