using BertCore.IO;
using BertCore.Nn;
using BertCore.Nn.Heads;

namespace BertCore.Checkpoints;

/// <summary>
/// A model folder in Hugging Face layout: config.json, model.safetensors (or, for loading, pytorch_model.bin) and
/// vocab.txt. Loading needs no network and no Python; saved folders load in transformers
/// (BertForPreTraining.from_pretrained(dir)).
/// </summary>
public static class ModelDirectory
{
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "model.safetensors";
    /// <summary>The weights file of a folder saved by torch.save (read when the folder has no model.safetensors).</summary>
    public const string PyTorchWeightsFile = "pytorch_model.bin";
    public const string VocabFile = "vocab.txt";

    public static BertConfig LoadConfig(string dir) => BertConfig.Load(Existing(dir, ConfigFile));

    /// <summary>The folder's weights file: model.safetensors, else pytorch_model.bin (a PyTorch state dict, read by
    /// <see cref="WeightFile.Open"/>).</summary>
    /// <exception cref="FileNotFoundException">The folder has neither.</exception>
    public static string WeightsPath(string dir)
    {
        var path = Path.Combine(dir, WeightsFile);
        if (File.Exists(path)) return path;
        var pytorch = Path.Combine(dir, PyTorchWeightsFile);
        if (File.Exists(pytorch)) return pytorch;
        throw new FileNotFoundException($"{path}: no weights file in the model folder (nor {PyTorchWeightsFile})", path);
    }

    public static string VocabPath(string dir) => Existing(dir, VocabFile);

    /// <summary>Loads the encoder with whichever pretraining heads (MLM, NSP) and pooler the weights file has.</summary>
    public static BertForPreTraining LoadPreTraining(string dir)
    {
        var config = LoadConfig(dir);
        var weights = WeightsPath(dir);
        bool mlm, nsp, pooler;
        using (var file = WeightFile.Open(weights))
        {
            mlm = file.Contains("cls.predictions.transform.dense.weight");
            nsp = file.Contains("cls.seq_relationship.weight");
            pooler = file.Contains("bert.pooler.dense.weight") || file.Contains("pooler.dense.weight");
        }
        var model = new BertForPreTraining(config, mlm, nsp && pooler, pooler);
        try
        {
            Checkpoint.LoadWeights(model, weights);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Writes config.json, model.safetensors and (when given) a copy of vocab.txt, each atomically.</summary>
    public static void Save(string dir, Module model, BertConfig config, string? vocabSource = null)
    {
        Directory.CreateDirectory(dir);
        config.Save(Path.Combine(dir, ConfigFile));
        Checkpoint.SaveWeights(model, Path.Combine(dir, WeightsFile));
        if (vocabSource != null && Path.GetFullPath(vocabSource) != Path.GetFullPath(Path.Combine(dir, VocabFile)))
            AtomicFile.Write(Path.Combine(dir, VocabFile), s => { using var src = File.OpenRead(vocabSource); src.CopyTo(s); });
    }

    private static string Existing(string dir, string file)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir}: model folder not found");
        var path = Path.Combine(dir, file);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path}: missing from the model folder", path);
    }
}
