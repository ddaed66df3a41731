using System.CommandLine;
using System.Text.Json;
using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.Checkpoints;
using BertCore.IO;
using BertCore.Nn.Bert;
using BertCore.Nn.Heads;
using BertCore.Tensors;
using BertCore.Text;

namespace BertCore.Cli.Commands;

/// <summary>`bertcore forward`: runs a checkpoint on given ids or texts and writes every output to safetensors.</summary>
public sealed class ForwardCommand : ICommand
{
    private readonly Option<string> _model = CliOption.Text("--model",
        "Hugging Face layout folder: config.json, model.safetensors (vocab.txt for texts)", required: true, valueName: "DIR");
    private readonly Option<string> _input = CliOption.Text("--input",
        "JSON object with either \"input_ids\" [batch][seq] and optional \"token_type_ids\", \"attention_mask\", or " +
        "\"texts\" [batch] and optional \"text_pairs\" [batch], tokenized with DIR/vocab.txt", required: true, valueName: "FILE");
    private readonly Option<string> _output = CliOption.Text("--output",
        "safetensors with last_hidden_state [B,S,H], pooler_output [B,H], mlm_logits [B,S,V], nsp_logits [B,2] (heads the " +
        "checkpoint lacks are skipped), hidden_states.0..L [B,S,H]", required: true, valueName: "FILE");
    private readonly Option<bool> _cased = CliOption.Flag("--cased", "do not lower-case texts (for cased vocabularies)");
    private readonly Option<int> _maxLength = CliOption.Int("--max-length", 512, "truncate texts to N tokens");
    private readonly Option<bool> _padded = CliOption.Flag("--padded",
        "run the padded batch as it is, padding positions included (as Hugging Face computes them), instead of packing each " +
        "row's real tokens back to back; packed outputs hold 0 at padding positions");

    public string Summary => "run a model on inputs and write hidden states and head outputs (safetensors)";

    public string Notes => """
            Rows are packed by default: only the tokens of each row's attention mask (1s, then 0s) are computed, and the
            outputs are set out [B,S,...] again with 0 at padding positions. --padded also takes masks with holes or left
            padding.
        """;

    public Command Create()
    {
        var command = new Command("forward", Summary) { _model, _input, _output, _cased, _maxLength, _padded };
        command.SetAction(Run);
        return command;
    }

    private int Run(ParseResult parse)
    {
        string dir = parse.GetValue(_model)!, input = parse.GetValue(_input)!, output = parse.GetValue(_output)!;
        bool cased = parse.GetValue(_cased);
        int maxLength = parse.GetValue(_maxLength);

        using var model = ModelDirectory.LoadPreTraining(dir);
        var batch = ReadInputs(input, dir, cased, maxLength);
        using var graph = new Graph(new CpuBackend());
        using var noGrad = graph.NoGrad();
        var outputs = parse.GetValue(_padded) ? RunPadded(graph, model, batch) : RunPacked(graph, model, batch, input);
        try
        {
            SafeTensorsWriter.Write(output, outputs);
        }
        finally
        {
            foreach (var (_, tensor) in outputs) tensor.Dispose();
        }
        Console.Error.WriteLine($"wrote {outputs.Count} tensors for batch {batch.Batch} × {batch.SequenceLength} to {output}");
        return 0;
    }

    /// <summary>The outputs of the padded forward (arena tensors of <paramref name="graph"/>; disposing them is a no-op).</summary>
    private static List<KeyValuePair<string, Tensor>> RunPadded(Graph graph, BertForPreTraining model, BertBatch batch)
    {
        var result = model.Forward(graph, batch, mlmLogits: model.Mlm != null);
        return Named(result.Encoder.LastHiddenState, result.Encoder.PoolerOutput, result.MlmLogits, result.NspLogits, result.Encoder.HiddenStates);
    }

    /// <summary>
    /// The outputs of the packed forward (<see cref="BertEncoder.ForwardPacked"/>, the MLM head on the [T, H] rows), each
    /// per-token output set out [B, S, ...] in host tensors with 0 at padding positions.
    /// </summary>
    /// <exception cref="InvalidFileException">A row's attention mask is not 1s then 0s, or is all 0s.</exception>
    private static List<KeyValuePair<string, Tensor>> RunPacked(Graph graph, BertForPreTraining model, BertBatch batch, string input)
    {
        PackedBatch packed;
        try
        {
            packed = PackedBatch.FromPadded(batch);
        }
        catch (ArgumentException e)
        {
            throw new InvalidFileException(input, null, $"\"attention_mask\": {e.Message} (run with --padded for other masks)");
        }
        var encoded = model.Bert.ForwardPacked(graph, packed);
        int s = batch.SequenceLength;
        return Named(Padded(encoded.LastHiddenState, packed, s), encoded.PoolerOutput,
            model.Mlm == null ? null : Padded(model.Mlm.Forward(graph, encoded.LastHiddenState), packed, s),
            model.Nsp?.Forward(graph, encoded.PoolerOutput!),
            encoded.HiddenStates.Select(h => Padded(h, packed, s)).ToArray());
    }

