using BertCore.IO;
using BertCore.IO.Onnx;

namespace BertCore.Tests.Fuzzing;

/// <summary>Parsers of models of other formats: ONNX exports and PyTorch state dicts.</summary>
internal static partial class FuzzTargets
{
    /// <summary>ONNX: the import's whole reading of a graph (protobuf, graph patterns, tensors, configuration).</summary>
    private static FuzzTarget Onnx => new("onnx", "model.onnx",
        _ => [SeedFiles.Fixture("onnx", "tiny_bert.onnx"), SeedFiles.Fixture("onnx", "tiny_bert_opset17.onnx"), SeedFiles.Fixture("onnx", "mlp.onnx")],
        path => _ = OnnxImportBert.Read(path), InvalidFile, CiCases: 150);

    /// <summary>pytorch_model.bin: the archive and the restricted unpickler, then every tensor read. A refused dtype is
    /// a documented <see cref="NotSupportedException"/> naming the file.</summary>
    private static FuzzTarget PyTorchBin => new("pytorch", "pytorch_model.bin",
        _ => [SeedFiles.Fixture("torch", "fp32", "pytorch_model.bin"), SeedFiles.Fixture("torch", "bf16_protocol4.bin"),
              SeedFiles.Fixture("torch", "fp16", "pytorch_model.bin")],
        path =>
        {
            using var file = WeightFile.Open(path);
            foreach (string name in file.Names)
            {
                _ = file.Info(name);
                try
                {
                    using var tensor = file.Read(name);
                }
                catch (NotSupportedException e) when (e.Message.Contains(path, StringComparison.Ordinal))
                {
                    // A documented refusal of one tensor's dtype; the others are still read.
                }
            }
        },
        [typeof(InvalidFileException), typeof(NotSupportedException)], CiCases: 150);
}
