using System.CommandLine;
using System.Text.Json;
using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.Checkpoints;
using BertCore.IO;
using BertCore.Nn.Bert;
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

    public string Summary => "run a model on inputs and write hidden states and head outputs (safetensors)";

    public string Notes => "";

    public Command Create()
    {
        var command = new Command("forward", Summary) { _model, _input, _output, _cased, _maxLength };
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
        var result = model.Forward(graph, batch, mlmLogits: model.Mlm != null);

        var tensors = new List<KeyValuePair<string, Tensor>> { new("last_hidden_state", result.Encoder.LastHiddenState) };
        if (result.Encoder.PoolerOutput != null) tensors.Add(new("pooler_output", result.Encoder.PoolerOutput));
        if (result.MlmLogits != null) tensors.Add(new("mlm_logits", result.MlmLogits));
        if (result.NspLogits != null) tensors.Add(new("nsp_logits", result.NspLogits));
        for (int i = 0; i < result.Encoder.HiddenStates.Count; i++)
            tensors.Add(new($"hidden_states.{i}", result.Encoder.HiddenStates[i]));
        SafeTensorsWriter.Write(output, tensors);
        Console.Error.WriteLine($"wrote {tensors.Count} tensors for batch {batch.Batch} × {batch.SequenceLength} to {output}");
        return 0;
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
