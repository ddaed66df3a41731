namespace BertCore.Text;

/// <summary>
/// BERT's WordPiece tokenizer with Hugging Face parity: the same tokens and ids as HF <c>BertTokenizer</c>, and the
/// offsets, word ids and pair layout of <c>BertTokenizerFast</c>. Immutable; concurrent calls are safe.
/// </summary>
/// <remarks>
/// <para>What comes from where:</para>
/// <list type="bullet">
/// <item>Special tokens ([PAD] [UNK] [CLS] [SEP] [MASK]) written in the text are matched verbatim (case-sensitive,
/// anywhere) and kept whole, as HF does for its added tokens.</item>
/// <item>Normalization and pre-tokenization are <see cref="BasicTokenizer"/>, written here rather than taken from
/// Microsoft.ML.Tokenizers 2.0.1: its <c>BertTokenizer</c> deletes <c>\n \t \r</c> instead of treating them as
/// white space and drops symbols instead of emitting [UNK] (dotnet/machinelearning#7724, #7725), and it reports
/// offsets into its normalized text, with no mapping back. <see cref="BasicTokenizer"/> keeps, for every
/// normalized char, the original chars it came from.</item>
/// <item>The sub-word step is <see cref="WordPiece"/>, which delegates the greedy longest-match search to the
/// package's <c>WordPieceTokenizer</c> (the model under its <c>BertTokenizer</c>) and fixes its length limit.</item>
/// <item>[CLS]/[SEP] layout, segment ids, truncation and padding follow HF and are written here, because they have
/// to move offsets and word ids along with the ids.</item>
/// </list>
/// </remarks>
public sealed class BertTokenizer
{
    private readonly WordPiece _wordPiece;
    private readonly (string Token, int Id)[] _specials;

    /// <summary>Creates a tokenizer over <paramref name="vocabulary"/> with HF's default basic tokenization.</summary>
    /// <param name="vocabulary">The WordPiece vocabulary.</param>
    /// <param name="lowercase">True for uncased models (lower-case and strip accents), false for cased ones.</param>
    public BertTokenizer(Vocabulary vocabulary, bool lowercase = true)
        : this(vocabulary, new BasicTokenizer(lowerCase: lowercase))
    {
    }

    /// <summary>Creates a tokenizer with explicit basic-tokenization options (e.g. no CJK splitting).</summary>
    public BertTokenizer(Vocabulary vocabulary, BasicTokenizer basicTokenizer)
    {
        Vocabulary = vocabulary;
        BasicTokenizer = basicTokenizer;
        _wordPiece = new WordPiece(vocabulary.Tokens);
        _specials = Vocabulary.SpecialTokens
            .Select(t => (t, vocabulary.IdOf(t)))
            .OrderByDescending(s => s.t.Length)
            .ToArray();
    }

    /// <summary>Loads <c>vocab.txt</c> and creates a tokenizer (see <see cref="Vocabulary.Load"/> for the errors).</summary>
    public static BertTokenizer FromVocabFile(string vocabPath, bool lowercase = true) =>
        new(Vocabulary.Load(vocabPath), lowercase);

    /// <summary>The vocabulary.</summary>
    public Vocabulary Vocabulary { get; }

    /// <summary>The normalization and pre-tokenization options.</summary>
    public BasicTokenizer BasicTokenizer { get; }

    /// <summary>The tokens of <paramref name="text"/> without added special tokens (HF <c>tokenize</c>).</summary>
    public IReadOnlyList<string> Tokenize(string text)
    {
        var tokens = new List<SegmentToken>();
        AppendTokens(text, tokens, fixedWordId: -1);
        return tokens.Select(t => Vocabulary[t.Id]).ToArray();
    }

