using BertCore.Backends;
using BertCore.Data.Tasks;
using BertCore.Nn.Bert;
using BertCore.Text;

namespace BertCore.Data;

/// <summary>
/// Pretraining batches mixed from two corpora: a fraction <see cref="InDomainRatio"/> of the sequences from the
/// in-domain corpus (e.g. a task's own training text, see <see cref="CorpusFormat.TaskFile"/>), the rest from a
/// general corpus. Sequence g of the stream (counting from 0 over all batches) is in-domain when
/// ⌊(g + 1)·R⌋ &gt; ⌊g·R⌋, so after any n sequences exactly ⌊n·R⌋ were in-domain (the ratio holds to within one
/// sequence at every point, not only on average) and every batch of B holds ⌊B·R⌋ or ⌈B·R⌉ in-domain rows. Each
/// corpus keeps its own stream (its own epochs, order and masks; see <see cref="PretrainingBatchSource"/>), of which
/// the mixture takes the next rows in turn, so each is visited as it would be alone. Deterministic per seed, and
/// <see cref="Seek"/> continues exactly. Disposing the mixture disposes both sources.
/// </summary>
public sealed class MixedBatchSource : IPretrainingBatchSource, IDisposable
{
    /// <summary>Mixed into the seed of the in-domain source, so that its order and masks are not those the general
    /// source draws for the same example numbers ("in-domai" in ASCII).</summary>
    private const ulong InDomainSeedKey = 0x696e2d646f6d6169;

    private const string InDomainPrefix = "in-domain.", GeneralPrefix = "general.";

    private long _sequence;

    /// <summary>Mixes <paramref name="inDomain"/> and <paramref name="general"/> (same vocabulary, sequence length and
    /// objective) into batches of the general source's <see cref="PretrainingDataOptions.BatchSize"/>.</summary>
    /// <param name="inDomainRatio">The fraction of sequences from <paramref name="inDomain"/>, in (0, 1).</param>
    /// <exception cref="ArgumentException">A ratio outside (0, 1), or sources that cannot share a batch.</exception>
    public MixedBatchSource(PretrainingBatchSource inDomain, PretrainingBatchSource general, double inDomainRatio)
    {
        if (!(inDomainRatio is > 0 and < 1))
            throw new ArgumentException($"The in-domain ratio {inDomainRatio} must be above 0 and below 1.", nameof(inDomainRatio));
        PretrainingDataOptions a = inDomain.Options, b = general.Options;
        if (a.Objective != b.Objective || a.MaxSequenceLength != b.MaxSequenceLength || a.PadToMaxLength != b.PadToMaxLength ||
            inDomain.Vocabulary.Count != general.Vocabulary.Count || inDomain.Vocabulary.PadId != general.Vocabulary.PadId)
            throw new ArgumentException("The in-domain and general sources must have the same vocabulary, objective, sequence length and padding.");
        InDomain = inDomain;
        General = general;
        InDomainRatio = inDomainRatio;
        BatchSize = b.BatchSize;
    }

    /// <summary>
    /// Opens the token caches of both corpora in <paramref name="cacheFolder"/> (the in-domain one in its
    /// <c>in-domain</c> subfolder; built on the first run, see <see cref="TokenCache.OpenOrBuild"/>) and mixes them.
    /// The in-domain source draws with a seed derived from <see cref="PretrainingDataOptions.Seed"/>.
    /// </summary>
    /// <param name="inDomainFiles">Task files read as <see cref="CorpusFormat.TaskFile"/>.</param>
    /// <param name="columns">Their table format and text columns (null detects them).</param>
    /// <param name="generalFiles">Plain text or JSONL files (see <see cref="CorpusReader"/>).</param>
    /// <param name="inDomainRatio">The fraction of sequences from the in-domain files, in (0, 1).</param>
    /// <param name="vocabularyPath">The <c>vocab.txt</c> to tokenize with.</param>
    /// <param name="lowercase">The tokenizer's casing: true for uncased vocabularies.</param>
    /// <param name="cacheFolder">Where the cache files go; created if needed.</param>
    /// <param name="options">The pipeline options of both sources (the batch size is the mixture's).</param>
    /// <param name="progress">Receives tokenization progress when a cache is built.</param>
    public static MixedBatchSource Open(IReadOnlyList<string> inDomainFiles, SequenceReadOptions? columns, IReadOnlyList<string> generalFiles,
        double inDomainRatio, string vocabularyPath, bool lowercase, string cacheFolder, PretrainingDataOptions options,
        IProgress<WorkProgress>? progress = null)
    {
        PretrainingBatchSource inDomain = PretrainingBatchSource.Open(inDomainFiles, vocabularyPath, lowercase, Path.Combine(cacheFolder, "in-domain"),
            options with { Seed = CounterRng.Hash(options.Seed, InDomainSeedKey) }, progress: progress, format: CorpusFormat.TaskFile, columns: columns);
        try
        {
            PretrainingBatchSource general = PretrainingBatchSource.Open(generalFiles, vocabularyPath, lowercase, cacheFolder, options, progress: progress);
            try
            {
                return new MixedBatchSource(inDomain, general, inDomainRatio);
            }
            catch
            {
                general.Dispose();
                throw;
            }
        }
        catch
        {
            inDomain.Dispose();
            throw;
        }
    }

    /// <summary>The in-domain source.</summary>
    public PretrainingBatchSource InDomain { get; }

    /// <summary>The general source.</summary>
    public PretrainingBatchSource General { get; }

    /// <summary>The fraction of sequences drawn from <see cref="InDomain"/>.</summary>
    public double InDomainRatio { get; }

