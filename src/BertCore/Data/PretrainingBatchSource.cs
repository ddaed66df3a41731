using BertCore.Backends;
using BertCore.Data.Tasks;
using BertCore.Nn.Bert;
using BertCore.Text;

namespace BertCore.Data;

/// <summary>
/// The pretraining batch stream: examples cut from a tokenized corpus once (<see cref="ExampleBuilder"/>), visited
/// in a new order every epoch, masked afresh every epoch (<see cref="PretrainingDataOptions.DynamicMasking"/>),
/// laid out as <c>[CLS] A [SEP] (B [SEP])</c> and padded into batches. Every random choice is a pure function of
/// (seed, epoch, example), drawn from counter-based streams (<see cref="CounterRng"/>), so the stream is the same
/// on every run and runtime and <see cref="Seek"/> jumps anywhere exactly, without replaying. Batches run on across
/// epoch boundaries (the stream is endless). The corpus must stay open while the source is used; a source made by
/// <see cref="Open"/> owns its token cache and closes it on <see cref="Dispose"/>.
/// </summary>
public sealed class PretrainingBatchSource : IPretrainingBatchSource, IDisposable
{
    private readonly ITokenCorpus _corpus;
    private readonly IDisposable? _ownedCorpus;
    private readonly Vocabulary _vocabulary;
    private readonly Masker _masker;
    private readonly PretrainingExample[] _examples;
    private readonly long _fingerprint;
    private long _epoch;
    private int _index;
    private int[]? _order;
    private long _orderEpoch = -1;
    private double? _maskProbability;

    /// <summary>Cuts <paramref name="corpus"/> (tokenized with <paramref name="vocabulary"/>) into examples.</summary>
    /// <exception cref="ArgumentException">Invalid options, or a corpus that yields no example.</exception>
    /// <exception cref="IO.InvalidFileException">The importance file is invalid.</exception>
    public PretrainingBatchSource(ITokenCorpus corpus, Vocabulary vocabulary, PretrainingDataOptions options)
        : this(corpus, vocabulary, options, ownedCorpus: null)
    {
    }

    private PretrainingBatchSource(ITokenCorpus corpus, Vocabulary vocabulary, PretrainingDataOptions options, IDisposable? ownedCorpus)
    {
        options.Validate();
        _corpus = corpus;
        _ownedCorpus = ownedCorpus;
        _vocabulary = vocabulary;
        Options = options;
        ImportanceWeights? importance = options.ImportanceFile is null ? null : ImportanceWeights.Load(options.ImportanceFile, vocabulary);
        _masker = new Masker(vocabulary, options, importance);
        _examples = ExampleBuilder.Create(corpus, options);
        if (_examples.Length == 0)
            throw new ArgumentException("The corpus yields no pretraining example.", nameof(corpus));
        _fingerprint = Fingerprint(importance);
    }

