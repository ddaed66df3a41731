using Google.Protobuf;
using Onnx;

namespace BertCore.IO.Onnx;

/// <summary>Reads an ONNX model file with Google.Protobuf and the official schema, refusing files that are not one.</summary>
internal static class OnnxImportFile
{
    /// <summary>The model in <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidFileException">The file does not parse as an ONNX ModelProto (truncated, damaged, or
    /// another format), or it has no graph.</exception>
    public static ModelProto Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: ONNX file not found", path);
        ModelProto model;
        try
        {
            using var stream = File.OpenRead(path);
            model = ModelProto.Parser.ParseFrom(stream);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidFileException(path, null,
                $"not an ONNX model: the protobuf message does not parse ({e.Message}); is the file truncated or of another format?", e);
        }
        if (model.IrVersion <= 0 || model.Graph is null || model.Graph.Node.Count == 0)
            throw new InvalidFileException(path, null,
                $"not an ONNX model: {(model.IrVersion <= 0 ? "no ir_version" : "no graph nodes")} (a file of another format?)");
        return model;
    }
}
