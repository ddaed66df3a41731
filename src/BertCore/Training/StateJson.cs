using System.Text.Json;
using System.Text.Json.Serialization;
using BertCore.IO;

namespace BertCore.Training;

/// <summary>The JSON of the trainer state files in checkpoints (<see cref="TrainerState"/>,
/// <see cref="FineTuning.FineTuningState"/>): snake_case, indented, NaN and infinities as named literals.</summary>
internal static class StateJson
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        // A field left out or written null would otherwise load as null and fail far from the file, on resume.
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
    };

    /// <summary>Writes <paramref name="state"/> atomically.</summary>
    public static void Save<T>(string path, T state) =>
        AtomicFile.Write(path, stream => JsonSerializer.Serialize(stream, state, Json));

    /// <exception cref="InvalidFileException">The file is not valid JSON of a <typeparamref name="T"/>.</exception>
    public static T Load<T>(string path, string what) where T : class
    {
        try
        {
            using var stream = File.OpenRead(path);
            return JsonSerializer.Deserialize<T>(stream, Json) ?? throw new InvalidFileException(path, null, $"holds null instead of a {what}");
        }
        catch (JsonException e)
        {
            int? line = e.LineNumber is long l ? (int)l + 1 : null;
            throw new InvalidFileException(path, line, $"not a valid {what}: " + e.Message, e);
        }
    }
}