    /// <summary>Sequences per batch.</summary>
    public int BatchSize { get; }

    /// <summary>How many of the first <paramref name="sequences"/> sequences of a stream with in-domain ratio
    /// <paramref name="ratio"/> come from the in-domain corpus: ⌊sequences · ratio⌋.</summary>
    public static long InDomainCount(long sequences, double ratio) => (long)Math.Floor(sequences * ratio);

    /// <summary>Whether sequence <paramref name="sequence"/> (counting from 0) of the stream is in-domain.</summary>
    public bool IsInDomain(long sequence) => InDomainCount(sequence + 1, InDomainRatio) > InDomainCount(sequence, InDomainRatio);

    public PretrainingBatch Next()
    {
        var inDomainRows = new bool[BatchSize];
        for (int r = 0; r < BatchSize; r++)
            inDomainRows[r] = IsInDomain(_sequence + r);
        int inDomainCount = inDomainRows.Count(x => x);
        PretrainingBatch? inDomain = inDomainCount > 0 ? InDomain.Next(inDomainCount) : null;
        PretrainingBatch? general = inDomainCount < BatchSize ? General.Next(BatchSize - inDomainCount) : null;
        _sequence += BatchSize;
        return Interleave(inDomainRows, inDomain, general);
    }

    /// <summary>{"sequence" (sequences taken), "ratio" (the ratio's bits), then each source's position with the key
    /// prefixed "in-domain." or "general."}.</summary>
    public IReadOnlyDictionary<string, long> Position
    {
        get
        {
            var position = new Dictionary<string, long>
            {
                ["sequence"] = _sequence,
                ["ratio"] = BitConverter.DoubleToInt64Bits(InDomainRatio),
            };
            foreach ((string key, long value) in InDomain.Position)
                position[InDomainPrefix + key] = value;
            foreach ((string key, long value) in General.Position)
                position[GeneralPrefix + key] = value;
            return position;
        }
    }

    /// <exception cref="ArgumentException">A key is missing, the position was saved with another ratio, or a source's position does not fit it.</exception>
    public void Seek(IReadOnlyDictionary<string, long> position)
    {
        long Get(string key) => position.TryGetValue(key, out long value)
            ? value
            : throw new ArgumentException($"The data position has no \"{key}\" (was it saved without --in-domain?).", nameof(position));
        long sequence = Get("sequence"), ratio = Get("ratio");
        if (ratio != BitConverter.DoubleToInt64Bits(InDomainRatio))
            throw new ArgumentException(
                $"The data position was saved with in-domain ratio {BitConverter.Int64BitsToDouble(ratio)}, not {InDomainRatio}.", nameof(position));
        if (sequence < 0)
            throw new ArgumentException($"Data position sequence {sequence} is negative.", nameof(position));
        InDomain.Seek(Prefixed(position, InDomainPrefix));
        General.Seek(Prefixed(position, GeneralPrefix));
        _sequence = sequence;
    }

    /// <summary>Disposes both sources.</summary>
    public void Dispose()
    {
        InDomain.Dispose();
        General.Dispose();
    }

    private static Dictionary<string, long> Prefixed(IReadOnlyDictionary<string, long> position, string prefix) =>
        position.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(p => p.Key[prefix.Length..], p => p.Value);

    /// <summary>One batch whose row r is the next row of <paramref name="inDomain"/> when <paramref name="inDomainRows"/>[r],
    /// else the next of <paramref name="general"/>, padded to the longer of the two (ids [PAD], labels ignored).</summary>
    /// <param name="inDomainRows">[B]: which rows are in-domain.</param>
    /// <param name="inDomain">[Bi, Si] rows (Bi = the true entries of <paramref name="inDomainRows"/>), or null when Bi = 0.</param>
    /// <param name="general">[B − Bi, Sg] rows, or null when Bi = B.</param>
    private PretrainingBatch Interleave(bool[] inDomainRows, PretrainingBatch? inDomain, PretrainingBatch? general)
    {
        int length = Math.Max(inDomain?.Inputs.SequenceLength ?? 0, general?.Inputs.SequenceLength ?? 0);
        int batch = inDomainRows.Length, n = batch * length;
        var ids = new int[n];
        var typeIds = new int[n];
        var attention = new int[n];
        var labels = new int[n];
        Array.Fill(ids, InDomain.Vocabulary.PadId);
        Array.Fill(labels, Masker.Ignore);
        bool relations = (inDomain ?? general)!.RelationLabels is not null;
        int[]? relationLabels = relations ? new int[batch] : null;
        int nextInDomain = 0, nextGeneral = 0;
        for (int r = 0; r < batch; r++)
        {
            PretrainingBatch from = inDomainRows[r] ? inDomain! : general!;
            int row = inDomainRows[r] ? nextInDomain++ : nextGeneral++;
            int s = from.Inputs.SequenceLength;
            from.Inputs.InputIds.AsSpan(row * s, s).CopyTo(ids.AsSpan(r * length));
            from.Inputs.TokenTypeIds.AsSpan(row * s, s).CopyTo(typeIds.AsSpan(r * length));
            from.Inputs.AttentionMask.AsSpan(row * s, s).CopyTo(attention.AsSpan(r * length));
            from.MlmLabels.AsSpan(row * s, s).CopyTo(labels.AsSpan(r * length));
            if (relationLabels is not null)
                relationLabels[r] = from.RelationLabels![row];
        }
        return new PretrainingBatch(new BertBatch(batch, length, ids, typeIds, attention), labels, relationLabels);
    }
}
