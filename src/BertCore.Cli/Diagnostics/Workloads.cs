using BertCore.Autograd;
using BertCore.Backends;
using BertCore.Backends.Gpu;
using BertCore.IO;
using BertCore.Nn.Bert;
using BertCore.Nn.Heads;
using BertCore.Optim;
using BertCore.Tensors;
using BertCore.Training;

namespace BertCore.Diagnostics;

/// <summary>
/// One masked-LM pretraining step of a randomly initialized BERT on random token ids, as the peers in
/// ../shared/tools run it, as a <see cref="TrainingStep"/> without clipping: ZeroGrad → forward (MLM loss at the
/// ~15% masked positions only) → backward → Reset → AdamW (lr 1e-4, weight decay 0.01), the loss copied on the device
/// and read back at the end of the step (the host never waits in the middle of a step). Build once, then <see cref="Run"/> once per step; a warm step allocates
/// nothing on the managed heap.
/// </summary>
public sealed class MlmTrainingStep : IDisposable
{
    private readonly BertForPreTraining _model;
    private readonly TrainingStep _step;
    private readonly BertBatch _inputs;
    private readonly int[] _labels;

    /// <param name="config">Model shape (see <see cref="Throughput.Config"/> for the peers' presets).</param>
    /// <param name="batch">Sequences per step.</param>
    /// <param name="seq">Tokens per sequence.</param>
    public MlmTrainingStep(IBackend backend, BertConfig config, int batch, int seq, int seed = 0)
    {
        _model = new BertForPreTraining(config, withNsp: false, withPooler: false);
        _model.Initialize(seed);
        if (backend is GpuBackend gpu) gpu.Adopt(_model.Parameters());
        var parameters = _model.Parameters().ToArray();
        _step = new TrainingStep(backend, parameters, new AdamW(backend, ParameterGroup.DecayAndNoDecay(parameters, 1e-4f, 0.01f)),
            LrSchedule.Constant(), maxGradNorm: null, seed: 0);
        (_inputs, _labels) = RandomMlmBatch(config, batch, seq, seed);
    }

    /// <summary>The loss of the last step ([1], valid until the next step).</summary>
    public float LastLoss { get; private set; }

    public void Run()
    {
        _step.Begin();
        _step.Accumulate(_model.Forward(_step.Graph, _inputs, _labels).Loss!);
        LastLoss = (float)_step.Finish().Loss;   // the step's one host read-back
    }

    /// <summary>The losses of <paramref name="steps"/> consecutive steps from the same initialization and batch: what
    /// two backends must agree on (the CUDA parity test and the GPU workbench compare them).</summary>
    public static float[] Losses(IBackend backend, BertConfig config, int batch, int seq, int steps, int seed = 0)
    {
        using var step = new MlmTrainingStep(backend, config, batch, seq, seed);
        var losses = new float[steps];
        for (int i = 0; i < steps; i++)
        {
            step.Run();
            losses[i] = step.LastLoss;
        }
        return losses;
    }

    /// <summary>Random ids (special ids avoided) and MLM labels at ~15% of positions (the original id there).</summary>
    internal static (BertBatch Inputs, int[] Labels) RandomMlmBatch(BertConfig config, int batch, int seq, int seed)
    {
        var random = new Random(seed);
        var ids = new int[batch * seq];
        var labels = new int[batch * seq];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = random.Next(5, config.VocabSize);
            labels[i] = random.NextDouble() < 0.15 ? ids[i] : MlmHead.IgnoreIndex;
        }
        return (new BertBatch(batch, seq, ids), labels);
    }

    public void Dispose()
    {
        _step.Dispose();
        _model.Dispose();
    }
}

/// <summary>The encoder forward of a randomly initialized BERT on random ids, without gradients (no pooler),
/// as the peers run inference. Build once, then <see cref="Run"/> once per batch.</summary>
public sealed class EncoderInference : IDisposable
{
    private readonly BertEncoder _encoder;
    private readonly Graph _graph;
    private readonly BertBatch _inputs;

    public EncoderInference(IBackend backend, BertConfig config, int batch, int seq, int seed = 0)
    {
        _encoder = new BertEncoder(config, withPooler: false);
        _encoder.Initialize(seed);
        if (backend is GpuBackend gpu) gpu.Adopt(_encoder.Parameters());
        _encoder.FreezeForInference();   // as an inference session (ONNX Runtime's too) may pre-pack its weights
        _graph = new Graph(backend);
        (_inputs, _) = MlmTrainingStep.RandomMlmBatch(config, batch, seq, seed);
    }

    public void Run()
    {
        using (_graph.NoGrad()) _encoder.Forward(_graph, _inputs);
        _graph.Reset();
    }

    public void Dispose()
    {
        _graph.Dispose();
        _encoder.Dispose();
    }
}
