using BertCore.Checkpoints;
using BertCore.IO;
using BertCore.Nn.Heads;

namespace BertCore.Training.FineTuning.Techniques;

/// <summary>The masked-LM head that the MLM techniques (<see cref="AuxiliaryMlm"/>,
/// <see cref="TaskAdaptivePretraining"/>) put on a task network's encoder.</summary>
public static class MlmHeads
{
    /// <summary>
    /// Fills <paramref name="head"/> from <paramref name="modelDirectory"/>'s weights when they have every
    /// "cls.predictions.*" tensor (a pretrained BertCore or Hugging Face BertForPreTraining / BertForMaskedLM
    /// folder), else with Hugging Face initialization from <paramref name="seed"/>.
    /// </summary>
    /// <returns>Whether the head was loaded.</returns>
    /// <exception cref="InvalidFileException">A head tensor of the checkpoint has another shape.</exception>
    public static bool LoadOrInitialize(MlmHead head, double initializerRange, string? modelDirectory, int seed)
    {
        head.Initialize(initializerRange, new Random(seed + 2));
        if (modelDirectory == null) return false;
        string weights = ModelDirectory.WeightsPath(modelDirectory);
        using (var file = WeightFile.Open(weights))
            if (!head.Parameters().All(p => file.Contains(p.Name))) return false;
        Checkpoint.LoadWeights(head, weights);
        return true;
    }
}
