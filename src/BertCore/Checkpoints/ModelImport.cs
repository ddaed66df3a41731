using BertCore.IO;
using BertCore.IO.Onnx;
using BertCore.Nn.Heads;
using BertCore.Text;

namespace BertCore.Checkpoints;

/// <summary>What <see cref="ModelImport.FromOnnx"/> wrote.</summary>
/// <param name="Config">The configuration read from the graph (written as config.json).</param>
/// <param name="HasPooler">Whether the graph has a pooler (bert.pooler.dense), which the weights then include.</param>
/// <param name="VocabSource">The vocab.txt copied into the folder, or null when none was given or found.</param>
/// <param name="Ignored">Float initializers of the graph that are not part of the encoder (e.g. a task head's), left out.</param>
public sealed record ImportResult(BertConfig Config, bool HasPooler, string? VocabSource, IReadOnlyList<string> Ignored);

/// <summary>
/// Imports pretrained BERT encoders from other formats into a model folder (<see cref="ModelDirectory"/>: config.json,
/// model.safetensors, vocab.txt), which then loads wherever a model folder is taken.
/// </summary>
public static class ModelImport
{
    /// <summary>
    /// Imports the ONNX export of a BERT encoder, as torch.onnx writes it: initializers with Hugging Face names for
    /// embeddings, biases and LayerNorms (with or without a "bert." prefix); Linear weights as MatMul or Gemm
    /// initializers with generated names, found through the graph and transposed to [out, in]; LayerNorm decomposed
    /// or as LayerNormalization nodes. The configuration (layers, hidden size,
    /// heads, feed-forward width, LayerNorm epsilon, vocabulary, positions, token types, pooler) is read from the
    /// graph; pad_token_id and the dropout rates, which the graph does not hold, take Hugging Face's defaults.
    /// The folder is written atomically: on any error no folder (and no partial one) is left at
    /// <paramref name="outputDir"/>.
    /// </summary>
    /// <param name="onnxPath">The .onnx file (all tensors inside it; external data is refused).</param>
    /// <param name="outputDir">The model folder to write; an existing folder of that name is replaced.</param>
    /// <param name="vocabPath">The vocab.txt to copy; null to copy the vocab.txt beside <paramref name="onnxPath"/>
    /// when there is one.</param>
    /// <exception cref="FileNotFoundException">The ONNX file or the given vocabulary does not exist.</exception>
    /// <exception cref="InvalidFileException">The file is not ONNX, the graph is not a BERT encoder (the message names
    /// what is missing), or the vocabulary is invalid or larger than the word-embedding table.</exception>
    public static ImportResult FromOnnx(string onnxPath, string outputDir, string? vocabPath = null)
    {
        var bert = OnnxImportBert.Read(onnxPath);
        string? vocab = vocabPath ?? Beside(onnxPath);
        if (vocab != null)
        {
            int tokens = Vocabulary.Load(vocab).Count;
            if (tokens > bert.Config.VocabSize)
                throw new InvalidFileException(vocab, null,
                    $"{tokens} tokens, but the word-embedding table of {onnxPath} has {bert.Config.VocabSize} rows");
        }
        using var model = new BertForPreTraining(bert.Config, withMlm: false, withNsp: false, withPooler: bert.HasPooler);
        foreach (var parameter in model.Parameters())
        {
            var tensor = bert.Tensors[parameter.Name["bert.".Length..]];
            if (!tensor.Shape.SequenceEqual(parameter.Value.Shape.ToArray()))
                throw new InvalidFileException(onnxPath, null,
                    $"{parameter.Name} is [{string.Join(", ", tensor.Shape)}] in the graph but {parameter.Value.Shape} in a model of its configuration");
            tensor.Values.CopyTo(parameter.Value.Span);
        }
        AtomicDirectory.Write(outputDir, dir => ModelDirectory.Save(dir, model, bert.Config, vocab));
        return new ImportResult(bert.Config, bert.HasPooler, vocab, bert.Ignored);
    }

    /// <summary>
    /// Imports a Hugging Face model saved with <c>pytorch_model.bin</c> (a folder with config.json, or the .bin file
    /// with config.json beside it) through the restricted unpickler of <see cref="PyTorchCheckpoint"/>: every tensor
    /// converted exactly to F32 in model.safetensors, config.json and vocab.txt copied. Written atomically; an
    /// existing, non-empty <paramref name="outputDir"/> is refused, never overwritten.
    /// </summary>
    /// <exception cref="InvalidFileException">The archive, pickle or config is malformed or refused (the message names
    /// the file and the reason).</exception>
    /// <exception cref="FileNotFoundException">The source has no pytorch_model.bin or no config.json.</exception>
    /// <exception cref="IOException"><paramref name="outputDir"/> exists and is not empty.</exception>
    public static PyTorchConversion FromPyTorch(string source, string outputDir) =>
        PyTorchCheckpoint.ConvertToModelFolder(source, outputDir);

    /// <summary>Whether <paramref name="source"/> is read by <see cref="FromPyTorch"/> (a folder, or a file that is
    /// not a .onnx file, such as pytorch_model.bin) rather than by <see cref="FromOnnx"/>.</summary>
    public static bool IsPyTorchSource(string source) =>
        Directory.Exists(source) || !source.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);

    private static string? Beside(string onnxPath)
    {
        string path = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(onnxPath))!, ModelDirectory.VocabFile);
        return File.Exists(path) ? path : null;
    }
}