    /// <summary>
    /// Encodes a text, or a text pair as <c>[CLS] text [SEP] textPair [SEP]</c>, as HF <c>encode_plus</c>.
    /// </summary>
    /// <param name="text">The first segment.</param>
    /// <param name="textPair">The optional second segment.</param>
    /// <param name="maxLength">The longest result, special tokens included, when truncating.</param>
    /// <param name="truncation">How to cut an over-long result; <see cref="Truncation.None"/> ignores <paramref name="maxLength"/>.</param>
    /// <param name="addSpecialTokens">Whether to add [CLS] and [SEP].</param>
    /// <exception cref="ArgumentException">The chosen truncation cannot reach <paramref name="maxLength"/>.</exception>
    public Encoding Encode(string text, string? textPair = null, int maxLength = 512,
        Truncation truncation = Truncation.LongestFirst, bool addSpecialTokens = true)
    {
        var first = new List<SegmentToken>();
        AppendTokens(text, first, fixedWordId: -1);
        List<SegmentToken>? second = null;
        if (textPair is not null)
        {
            second = [];
            AppendTokens(textPair, second, fixedWordId: -1);
        }
        return Assemble(first, second, maxLength, truncation, addSpecialTokens);
    }

    /// <summary>
    /// Encodes text already split into words (CoNLL-style NER input, HF <c>is_split_into_words</c>): each word is
    /// tokenized on its own, <see cref="Encoding.WordIds"/> is the index of the input word, and offsets are relative
    /// to that word. A word that yields no tokens (white space, control characters) is simply absent.
    /// </summary>
    /// <exception cref="ArgumentException">The chosen truncation cannot reach <paramref name="maxLength"/>.</exception>
    public Encoding EncodeWords(IReadOnlyList<string> words, IReadOnlyList<string>? pairWords = null, int maxLength = 512,
        Truncation truncation = Truncation.LongestFirst, bool addSpecialTokens = true)
    {
        var first = new List<SegmentToken>();
        for (int i = 0; i < words.Count; i++)
            AppendTokens(words[i], first, fixedWordId: i);
        List<SegmentToken>? second = null;
        if (pairWords is not null)
        {
            second = [];
            for (int i = 0; i < pairWords.Count; i++)
                AppendTokens(pairWords[i], second, fixedWordId: i);
        }
        return Assemble(first, second, maxLength, truncation, addSpecialTokens);
    }

    /// <summary>Encodes each text (and its pair) and pads the rows into rectangular arrays.</summary>
    /// <exception cref="ArgumentException"><paramref name="pairs"/> has a different count, or the rows cannot be made rectangular with <paramref name="padding"/>.</exception>
    public EncodedBatch EncodeBatch(IReadOnlyList<string> texts, IReadOnlyList<string>? pairs = null, int maxLength = 512,
        Truncation truncation = Truncation.LongestFirst, Padding padding = Padding.Longest, bool addSpecialTokens = true)
    {
        if (pairs is not null && pairs.Count != texts.Count)
            throw new ArgumentException($"{pairs.Count} pairs for {texts.Count} texts.", nameof(pairs));
        var rows = new Encoding[texts.Count];
        for (int i = 0; i < rows.Length; i++)
            rows[i] = Encode(texts[i], pairs?[i], maxLength, truncation, addSpecialTokens);
        return new EncodedBatch(rows, padding, maxLength, Vocabulary.PadId);
    }

    /// <summary>
    /// Turns ids back into text as HF <c>decode</c> (with <c>clean_up_tokenization_spaces</c>): pieces joined to
    /// their word, spaces before <c>. , ! ?</c> and inside contractions removed. The result is lower-cased and
    /// accent-free for uncased models, so it is not the original text.
    /// </summary>
    /// <param name="ids">Token ids.</param>
    /// <param name="skipSpecialTokens">Leave out [PAD] [UNK] [CLS] [SEP] [MASK].</param>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside the vocabulary (HF would print [UNK]).</exception>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = true) =>
        TokenDecoder.Join(ids.Where(id => !(skipSpecialTokens && Vocabulary.IsSpecial(id))).Select(id => Vocabulary[id]));

