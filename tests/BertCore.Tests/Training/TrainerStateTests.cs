using System.Text.Json.Nodes;
using BertCore.IO;
using BertCore.Tests.IO;
using BertCore.Training;
using Xunit;

namespace BertCore.Tests.Training;

public sealed class TrainerStateTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static TrainerState State() => new(7, 42, 1234, new Dictionary<string, long> { ["document"] = 3 },
        new PretrainerOptions { MaxSteps = 100, OutputDirectory = "out" }, 6.25, [new EvaluationRecord(5, 0.125, 310.5)]);

    /// <summary>A saved state with one field replaced (null removes it) by <paramref name="edit"/>.</summary>
    private string Edited(Action<JsonObject> edit)
    {
        string path = _folder.File(PretrainingCheckpoint.StateJsonFile);
        State().Save(path);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }

    [Fact]
    public void A_saved_state_loads_back_equal()
    {
        string path = Edited(_ => { });

        var loaded = TrainerState.Load(path);

        Assert.Equal((7, 42ul, 1234ul, 6.25), (loaded.Step, loaded.RngSeed, loaded.RngOffset, loaded.LastLoss));
        Assert.Equal(State().Options, loaded.Options);
        Assert.Equal(State().DataPosition, loaded.DataPosition);
        Assert.Equal(State().Evaluations, loaded.Evaluations);
    }

    /// <summary>
    /// Minimized fuzz cases (tests/BertCore.Tests/Fuzzing): each loaded with a null where a resume then threw
    /// NullReferenceException.
    /// </summary>
    [Theory]
    [InlineData("options", null)]
    [InlineData("options", "null")]
    [InlineData("data_position", "null")]
    [InlineData("evaluations", "[null]")]
    [InlineData("evaluations", null)]
    public void A_missing_or_null_field_is_an_invalid_file(string field, string? value)
    {
        string path = Edited(json =>
        {
            json.Remove(field);
            if (value is not null) json[field] = JsonNode.Parse(value);
        });

        var e = Assert.Throws<InvalidFileException>(() => TrainerState.Load(path));

        Assert.Equal(path, e.Path);
    }

    [Fact]
    public void The_minimized_fuzz_case_with_no_known_field_is_an_invalid_file()
    {
        string path = _folder.File(PretrainingCheckpoint.StateJsonFile);
        File.WriteAllText(path, "{\"\":7,\"\":{\"\":false,\"\":2,\"\":1},\"\":[{\"\":5,\"\":1}]}");

        Assert.Equal(path, Assert.Throws<InvalidFileException>(() => TrainerState.Load(path)).Path);
    }
}
