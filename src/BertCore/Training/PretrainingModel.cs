using BertCore.Checkpoints;
using BertCore.IO;
using BertCore.Nn.Heads;

namespace BertCore.Training;

/// <summary>Builds the <see cref="BertForPreTraining"/> that a <see cref="Pretrainer"/> trains: from scratch, or
/// from an existing checkpoint for continued (domain- or task-adaptive) pretraining.</summary>
public static class PretrainingModel
{
    /// <summary>A randomly initialized model (HF initialization from <paramref name="seed"/>) with the MLM head,
    /// the pooler, and the sentence-relation (NSP/SOP) head when <paramref name="relationHead"/> is set.</summary>
    /// <param name="mlmHead">Whether the model has the MLM head (not for an ELECTRA discriminator).</param>
    public static BertForPreTraining New(BertConfig config, bool relationHead, int seed, bool mlmHead = true)
    {
        var model = new BertForPreTraining(config, withMlm: mlmHead, withNsp: relationHead, withPooler: true);
        model.Initialize(seed);
        return model;
    }

    /// <summary>
    /// A model with the configuration and weights of the Hugging Face folder <paramref name="dir"/> (config.json,
    /// model.safetensors). Heads the folder lacks (the MLM head of a bare BertModel, an NSP head for
    /// <paramref name="relationHead"/>, the pooler) start from HF initialization with <paramref name="seed"/>;
    /// the report lists them as missing. The encoder (embeddings and layers) must be complete.
    /// </summary>
    /// <exception cref="InvalidFileException">An encoder tensor is missing or has another shape.</exception>
    /// <param name="mlmHead">Whether the model has the MLM head (not for an ELECTRA discriminator).</param>
    public static (BertForPreTraining Model, LoadReport Report) FromCheckpoint(string dir, bool relationHead, int seed, bool mlmHead = true)
    {
        var model = New(ModelDirectory.LoadConfig(dir), relationHead, seed, mlmHead);
        try
        {
            var weights = ModelDirectory.WeightsPath(dir);
            var report = Checkpoint.LoadWeights(model, weights, allowMissingEncoder: true);   // the pooler may be missing
            var pooler = model.Bert.Pooler!.Parameters().Select(p => p.Name).ToHashSet();
            var missing = report.Missing.Where(n => n.StartsWith("bert.", StringComparison.Ordinal) && !pooler.Contains(n)).ToArray();
            if (missing.Length > 0)
                throw new InvalidFileException(weights, null, $"{missing.Length} encoder tensors are missing, e.g. {string.Join(", ", missing.Take(3))}");
            return (model, report);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
