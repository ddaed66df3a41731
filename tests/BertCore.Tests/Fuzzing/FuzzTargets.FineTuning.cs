using BertCore.Training.FineTuning.MultiTask;
using BertCore.Training.FineTuning.Representations;

namespace BertCore.Tests.Fuzzing;

/// <summary>Fine-tuning side files: a multi-task spec and external feature vectors.</summary>
internal static partial class FuzzTargets
{
    private static FuzzTarget MultiTask => new("multitask-spec", "tasks.json",
        _ => [SeedFiles.Text("{\"tasks\": [\n  {\"name\": \"sst2\", \"task\": \"classify\", \"train\": \"sst2/train.tsv\", \"dev\": \"sst2/dev.tsv\"},\n"
                + "  {\"name\": \"rte\", \"task\": \"pair\", \"train\": \"rte/train.tsv\", \"max_train\": 2000, \"max_dev\": 100}\n]}\n")],
        path => MultiTaskSpec.Load(path), InvalidFile);

    private static FuzzTarget Features => new("external-features", "features.txt",
        _ => [SeedFiles.Text("# line  positive_words  negative_words\n2\t3\t0\n3       0.5     1\n\n5 -1e-3 2.5e2\n")],
        path => ExternalFeatures.Read(path), InvalidFile);
}
