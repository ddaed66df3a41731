using BertCore.IO;

namespace BertCore.Demo;

/// <summary>What <see cref="DemoPipeline"/> runs on and how long it trains.</summary>
public sealed record DemoOptions
{
    /// <summary>Folder for the data, vocabulary, pretrained model, fine-tuned models, plots and results.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Real data laid out like <c>shared/data</c> (sst2/, pairs/rte/, pairs/stsb/, ner/wnut17/, qa/,
    /// corpus/wikitext-2-raw/); null runs on the embedded synthetic data.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>A reduced budget (a smoke run): a few pretraining steps, a few short epochs on a few examples.</summary>
    public bool Quick { get; init; }

    /// <summary>Seeds the data generation, initialization, masking, batch order and dropout.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Overrides the budget's pretraining steps.</summary>
    public int? PretrainSteps { get; init; }

    /// <summary>Overrides the budget's fine-tuning epochs.</summary>
    public int? Epochs { get; init; }

    /// <summary>Overrides the budget's cap on training examples per task (0: no cap).</summary>
    public int? MaxTrainExamples { get; init; }

    /// <summary>Overrides the budget's fine-tuning learning rate.</summary>
    public float? LearningRate { get; init; }

    /// <summary>Overrides the model: a preset name (tiny, mini, small, base); its vocab_size is set from the trained vocabulary.</summary>
    public string? Preset { get; init; }
}

/// <summary>
/// The sizes and step counts of one demo run: the defaults for the data and mode, with the options' overrides.
/// Synthetic data: a 2-layer model of width 64 pretrained for 600 steps of 32 × 64 tokens, fine-tuned for 5
/// epochs on 300 examples per task (a few minutes on 2 cores). Real data: the "tiny" preset (2 layers, width
/// 128) pretrained for 2000 steps of 32 × 128 tokens on WikiText-2, fine-tuned for 3 epochs on the full
/// training sets. Quick: a few dozen pretraining steps; on synthetic data 8 epochs on 100 examples (56 steps, the
/// fewest with which entities and questions are learnt for every seed tried; pretraining takes most of the time),
/// on real data 1 epoch on 200.
/// </summary>
/// <param name="MaxTrainExamples">Cap on training examples per task (null: all).</param>
/// <param name="MaxDevExamples">Cap on dev examples per task (null: all).</param>
public sealed record DemoBudget(
    int VocabularySize, BertConfig Model, int PretrainSteps, int PretrainBatch, int PretrainSequence, float PretrainLearningRate,
    int Epochs, int Batch, float LearningRate, int MaxSequence, int? MaxTrainExamples, int? MaxDevExamples)
{
    /// <summary>The budget for <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">An override is out of range, or an unknown preset.</exception>
    public static DemoBudget For(DemoOptions options)
    {
        bool real = options.DataDirectory != null, quick = options.Quick;
        var small = new BertConfig
        {
            HiddenSize = 64, NumHiddenLayers = 2, NumAttentionHeads = 2, IntermediateSize = 256, MaxPositionEmbeddings = 128,
        };
        var model = options.Preset != null ? BertConfig.Preset(options.Preset) with { MaxPositionEmbeddings = 512 }
            : real && !quick ? BertConfig.Preset("tiny") with { MaxPositionEmbeddings = 128 }
            : small;
        var budget = (real, quick) switch
        {
            (false, false) => new DemoBudget(1000, model, 600, 32, 64, 1e-3f, 5, 16, 1e-3f, 64, 300, null),
            (false, true) => new DemoBudget(1000, model, 60, 32, 64, 1e-3f, 8, 16, 1e-3f, 64, 100, 60),
            (true, false) => new DemoBudget(8000, model, 2000, 32, 128, 5e-4f, 3, 32, 5e-4f, 128, null, null),
            (true, true) => new DemoBudget(2000, model, 30, 16, 64, 1e-3f, 1, 16, 1e-3f, 64, 200, 100),
        };
        budget = budget with
        {
            PretrainSteps = options.PretrainSteps ?? budget.PretrainSteps,
            Epochs = options.Epochs ?? budget.Epochs,
            MaxTrainExamples = options.MaxTrainExamples is { } max ? (max > 0 ? max : null) : budget.MaxTrainExamples,
            LearningRate = options.LearningRate ?? budget.LearningRate,
        };
        if (budget.PretrainSteps < 1 || budget.Epochs < 1 || budget.LearningRate <= 0 || budget.MaxTrainExamples is < 1)
            throw new ArgumentException("the pretraining steps, epochs, learning rate and training-example cap must be positive");
        return budget;
    }
}
