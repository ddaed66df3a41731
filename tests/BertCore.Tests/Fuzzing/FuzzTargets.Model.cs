using Encoding = System.Text.Encoding;
using BertCore.Checkpoints;
using BertCore.IO;
using BertCore.Nn.Heads;
using BertCore.Tests.Support;
using BertCore.Tests.Text;
using BertCore.Text;
using BertCore.Training;

namespace BertCore.Tests.Fuzzing;

/// <summary>Parsers of model files: weights, configs, vocabularies, checkpoints.</summary>
internal static partial class FuzzTargets
{
    /// <summary>safetensors: opened, then every tensor's info and contents read.</summary>
    private static FuzzTarget SafeTensors => new("safetensors", "model.safetensors",
        _ => [SeedFiles.Fixture("adamw", "fixture.safetensors"), SeedFiles.Fixture("distill", "losses.safetensors"), MixedTensors()],
        path =>
        {
            using var file = SafeTensorsFile.Open(path);
            long fileBytes = new FileInfo(path).Length;
            foreach (string name in file.Names)
            {
                _ = file.Info(name);
                try
                {
                    using var tensor = file.Read(name);
                    // Native memory escapes the managed-heap bound: an F16 tensor loads as F32, at most twice the file.
                    if (tensor.Bytes > 2 * fileBytes)
                        throw new InvalidOperationException($"tensor '{name}' took {tensor.Bytes} bytes of native memory from a {fileBytes}-byte file");
                }
                catch (NotSupportedException e) when (e.Message.Contains(path, StringComparison.Ordinal))
                {
                    // A documented refusal of one tensor (dtype or rank); the others are still read.
                }
            }
        },
        [typeof(InvalidFileException), typeof(NotSupportedException)],
        Repair: SafeTensorsFraming.Repair);

    /// <summary>A small file with every dtype BertCore loads, one it does not (U8), a scalar, an empty tensor and metadata.</summary>
    private static byte[] MixedTensors()
    {
        const string json = "{\"__metadata__\":{\"format\":\"pt\"},"
            + "\"f16\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[0,8]},"
            + "\"bf16\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[8,14]},"
            + "\"i64\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[14,30]},"
            + "\"i32\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[30,34]},"
            + "\"u8\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[34,36]},"
            + "\"empty\":{\"dtype\":\"F32\",\"shape\":[0,4],\"data_offsets\":[36,36]},"
            + "\"f32\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[36,44]}}";
        byte[] header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + 44];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), (ulong)header.Length);
        header.CopyTo(bytes, 8);
        for (int i = 0; i < 44; i++) bytes[8 + header.Length + i] = (byte)(i * 37 % 251 % 64);
        return bytes;
    }

    private static FuzzTarget Config => new("config", "config.json",
        _ => [SeedFiles.Fixture("pretrain", "model", "config.json"), SeedFiles.Fixture("heads", "classify", "config.json"),
              SeedFiles.Fixture("heads", "token", "config.json"), SeedFiles.Fixture("bert", "model", "config.json")],
        path => BertConfig.Load(path), InvalidFile);

    private static FuzzTarget TokenizerConfigFile => new("tokenizer-config", TokenizerConfig.FileName,
        folder => [SeedFiles.Written(folder, TokenizerConfig.FileName, p => TokenizerConfig.Save(Path.GetDirectoryName(p)!, true, 512)),
                   SeedFiles.Text("{\"do_lower_case\": false, \"model_max_length\": 128, \"extra\": [1, {\"a\": null}]}\n")],
        path => TokenizerConfig.DoLowerCase(Path.GetDirectoryName(path)!), InvalidFile);

    private static FuzzTarget Vocab => new("vocab", "vocab.txt",
        _ => [SeedFiles.Fixture("pretrain", "model", "vocab.txt"), SeedFiles.Text(string.Join('\n', ToyVocab.Tokens) + "\n"),
              .. SeedFiles.SharedLines("vocab/bert-base-uncased-vocab.txt", 1100), .. SeedFiles.SharedLines("vocab/bert-base-chinese-vocab.txt", 800)],
        path => Vocabulary.Load(path), InvalidFile);

    /// <summary>The tiny pretraining model of the fixtures, built once and refilled by every case.</summary>
    private static readonly Lazy<BertForPreTraining> PretrainingModel = new(() => ModelDirectory.LoadPreTraining(Fixtures.Path("pretrain", "model")));

    private static FuzzTarget CheckpointWeights => new("checkpoint-weights", ModelDirectory.WeightsFile,
        _ => [SeedFiles.Fixture("pretrain", "model", "model.safetensors")],
        path => Checkpoint.LoadWeights(PretrainingModel.Value, path, allowMissingEncoder: true), InvalidFile,
        Repair: SafeTensorsFraming.Repair, CiCases: 60);

    private static FuzzTarget PreMaskedBatches => new("premasked-batches", "batches.safetensors",
        _ => [SeedFiles.Fixture("pretrain", "batches.safetensors")],
        path => PreMaskedBatchFile.Open(path, vocabSize: 500).Next(), InvalidFile,
        Repair: SafeTensorsFraming.Repair, CiCases: 100);

    private static FuzzTarget TrainerStateFile => new("trainer-state", PretrainingCheckpoint.StateJsonFile,
        folder => [SeedFiles.Written(folder, PretrainingCheckpoint.StateJsonFile, p => new TrainerState(7, 42, 1234,
            new Dictionary<string, long> { ["document"] = 3, ["example"] = 12 },
            new PretrainerOptions { MaxSteps = 100, OutputDirectory = "out", WarmupSteps = 10 }, 6.25,
            [new EvaluationRecord(5, 0.125, 310.5)]).Save(p))],
        path =>
        {
            var state = TrainerState.Load(path);
            // What a resume reads of it: a null here would surface later, far from the file.
            _ = state.Options.ResumeConflicts(state.Options);
            _ = state.DataPosition.Count + state.Evaluations.Sum(e => e.Step);
        },
        InvalidFile);
}
