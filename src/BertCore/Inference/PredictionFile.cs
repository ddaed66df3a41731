using System.Text.Encodings.Web;
using System.Text.Json;
using BertCore.Data.Tasks;
using BertCore.IO;
using BertCore.Training.FineTuning;

namespace BertCore.Inference;

/// <summary>
/// Prediction over JSONL files: one input object per line, one output object per line in the same order.
/// <list type="table">
/// <item><term>classify, pair</term><description><c>{"text"}</c> or <c>{"text", "text_pair"}</c> →
/// <c>{"label", "score"}</c> (score: the label's softmax probability)</description></item>
/// <item><term>regress</term><description><c>{"text"}</c> or <c>{"text", "text_pair"}</c> → <c>{"value"}</c></description></item>
/// <item><term>ner</term><description><c>{"tokens": [...]}</c> → <c>{"tags": [...]}</c>, one tag per token</description></item>
/// <item><term>qa</term><description><c>{"question", "context"}</c> → <c>{"answer", "start", "end", "score"}</c>:
/// the answer is <c>context[start:end]</c> with start and end counted in code points (Python string indices, as
/// SQuAD's answer_start), score its probability among the n-best spans</description></item>
/// </list>
/// An <c>"id"</c> field of an input is copied to its output. Blank lines are skipped. A model trained with external
/// features (<see cref="TaskSpec.ExternalFeatures"/>) takes them as <c>"features": [numbers]</c> in each input.
/// </summary>
public static class PredictionFile
{
    /// <summary>Inputs predicted per call of the model (the progress granularity).</summary>
    public const int ChunkSize = 256;

    private static readonly JsonWriterOptions Writer = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Predicts every input line of <paramref name="inputPath"/> and writes <paramref name="outputPath"/> atomically.</summary>
    /// <param name="progress">Receives (inputs done, inputs in all) after each chunk.</param>
    /// <returns>The number of predictions written.</returns>
    /// <exception cref="InvalidFileException">A line is not a JSON object with the fields the model's task takes.</exception>
    public static int Run(TaskModel model, string inputPath, string outputPath, IProgress<(int Done, int Total)>? progress = null)
    {
        var inputs = Read(model.Task, inputPath, model.Spec.ExternalFeatures);
        var outputs = new List<byte[]>(inputs.Count);
        for (int from = 0; from < inputs.Count; from += ChunkSize)
        {
            var chunk = inputs.Skip(from).Take(ChunkSize).ToArray();
            outputs.AddRange(Predict(model, chunk));
            progress?.Report((from + chunk.Length, inputs.Count));
        }
        AtomicFile.Write(outputPath, stream =>
        {
            foreach (var line in outputs)
            {
                stream.Write(line);
                stream.WriteByte((byte)'\n');
            }
        });
        return outputs.Count;
    }

    /// <summary>One input line: its fields and the raw JSON of its id, if any.</summary>
    private sealed record Input(int Line, string? Text, string? Pair, string[]? Tokens, string? Question, string? Context, string? IdJson)
    {
        /// <summary>The "features" array of a model with external features.</summary>
        public float[]? Features { get; init; }
    }

