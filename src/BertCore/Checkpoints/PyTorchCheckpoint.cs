using BertCore.IO;
using BertCore.IO.PyTorch;
using BertCore.Tensors;

namespace BertCore.Checkpoints;

/// <summary>What <see cref="PyTorchCheckpoint.ConvertToModelFolder"/> wrote.</summary>
/// <param name="Converted">State-dict keys written to model.safetensors (as F32, or I32 for integer tensors).</param>
/// <param name="Dropped">Keys left out: the tied decoder copies and position-id buffers, which Hugging Face's
/// safetensors files omit too.</param>
public sealed record PyTorchConversion(IReadOnlyList<string> Converted, IReadOnlyList<string> Dropped);

/// <summary>Converts a Hugging Face folder saved with <c>pytorch_model.bin</c> into BertCore's model folder.</summary>
public static class PyTorchCheckpoint
{
    /// <summary>
    /// Writes <paramref name="outputDirectory"/> (config.json, model.safetensors, and vocab.txt when the source has
    /// one) from <paramref name="source"/>: a Hugging Face model folder holding config.json and pytorch_model.bin,
    /// or a pytorch_model.bin file with config.json next to it. config.json and vocab.txt are copied byte for byte;
    /// every tensor is converted exactly to F32 (I64 to I32). The result is loaded once as a model before it is
    /// put in place, and the folder is written atomically (<see cref="AtomicDirectory"/>): when anything fails,
    /// nothing is left under <paramref name="outputDirectory"/>.
    /// </summary>
    /// <exception cref="InvalidFileException">The checkpoint or config is malformed, or the weights do not fit the config.</exception>
    /// <exception cref="FileNotFoundException">The source has no pytorch_model.bin or no config.json.</exception>
    /// <exception cref="IOException"><paramref name="outputDirectory"/> exists and is not empty (nothing is overwritten).</exception>
    public static PyTorchConversion ConvertToModelFolder(string source, string outputDirectory)
    {
        string folder = Directory.Exists(source) ? source : Path.GetDirectoryName(Path.GetFullPath(source))!;
        string weights = Directory.Exists(source) ? Path.Combine(source, ModelDirectory.PyTorchWeightsFile) : source;
        if (!File.Exists(weights)) throw new FileNotFoundException($"{weights}: no PyTorch checkpoint to convert", weights);
        string config = Path.Combine(folder, ModelDirectory.ConfigFile);
        BertConfig.Load(config);   // fails early, naming the file, when the config is not one BertCore reads
        string vocab = Path.Combine(folder, ModelDirectory.VocabFile);
        if (Directory.Exists(outputDirectory) && Directory.EnumerateFileSystemEntries(outputDirectory).Any())
            throw new IOException($"{outputDirectory}: the output folder exists and is not empty; choose a new folder");

        var converted = new List<string>();
        var dropped = new List<string>();
        AtomicDirectory.Write(outputDirectory, temporary =>
        {
            using (var file = TorchStateDict.Open(weights))
            {
                var tensors = new List<KeyValuePair<string, Tensor>>();
                try
                {
                    foreach (var name in file.Names)
                    {
                        if (Checkpoint.IsTiedOrBuffer(name))
                        {
                            dropped.Add(name);
                            continue;
                        }
                        tensors.Add(KeyValuePair.Create(name, file.Read(name)));
                        converted.Add(name);
                    }
                    SafeTensorsWriter.Write(Path.Combine(temporary, ModelDirectory.WeightsFile), tensors,
                        new Dictionary<string, string> { ["format"] = "pt" });
                }
                finally
                {
                    foreach (var t in tensors) t.Value.Dispose();
                }
            }
            File.Copy(config, Path.Combine(temporary, ModelDirectory.ConfigFile));
            if (File.Exists(vocab)) File.Copy(vocab, Path.Combine(temporary, ModelDirectory.VocabFile));
            ModelDirectory.LoadPreTraining(temporary).Dispose();   // the encoder is complete and fits the config
        });
        return new PyTorchConversion(converted, dropped);
    }
}