    /// <summary>Packed rows [T, X] (host memory) set out as a host tensor [B, S, X] with 0 at padding positions.</summary>
    private static Tensor Padded(Tensor rows, PackedBatch packed, int s)
    {
        int width = rows.Shape.Last;
        var padded = Tensor.Zeros(packed.Count, s, width);
        for (int n = 0; n < packed.Count; n++)
            rows.Span.Slice(packed.Offsets[n] * width, packed.Length(n) * width).CopyTo(padded.Span[(n * s * width)..]);
        return padded;
    }

    private static List<KeyValuePair<string, Tensor>> Named(Tensor lastHidden, Tensor? pooler, Tensor? mlmLogits, Tensor? nspLogits,
        IReadOnlyList<Tensor> hiddenStates)
    {
        var tensors = new List<KeyValuePair<string, Tensor>> { new("last_hidden_state", lastHidden) };
        if (pooler != null) tensors.Add(new("pooler_output", pooler));
        if (mlmLogits != null) tensors.Add(new("mlm_logits", mlmLogits));
        if (nspLogits != null) tensors.Add(new("nsp_logits", nspLogits));
        for (int i = 0; i < hiddenStates.Count; i++) tensors.Add(new($"hidden_states.{i}", hiddenStates[i]));
        return tensors;
    }

    /// <summary>Reads inputs.json: token ids, or texts to tokenize with the model's vocabulary.</summary>
    public static BertBatch ReadInputs(string path, string modelDir, bool cased, int maxLength)
    {
        using var doc = ParseJson(path);
        var root = doc.RootElement;
        if (root.TryGetProperty("texts", out var texts))
        {
            var tokenizer = BertTokenizer.FromVocabFile(ModelDirectory.VocabPath(modelDir), lowercase: !cased);
            var first = Strings(texts, path, "texts");
            var pairs = root.TryGetProperty("text_pairs", out var p) ? Strings(p, path, "text_pairs") : null;
            if (pairs != null && pairs.Count != first.Count)
                throw new InvalidFileException(path, null, $"\"text_pairs\" has {pairs.Count} entries but \"texts\" has {first.Count}");
            var encoded = tokenizer.EncodeBatch(first, pairs, maxLength);
            return new BertBatch(encoded.Batch, encoded.SequenceLength, encoded.InputIds, encoded.TokenTypeIds, encoded.AttentionMask);
        }
        if (!root.TryGetProperty("input_ids", out var ids))
            throw new InvalidFileException(path, null, "needs \"input_ids\" or \"texts\"");
        var (b, s, idValues) = Matrix(ids, path, "input_ids", null);
        var types = root.TryGetProperty("token_type_ids", out var t) ? Matrix(t, path, "token_type_ids", (b, s)).Values : null;
        var mask = root.TryGetProperty("attention_mask", out var m) ? Matrix(m, path, "attention_mask", (b, s)).Values : null;
        return new BertBatch(b, s, idValues, types, mask);
    }

    private static JsonDocument ParseJson(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new InvalidFileException(path, (int?)(e.LineNumber + 1), "not valid JSON: " + e.Message);
        }
    }

    private static IReadOnlyList<string> Strings(JsonElement e, string path, string field)
    {
        if (e.ValueKind != JsonValueKind.Array || e.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String))
            throw new InvalidFileException(path, null, $"\"{field}\" must be an array of strings");
        return e.EnumerateArray().Select(x => x.GetString()!).ToArray();
    }

    /// <summary>A rectangular [batch][seq] array of integers, flattened.</summary>
    private static (int Batch, int Seq, int[] Values) Matrix(JsonElement e, string path, string field, (int, int)? expected)
    {
        if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() == 0)
            throw new InvalidFileException(path, null, $"\"{field}\" must be a non-empty [batch][seq] array");
        var rows = e.EnumerateArray().ToArray();
        int seq = rows[0].ValueKind == JsonValueKind.Array ? rows[0].GetArrayLength() : -1;
        var values = new List<int>();
        for (int r = 0; r < rows.Length; r++)
        {
            if (rows[r].ValueKind != JsonValueKind.Array || rows[r].GetArrayLength() != seq || seq == 0)
                throw new InvalidFileException(path, null, $"\"{field}\" row {r} is not an array of length {seq}: rows must be equally long");
            foreach (var v in rows[r].EnumerateArray())
            {
                if (!v.TryGetInt32(out int x)) throw new InvalidFileException(path, null, $"\"{field}\" row {r} holds a non-integer {v}");
                values.Add(x);
            }
        }
        if (expected != null && expected != (rows.Length, seq))
            throw new InvalidFileException(path, null, $"\"{field}\" is [{rows.Length}][{seq}] but input_ids is [{expected.Value.Item1}][{expected.Value.Item2}]");
        return (rows.Length, seq, values.ToArray());
    }
}