    private static List<Input> Read(TaskKind task, string path, int externalFeatures)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        var lines = TextLines.Read(path);
        var inputs = new List<Input>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            int line = i + 1;
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(lines[i]);
            }
            catch (JsonException e)
            {
                throw new InvalidFileException(path, line, "invalid JSON: " + e.Message, e);
            }
            using (document)
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object) throw new InvalidFileException(path, line, "expected one JSON object per line");
                string? id = root.TryGetProperty("id", out var idValue) ? idValue.GetRawText() : null;
                string String(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
                    ? v.GetString()!
                    : throw new InvalidFileException(path, line, $"a {task.Name()} model needs a string field \"{name}\"");
                inputs.Add(task switch
                {
                    TaskKind.Ner => new Input(line, null, null, Tokens(path, line, root), null, null, id),
                    TaskKind.Qa => new Input(line, null, null, null, String("question"), String("context"), id),
                    _ => new Input(line, String("text"), Pair(path, line, root, task), null, null, null, id)
                    {
                        Features = externalFeatures > 0 ? Features(path, line, root, externalFeatures) : null,
                    },
                });
            }
        }
        return inputs;
    }

    /// <summary>The "text_pair" field: required for pair models, refused by classify models, optional for regress.</summary>
    private static string? Pair(string path, int line, JsonElement root, TaskKind task)
    {
        bool has = root.TryGetProperty("text_pair", out var value) && value.ValueKind != JsonValueKind.Null;
        if (has && value.ValueKind != JsonValueKind.String) throw new InvalidFileException(path, line, "\"text_pair\" must be a string");
        if (task == TaskKind.Pair && !has) throw new InvalidFileException(path, line, "a pair model needs \"text\" and \"text_pair\"");
        if (task == TaskKind.Classify && has) throw new InvalidFileException(path, line, "a classify model takes single texts; this line has a \"text_pair\"");
        return has ? value.GetString() : null;
    }

    private static float[] Features(string path, int line, JsonElement root, int width)
    {
        if (!root.TryGetProperty("features", out var features) || features.ValueKind != JsonValueKind.Array || features.GetArrayLength() != width)
            throw new InvalidFileException(path, line, $"the model takes \"features\": an array of {width} numbers");
        return features.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Number && v.TryGetSingle(out float f) && float.IsFinite(f)
            ? f
            : throw new InvalidFileException(path, line, "\"features\" must hold only finite numbers")).ToArray();
    }

    private static string[] Tokens(string path, int line, JsonElement root)
    {
        if (!root.TryGetProperty("tokens", out var tokens) || tokens.ValueKind != JsonValueKind.Array)
            throw new InvalidFileException(path, line, "a ner model needs \"tokens\": an array of strings");
        return tokens.EnumerateArray().Select(t => t.ValueKind == JsonValueKind.String
            ? t.GetString()!
            : throw new InvalidFileException(path, line, "\"tokens\" must hold only strings")).ToArray();
    }

    private static IEnumerable<byte[]> Predict(TaskModel model, Input[] chunk)
    {
        switch (model.Task)
        {
            case TaskKind.Ner:
                var tags = model.Tag(chunk.Select(x => (IReadOnlyList<string>)x.Tokens!).ToArray());
                return chunk.Select((x, i) => Line(x, json => WriteStrings(json, "tags", tags[i])));
            case TaskKind.Qa:
                var answers = model.Answer(chunk.Select(x => (x.Question!, x.Context!)).ToArray());
                return chunk.Select((x, i) => Line(x, json =>
                {
                    var best = answers[i].Best;
                    json.WriteString("answer", best.Text);
                    json.WriteNumber("start", CodePoints.FromUtf16Index(x.Context!, best.Start));
                    json.WriteNumber("end", CodePoints.FromUtf16Index(x.Context!, best.End));
                    json.WriteNumber("score", best.Probability);
                }));
            case TaskKind.Regress:
                var values = model.Regress(chunk.Select(x => (x.Text!, x.Pair)).ToArray(), Features(model, chunk));
                return chunk.Select((x, i) => Line(x, json => json.WriteNumber("value", values[i])));
            default:
                var classes = model.Classify(chunk.Select(x => (x.Text!, x.Pair)).ToArray(), Features(model, chunk));
                return chunk.Select((x, i) => Line(x, json =>
                {
                    json.WriteString("label", classes[i].Label);
                    json.WriteNumber("score", classes[i].Score);
                }));
        }
    }

    private static float[][]? Features(TaskModel model, Input[] chunk) =>
        model.Spec.ExternalFeatures > 0 ? chunk.Select(x => x.Features!).ToArray() : null;

    /// <summary>One output object: the input's id (when it had one), then the prediction's fields.</summary>
    private static byte[] Line(Input input, Action<Utf8JsonWriter> fields)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Writer))
        {
            json.WriteStartObject();
            if (input.IdJson != null)
            {
                json.WritePropertyName("id");
                json.WriteRawValue(input.IdJson);
            }
            fields(json);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void WriteStrings(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (var v in values) json.WriteStringValue(v);
        json.WriteEndArray();
    }
}