    /// <summary>A token of one segment: id, original char range, and word index.</summary>
    private readonly record struct SegmentToken(int Id, int Start, int End, int WordId);

    /// <summary>Tokenizes one segment; words are numbered from 0 unless <paramref name="fixedWordId"/> is given.</summary>
    private void AppendTokens(string text, List<SegmentToken> output, int fixedWordId)
    {
        var words = new PreTokenized();
        int position = 0;
        while (FindSpecial(text, position) is var (start, length, id) && start >= 0)
        {
            BasicTokenizer.PreTokenize(text, position, start, words);
            words.AddSpecial(text, start, start + length, id);
            position = start + length;
        }
        BasicTokenizer.PreTokenize(text, position, text.Length, words);

        var pieces = new List<WordPiece.Piece>();
        for (int w = 0; w < words.Words.Count; w++)
        {
            PreTokenized.Word word = words.Words[w];
            int wordId = fixedWordId >= 0 ? fixedWordId : w;
            pieces.Clear();
            if (word.SpecialId >= 0)
                pieces.Add(new WordPiece.Piece(word.SpecialId, 0, word.End - word.Begin));
            else
                _wordPiece.Split(words.Chars(word), pieces);
            foreach (WordPiece.Piece piece in pieces)
            {
                (int s, int e) = words.OriginalRange(word.Begin + piece.Start, word.Begin + piece.End);
                output.Add(new SegmentToken(piece.Id, s, e, wordId));
            }
        }
    }

    /// <summary>The leftmost (then longest) special token in text[from..], or start -1.</summary>
    private (int Start, int Length, int Id) FindSpecial(string text, int from)
    {
        for (int i = text.IndexOf('[', from); i >= 0; i = text.IndexOf('[', i + 1))
        {
            foreach ((string token, int id) in _specials)
                if (string.CompareOrdinal(text, i, token, 0, token.Length) == 0)
                    return (i, token.Length, id);
        }
        return (-1, 0, 0);
    }

    /// <summary>Truncates the segments and lays them out with [CLS]/[SEP], segment ids and offsets.</summary>
    private Encoding Assemble(List<SegmentToken> first, List<SegmentToken>? second, int maxLength, Truncation truncation, bool addSpecialTokens)
    {
        int specials = !addSpecialTokens ? 0 : second is null ? 2 : 3;
        (int keepFirst, int keepSecond) = Truncator.KeptLengths(first.Count, second?.Count, specials, maxLength, truncation);
        int length = keepFirst + keepSecond + specials;
        var ids = new int[length];
        var typeIds = new int[length];
        var offsets = new (int, int)[length];
        var sequenceIds = new int[length];
        var wordIds = new int[length];
        int n = 0;

        void AddSpecial(int id, int typeId)
        {
            ids[n] = id;
            typeIds[n] = typeId;
            sequenceIds[n] = -1;
            wordIds[n] = -1;
            n++;
        }

        void AddSegment(List<SegmentToken> tokens, int count, int segment)
        {
            for (int i = 0; i < count; i++, n++)
            {
                ids[n] = tokens[i].Id;
                typeIds[n] = segment;
                offsets[n] = (tokens[i].Start, tokens[i].End);
                sequenceIds[n] = segment;
                wordIds[n] = tokens[i].WordId;
            }
        }

        if (addSpecialTokens)
            AddSpecial(Vocabulary.ClsId, 0);
        AddSegment(first, keepFirst, 0);
        if (addSpecialTokens)
            AddSpecial(Vocabulary.SepId, 0);
        if (second is not null)
        {
            AddSegment(second, keepSecond, 1);
            if (addSpecialTokens)
                AddSpecial(Vocabulary.SepId, 1);
        }
        return new Encoding(ids, ids.Select(id => Vocabulary[id]).ToArray(), typeIds, offsets, sequenceIds, wordIds);
    }
}
