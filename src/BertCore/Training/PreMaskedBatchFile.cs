using BertCore.Data;
using BertCore.IO;
using BertCore.Nn.Bert;
using BertCore.Nn.Heads;
using BertCore.Tensors;

namespace BertCore.Training;

/// <summary>
/// A pre-masked batch stream in one safetensors file, read as an <see cref="IPretrainingBatchSource"/>: the
/// same batches in the same order for BertCore and for the PyTorch reference (tools/reference), which is how
/// training is checked against PyTorch step by step. Tensors, all I32, N batches of B rows of S positions:
/// <code>
/// input_ids       [N, B, S]  masking already applied
/// token_type_ids  [N, B, S]
/// attention_mask  [N, B, S]  1 real token, 0 padding
/// mlm_labels      [N, B, S]  original id at masked positions, -100 elsewhere
/// nsp_labels      [N, B]     optional: sentence-relation labels (NSP or SOP), 0 or 1
/// </code>
/// The stream is endless: after batch N-1 it starts again at batch 0. Its <see cref="Position"/> is
/// {"batch": batches read so far}. The whole file is held in memory.
/// </summary>
public sealed class PreMaskedBatchFile : IPretrainingBatchSource
{
    private const string PositionKey = "batch";

    private readonly int[] _ids, _types, _mask, _labels;
    private readonly int[]? _relations;
    private long _next;

    private PreMaskedBatchFile(string path, int count, int batch, int sequence, int[] ids, int[] types, int[] mask, int[] labels, int[]? relations)
    {
        Path = path;
        Count = count;
        BatchSize = batch;
        SequenceLength = sequence;
        (_ids, _types, _mask, _labels, _relations) = (ids, types, mask, labels, relations);
    }

    public string Path { get; }

    /// <summary>Batches in the file (N).</summary>
    public int Count { get; }
    public int BatchSize { get; }
    public int SequenceLength { get; }

    /// <summary>True when the file has nsp_labels.</summary>
    public bool HasRelationLabels => _relations != null;

    /// <summary>Reads and checks the file: shapes agree, attention mask is 0/1, labels are -100 or an id, relation
    /// labels are 0/1, and (when <paramref name="vocabSize"/> is given) every id and label is below it.</summary>
    /// <exception cref="InvalidFileException">A tensor is missing, has another shape or holds an invalid value.</exception>
    public static PreMaskedBatchFile Open(string path, int? vocabSize = null)
    {
        using var file = SafeTensorsFile.Open(path);
        int[] Read(string name, int rank)
        {
            if (!file.Contains(name)) throw new InvalidFileException(path, null, $"has no tensor '{name}'");
            var info = file.Info(name);
            if (info.Shape.Length != rank) throw new InvalidFileException(path, null, $"'{name}' has rank {info.Shape.Length}, expected {rank}");
            if (info.DType is not ("I32" or "I64")) throw new InvalidFileException(path, null, $"'{name}' is {info.DType}, expected I32 or I64");
            using var t = file.Read(name);
            return t.ToIntArray();
        }
        var shape = file.Contains("input_ids") ? file.Info("input_ids").Shape : [];
        var ids = Read("input_ids", 3);
        int n = shape[0], b = shape[1], s = shape[2];
        if (n == 0 || b == 0 || s == 0) throw new InvalidFileException(path, null, $"input_ids [{n}, {b}, {s}] holds no batch");
        foreach (var name in new[] { "token_type_ids", "attention_mask", "mlm_labels" })
            if (!file.Contains(name) || !file.Info(name).Shape.SequenceEqual(shape))
                throw new InvalidFileException(path, null, $"'{name}' is missing or not [{n}, {b}, {s}] as input_ids");
        var types = Read("token_type_ids", 3);
        var mask = Read("attention_mask", 3);
        var labels = Read("mlm_labels", 3);
        int[]? relations = null;
        if (file.Contains("nsp_labels"))
        {
            if (!file.Info("nsp_labels").Shape.SequenceEqual([n, b])) throw new InvalidFileException(path, null, $"'nsp_labels' is not [{n}, {b}]");
            relations = Read("nsp_labels", 2);
        }
        int limit = vocabSize ?? int.MaxValue;
        CheckAll(path, "input_ids", ids, v => v >= 0 && v < limit);
        CheckAll(path, "token_type_ids", types, v => v >= 0);
        CheckAll(path, "attention_mask", mask, v => v is 0 or 1);
        CheckAll(path, "mlm_labels", labels, v => v == MlmHead.IgnoreIndex || (v >= 0 && v < limit));
        if (relations != null) CheckAll(path, "nsp_labels", relations, v => v is 0 or 1);
        return new PreMaskedBatchFile(path, n, b, s, ids, types, mask, labels, relations);
    }

    private static void CheckAll(string path, string name, int[] values, Func<int, bool> valid)
    {
        for (int i = 0; i < values.Length; i++)
            if (!valid(values[i])) throw new InvalidFileException(path, null, $"'{name}' element {i} is {values[i]}, which is not valid there");
    }

    public PretrainingBatch Next()
    {
        int index = (int)(_next++ % Count), size = BatchSize * SequenceLength;
        int[] Slice(int[] all) => all.AsSpan(index * size, size).ToArray();
        var inputs = new BertBatch(BatchSize, SequenceLength, Slice(_ids), Slice(_types), Slice(_mask));
        return new PretrainingBatch(inputs, Slice(_labels), _relations?.AsSpan(index * BatchSize, BatchSize).ToArray());
    }

    public IReadOnlyDictionary<string, long> Position => new Dictionary<string, long> { [PositionKey] = _next };

    /// <exception cref="ArgumentException">The position is not one of this source's.</exception>
    public void Seek(IReadOnlyDictionary<string, long> position)
    {
        if (position.Count != 1 || !position.TryGetValue(PositionKey, out long next) || next < 0)
            throw new ArgumentException($"{Path}: a pre-masked stream position is {{\"{PositionKey}\": n ≥ 0}}, not {{{string.Join(", ", position.Keys)}}}");
        _next = next;
    }

    /// <summary>Writes <paramref name="batches"/> (all of one batch size and sequence length, all with or all
    /// without relation labels) as a stream file, atomically.</summary>
    public static void Write(string path, IReadOnlyList<PretrainingBatch> batches)
    {
        if (batches.Count == 0) throw new ArgumentException("no batches to write", nameof(batches));
        int b = batches[0].Inputs.Batch, s = batches[0].Inputs.SequenceLength, n = batches.Count;
        bool relations = batches[0].RelationLabels != null;
        if (batches.Any(x => x.Inputs.Batch != b || x.Inputs.SequenceLength != s || (x.RelationLabels != null) != relations))
            throw new ArgumentException("the batches differ in size, sequence length or in having relation labels", nameof(batches));
        Tensor Stack(Func<PretrainingBatch, int[]> field, params int[] dims) =>
            Tensor.FromArray(batches.SelectMany(field).ToArray(), dims);
        var tensors = new Dictionary<string, Tensor>
        {
            ["input_ids"] = Stack(x => x.Inputs.InputIds, n, b, s),
            ["token_type_ids"] = Stack(x => x.Inputs.TokenTypeIds, n, b, s),
            ["attention_mask"] = Stack(x => x.Inputs.AttentionMask, n, b, s),
            ["mlm_labels"] = Stack(x => x.MlmLabels, n, b, s),
        };
        if (relations) tensors["nsp_labels"] = Stack(x => x.RelationLabels!, n, b);
        try
        {
            SafeTensorsWriter.Write(path, tensors);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }
}