    /// <summary>
    /// The whole pipeline in one call: opens the token cache of <paramref name="corpusFiles"/> in
    /// <paramref name="cacheFolder"/> (building it on the first run or when the corpus or vocabulary changed, see
    /// <see cref="TokenCache.OpenOrBuild"/>) and makes a source that owns it (dispose the source to close it).
    /// </summary>
    /// <param name="corpusFiles">Plain text or JSONL files (see <see cref="CorpusReader"/>).</param>
    /// <param name="vocabularyPath">The <c>vocab.txt</c> to tokenize with.</param>
    /// <param name="lowercase">The tokenizer's casing: true for uncased vocabularies.</param>
    /// <param name="cacheFolder">Where the cache file goes (<see cref="TokenCache.DefaultPath"/>); created if needed.</param>
    /// <param name="options">The pipeline options.</param>
    /// <param name="heldOut">Make a held-out source (see <see cref="HeldOut"/>).</param>
    /// <param name="progress">Receives tokenization progress when the cache is built.</param>
    /// <param name="format">The layout of the files (<see cref="CorpusFormat.TaskFile"/> for a task's training file).</param>
    /// <param name="columns">With <see cref="CorpusFormat.TaskFile"/>: the table format and text columns (null detects them).</param>
    public static PretrainingBatchSource Open(IReadOnlyList<string> corpusFiles, string vocabularyPath, bool lowercase, string cacheFolder,
        PretrainingDataOptions options, bool heldOut = false, IProgress<WorkProgress>? progress = null,
        CorpusFormat format = CorpusFormat.Auto, SequenceReadOptions? columns = null)
    {
        Vocabulary vocabulary = Vocabulary.Load(vocabularyPath);
        TokenCache cache = TokenCache.OpenOrBuild(TokenCache.DefaultPath(cacheFolder, corpusFiles), corpusFiles, vocabularyPath, lowercase,
            format, progress, columns);
        try
        {
            return new PretrainingBatchSource(cache, vocabulary, heldOut ? options with { Shuffle = false, DynamicMasking = false } : options, cache);
        }
        catch
        {
            cache.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A source for held-out evaluation: corpus order, and the same masks every time
    /// (<see cref="PretrainingDataOptions.Shuffle"/> and <see cref="PretrainingDataOptions.DynamicMasking"/> off).
    /// Use <see cref="OnePass"/> to go through it once.
    /// </summary>
    public static PretrainingBatchSource HeldOut(ITokenCorpus corpus, Vocabulary vocabulary, PretrainingDataOptions options) =>
        new(corpus, vocabulary, options with { Shuffle = false, DynamicMasking = false });

    /// <summary>The tokenized corpus the examples are cut from.</summary>
    public ITokenCorpus Corpus => _corpus;

    /// <summary>The vocabulary the corpus was tokenized with.</summary>
    public Vocabulary Vocabulary => _vocabulary;

    /// <summary>The options the source was built with.</summary>
    public PretrainingDataOptions Options { get; }

    /// <summary>The masking rate of the batches to come: <see cref="PretrainingDataOptions.MaskProbability"/> until set
    /// (a trainer with a masking-rate schedule sets it before each step; it is not part of <see cref="Position"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A rate outside (0, 1].</exception>
    public double MaskProbability
    {
        get => _maskProbability ?? Options.MaskProbability;
        set => _maskProbability = value is > 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "the masking rate must be in (0, 1]");
    }

    /// <summary>The examples, in corpus order (an epoch visits each once).</summary>
    public IReadOnlyList<PretrainingExample> Examples => _examples;

    public PretrainingBatch Next() => Next(Options.BatchSize);

    /// <summary>The next <paramref name="count"/> examples of the stream as one batch (<see cref="Next()"/> takes
    /// <see cref="PretrainingDataOptions.BatchSize"/>); the stream moves on by <paramref name="count"/> examples.</summary>
    internal PretrainingBatch Next(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var rows = new (int Example, long Epoch)[count];
        for (int r = 0; r < rows.Length; r++)
        {
            rows[r] = (Order(_epoch)[_index], _epoch);
            if (++_index == _examples.Length)
                (_epoch, _index) = (_epoch + 1, 0);
        }
        return Assemble(rows);
    }

    /// <summary>
    /// Every example once, in corpus order, with the masks of epoch 0 (the same on every call), in batches of
    /// <see cref="PretrainingDataOptions.BatchSize"/> (the last one possibly smaller). Does not move <see cref="Position"/>.
    /// </summary>
    public IEnumerable<PretrainingBatch> OnePass()
    {
        for (int start = 0; start < _examples.Length; start += Options.BatchSize)
        {
            int count = Math.Min(Options.BatchSize, _examples.Length - start);
            yield return Assemble(Enumerable.Range(start, count).Select(e => (e, 0L)).ToArray());
        }
    }

    /// <summary>{"epoch", "index" (next example of the epoch), "fingerprint" (of the examples and options)}.</summary>
    public IReadOnlyDictionary<string, long> Position => new Dictionary<string, long>
    {
        ["epoch"] = _epoch,
        ["index"] = _index,
        ["fingerprint"] = _fingerprint,
    };

    /// <exception cref="ArgumentException">A key is missing or out of range, or the position comes from a source with other data or options.</exception>
    public void Seek(IReadOnlyDictionary<string, long> position)
    {
        long Get(string key) => position.TryGetValue(key, out long value)
            ? value
            : throw new ArgumentException($"The data position has no \"{key}\".", nameof(position));
        long epoch = Get("epoch"), index = Get("index"), fingerprint = Get("fingerprint");
        if (fingerprint != _fingerprint)
            throw new ArgumentException(
                "The data position was saved by a source with other data or options (corpus, vocabulary, sequence length, objective, masking, batch size or seed).",
                nameof(position));
        if (epoch < 0 || index < 0 || index >= _examples.Length)
            throw new ArgumentException($"Data position epoch {epoch}, index {index} is outside the {_examples.Length} examples.", nameof(position));
        (_epoch, _index) = (epoch, (int)index);
    }

    /// <summary>Closes the token cache when the source owns it (made by <see cref="Open"/>).</summary>
    public void Dispose() => _ownedCorpus?.Dispose();

    /// <summary>The example order of <paramref name="epoch"/>: a Fisher–Yates shuffle keyed by (seed, epoch), or corpus order.</summary>
    private int[] Order(long epoch)
    {
        if (_order is not null && _orderEpoch == epoch)
            return _order;
        var order = Enumerable.Range(0, _examples.Length).ToArray();
        if (Options.Shuffle)
        {
            var random = new RandomStream(Options.Seed, RandomPurpose.Shuffle, (ulong)epoch);
            for (int i = order.Length - 1; i > 0; i--)
            {
                int j = random.NextInt(0, i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
        }
        (_order, _orderEpoch) = (order, epoch);
        return order;
    }

    /// <summary>Lays out, masks and pads the examples of one batch.</summary>
    private PretrainingBatch Assemble((int Example, long Epoch)[] rows)
    {
        int length = Options.PadToMaxLength ? Options.MaxSequenceLength : rows.Max(r => _examples[r.Example].Length);
        int n = rows.Length * length;
        var ids = new int[n];
        var typeIds = new int[n];
        var attention = new int[n];
        var labels = new int[n];
        bool pairs = Options.Objective != PretrainingObjective.Mlm;
        int[]? relations = pairs ? new int[rows.Length] : null;
        Array.Fill(ids, _vocabulary.PadId);
        Array.Fill(labels, Masker.Ignore);
        for (int r = 0; r < rows.Length; r++)
        {
            PretrainingExample example = _examples[rows[r].Example];
            Span<int> row = ids.AsSpan(r * length, example.Length);
            int secondStart = LayOut(example, row);
            typeIds.AsSpan(r * length + secondStart, example.Length - secondStart).Fill(1);
            attention.AsSpan(r * length, example.Length).Fill(1);
            long maskEpoch = Options.DynamicMasking ? rows[r].Epoch : 0;
            var random = new RandomStream(Options.Seed, RandomPurpose.Masking, (ulong)maskEpoch, (ulong)rows[r].Example);
            _masker.Mask(row, labels.AsSpan(r * length, example.Length), random, MaskProbability);
            if (relations is not null)
                relations[r] = example.Relation;
        }
        return new PretrainingBatch(new BertBatch(rows.Length, length, ids, typeIds, attention), labels, relations);
    }

    /// <summary>Writes <c>[CLS] A [SEP] (B [SEP])</c> into <paramref name="row"/>; returns where segment 1 starts (the row length when single).</summary>
    private int LayOut(PretrainingExample example, Span<int> row)
    {
        row[0] = _vocabulary.ClsId;
        _corpus.Tokens(example.FirstStart, example.FirstLength).CopyTo(row[1..]);
        int position = 1 + example.FirstLength;
        row[position++] = _vocabulary.SepId;
        if (!example.IsPair)
            return position;
        int secondStart = position;
        _corpus.Tokens(example.SecondStart, example.SecondLength).CopyTo(row[position..]);
        position += example.SecondLength;
        row[position] = _vocabulary.SepId;
        return secondStart;
    }

    /// <summary>A 63-bit hash of the examples (and the first tokens of each), the vocabulary size, the importance
    /// weights and the options that shape the stream.</summary>
    private long Fingerprint(ImportanceWeights? importance)
    {
        ulong hash = CounterRng.Hash((ulong)_examples.Length, (ulong)_corpus.TokenCount);
        void Mix(ulong value) => hash = CounterRng.Hash(hash, value);
        foreach (PretrainingExample e in _examples)
        {
            Mix((ulong)e.FirstStart);
            Mix((ulong)e.FirstLength);
            Mix((ulong)e.SecondStart);
            Mix((ulong)e.SecondLength);
            Mix((ulong)(long)e.Relation);
            foreach (int id in _corpus.Tokens(e.FirstStart, Math.Min(e.FirstLength, 4)))
                Mix((ulong)id);
        }
        Mix((ulong)_vocabulary.Count);
        for (int id = 0; importance is not null && id < importance.Count; id++)
            Mix(BitConverter.SingleToUInt32Bits(importance[id]));
        Mix(Options.Seed);
        Mix((ulong)Options.BatchSize);
        Mix((ulong)Options.MaxSequenceLength);
        Mix((ulong)Options.Masking);
        Mix((ulong)Options.Objective);
        Mix(BitConverter.DoubleToUInt64Bits(Options.MaskProbability));
        Mix(BitConverter.DoubleToUInt64Bits(Options.MaskTokenFraction));
        Mix(BitConverter.DoubleToUInt64Bits(Options.RandomTokenFraction));
        Mix((ulong)(Options.MaxPredictionsPerSequence ?? 0));
        Mix(Options.PadToMaxLength ? 1UL : 0);
        Mix(Options.Shuffle ? 1UL : 0);
        Mix(Options.DynamicMasking ? 1UL : 0);
        return (long)(hash >> 1);
    }
}
