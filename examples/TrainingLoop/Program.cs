// The whole training loop on one screen, like llm.c's train_gpt2.c: a tiny BERT from random weights, a batch
// source, a TrainingStep (graph, AdamW, learning-rate schedule, gradient accumulation, clipping, one loss read-back
// per step) and a loop that prints the loss. Run it with: dotnet run -c Release --project examples/TrainingLoop
using BertCore.Autograd;
using BertCore.Backends;
using BertCore.Backends.Cpu;
using BertCore.IO;
using BertCore.Nn.Bert;
using BertCore.Nn.Heads;
using BertCore.Optim;
using BertCore.Training;

foreach (var (step, loss) in BertCore.Examples.TrainingLoopExample.Train(steps: 150))
    if (step % 10 == 0) Console.WriteLine($"step {step,4}  loss {loss:F4}");

namespace BertCore.Examples
{
    /// <summary>Masked-LM training of a tiny BERT on synthetic sequences, written out step by step.</summary>
    public static class TrainingLoopExample
    {
        private const int Vocab = 64, Batch = 8, Sequence = 24, MicroBatches = 2;

        /// <summary>Trains for <paramref name="steps"/> optimizer steps, yielding (step, mean loss) after each.</summary>
        public static IEnumerable<(int Step, double Loss)> Train(int steps, int seed = 1)
        {
            // 1. The model: 2 layers of width 64, random weights (Hugging Face's initialization), MLM head only.
            var config = new BertConfig
            {
                VocabSize = Vocab, HiddenSize = 64, NumHiddenLayers = 2, NumAttentionHeads = 2, IntermediateSize = 128,
                MaxPositionEmbeddings = Sequence, HiddenDropoutProb = 0.1f, AttentionProbsDropoutProb = 0.1f,
            };
            using var model = new BertForPreTraining(config, withNsp: false, withPooler: false);
            model.Initialize(seed);
            IBackend backend = new CpuBackend();   // the same code runs on a GpuBackend
            backend.Adopt(model.Parameters());      // parameters move into the backend's memory

            // 2. The step: AdamW (weight decay on matrices only), linear warmup then decay, clipping at norm 1.
            var parameters = model.Parameters().ToArray();
            var adam = new AdamW(backend, ParameterGroup.DecayAndNoDecay(parameters, lr: 5e-3f, weightDecay: 0.01f));
            using var training = new TrainingStep(backend, parameters, adam, LrSchedule.Linear(warmupSteps: 10, totalSteps: steps),
                maxGradNorm: 1.0, seed: (ulong)seed);

            // 3. The loop: each step accumulates the gradients of two micro-batches, then clips and updates.
            var random = new Random(seed);
            for (int s = 0; s < steps; s++)
            {
                training.Begin(MicroBatches);
                for (int m = 0; m < MicroBatches; m++)
                {
                    var (inputs, labels) = NextBatch(random);
                    var loss = model.Forward(training.Graph, inputs, labels).Loss!;   // [1], stays on the device
                    training.Accumulate(loss);                                       // backward of loss / 2, then reset
                }
                var result = training.Finish();   // clip, AdamW, read the losses and the norm back (one wait)
                yield return (result.Step, result.Loss);
            }
        }

        /// <summary>A batch [Batch, Sequence] of rows that each repeat one random id (5..Vocab-1), with 15% of the positions
        /// masked: the labels [Batch · Sequence] hold the original id there and IgnoreIndex elsewhere. The model learns to
        /// read a masked id off the rest of its row (attention), from a start at ln(Vocab) ≈ 4.16.</summary>
        private static (BertBatch Inputs, int[] Labels) NextBatch(Random random)
        {
            var ids = new int[Batch * Sequence];
            var labels = new int[Batch * Sequence];
            for (int row = 0; row < Batch; row++)
            {
                int id = random.Next(5, Vocab);
                for (int i = 0; i < Sequence; i++)
                {
                    int at = row * Sequence + i;
                    bool masked = random.NextDouble() < 0.15;
                    ids[at] = masked ? 4 : id;   // 4 is [MASK]
                    labels[at] = masked ? id : MlmHead.IgnoreIndex;
                }
            }
            return (new BertBatch(Batch, Sequence, ids), labels);
        }
    }
}
