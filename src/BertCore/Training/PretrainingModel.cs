using BertCore.IO;
using BertCore.Nn.Heads;

namespace BertCore.Training;

/// <summary>Builds the <see cref="BertForPreTraining"/> that a <see cref="Pretrainer"/> trains: from scratch, or
/// from an existing checkpoint for continued (domain- or task-adaptive) pretraining.</summary>
public static class PretrainingModel
{
    /// <summary>A randomly initialized model (HF initialization from <paramref name="seed"/>) with the MLM head,
    /// the pooler, and the sentence-relation (NSP/SOP) head when <paramref name="relationHead"/> is set.</summary>
    public static BertForPreTraining New(BertConfig config, bool relationHead, int seed)
    {
        var model = new BertForPreTraining(config, withMlm: true, withNsp: relationHead, withPooler: true);
        model.Initialize(seed);
        return model;
    }

    /// <summary>
    /// A model with the configuration and weights of the Hugging Face folder <paramref name="dir"/> (config.json,
    /// model.safetensors). Heads the folder lacks (the MLM head of a bare BertModel, an NSP head for
    /// <paramref name="relationHead"/>, the pooler) start from HF initialization with <paramref name="seed"/>;
    /// the report lists them as missing. The encoder must be complete.
    /// </summary>
    public static (BertForPreTraining Model, LoadReport Report) FromCheckpoint(string dir, bool relationHead, int seed)
    {
        var model = New(ModelDirectory.LoadConfig(dir), relationHead, seed);
        try
        {
            return (model, Checkpoint.LoadWeights(model, ModelDirectory.WeightsPath(dir)));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
