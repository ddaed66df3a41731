using BertCore.Backends.Cpu;
using BertCore.Checkpoints;
using BertCore.Data.Tasks;
using BertCore.Inference;
using BertCore.Inference.Onnx;
using BertCore.IO;
using BertCore.Training.FineTuning;
using Microsoft.ML.OnnxRuntime;

namespace BertCore.Tests.Readme;

/// <summary>
/// The README's "Use a pretrained model" example, verbatim between the markers (<see cref="ReadmeExampleTests"/>
/// checks that the README shows exactly these lines, and runs them).
/// </summary>
internal static class PretrainedModelExample
{
    /// <summary>Imports <paramref name="onnxFile"/>, fine-tunes a sentiment classifier on <paramref name="trainTsv"/>,
    /// serves it in BertCore and through ONNX Runtime; returns both engines' answers for one sentence.</summary>
    public static (ClassPrediction BertCore, float[] OnnxRuntimeLogits) Run(string onnxFile, string trainTsv, string devTsv, string work)
    {
        // README:begin
        // 1. Import a pretrained encoder: an ONNX export (here all-MiniLM-L6-v2's), or a Hugging Face folder with
        //    pytorch_model.bin through ModelImport.FromPyTorch. The configuration is read from the graph.
        string encoder = Path.Combine(work, "minilm"), tuned = Path.Combine(work, "sst2");
        ModelImport.FromOnnx(onnxFile, encoder);

        // 2. Fine-tune a classifier on it (TSV: sentence<TAB>label); the best dev checkpoint lands in `tuned`.
        var setup = new FineTuningSetup { Task = TaskKind.Classify, TrainFile = trainTsv, DevFile = devTsv, ModelDirectory = encoder };
        var options = new FineTunerOptions { OutputDirectory = tuned, Epochs = 1, LearningRate = 5e-5f };
        using (var job = FineTuningJob.Prepare(new CpuBackend(), setup, options))
            job.Run();

        // 3. Serve it in BertCore (thread-safe) ...
        using var model = TaskModel.Load(tuned);
        ClassPrediction prediction = model.Classify("a gripping, funny film");

        // 4. ... or export it and serve it with ONNX Runtime (Microsoft.ML.OnnxRuntime).
        OnnxExport.Export(tuned, Path.Combine(work, "sst2.onnx"));
        using var session = new InferenceSession(Path.Combine(work, "sst2.onnx"));
        var enc = model.Tokenizer.EncodeBatch(["a gripping, funny film"], maxLength: model.Spec.MaxSequenceLength);
        long[] shape = [enc.Batch, enc.SequenceLength];
        OrtValue Input(int[] values) => OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(values, v => (long)v), shape);
        using OrtValue ids = Input(enc.InputIds), mask = Input(enc.AttentionMask), types = Input(enc.TokenTypeIds);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["input_ids", "attention_mask", "token_type_ids"], [ids, mask, types], ["logits"]);
        float[] logits = outputs[0].GetTensorDataAsSpan<float>().ToArray();   // [1, labels]
        // README:end
        return (prediction, logits);
    }
}
