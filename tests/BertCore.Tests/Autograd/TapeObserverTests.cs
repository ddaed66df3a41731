using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.Nn;
using BertCore.Nn.Bert;
using BertCore.Nn.Heads;
using BertCore.Tensors;
using BertCore.Tests.Training;
using Xunit;

namespace BertCore.Tests.Autograd;

/// <summary>
/// <see cref="Graph.Observer"/>: a parameter's gradient is final once the backward of the first entry that read it
/// has run. The oracle is the backward itself: a copy of each gradient taken the moment the observer calls it final
/// must equal, bit for bit, the gradient when the whole backward has ended. Tiny models with dropout, through every
/// kind of read: linears, layer norms (with and without the residual), embedding gathers, the MLM decoder tied to the
/// word embeddings (read first by the gather, last by the decoder), and question answering's reshaped bias. A
/// parameter that no op read must keep a zero gradient.
/// </summary>
public class TapeObserverTests
{
    /// <summary>Copies each parameter's gradient when it becomes final.</summary>
    private sealed class Snapshots(IReadOnlyList<Parameter> parameters) : ITapeObserver
    {
        private readonly Dictionary<Parameter, int> _firstReader = new();
        public readonly Dictionary<Parameter, float[]> Final = new();
        public readonly HashSet<int> Entries = new();   // the entries after which some gradient became final

        public void Reads(Parameter parameter, int entry) => _firstReader.TryAdd(parameter, entry);

        public void BackwardRan(int entry)
        {
            foreach (var p in parameters)
                if (_firstReader.TryGetValue(p, out int first) && first >= entry && !Final.ContainsKey(p))
                {
                    Final[p] = p.Grad.ToArray();
                    Entries.Add(entry);
                }
        }
    }

    private static readonly int[] Ids = [2, 7, 9, 11, 3, 12, 30, 0, 2, 40, 41, 42, 43, 44, 3, 0];   // two sequences of 8

    private static void AssertFinalWhenTold(Module model, Func<Graph, Tensor> loss)
    {
        var parameters = model.Parameters().Where(p => p.Trainable).ToList();
        using var graph = new Graph(new CpuBackend(1)) { Training = true, Seed = 5 };
        var snapshots = new Snapshots(parameters);
        graph.Observer = snapshots;
        graph.Backward(loss(graph));
        foreach (var p in parameters)
        {
            if (snapshots.Final.TryGetValue(p, out var final)) Assert.True(p.Grad.ToArray().SequenceEqual(final), $"{p.Name} changed after the observer was told it was final");
            else Assert.True(p.Grad.ToArray().All(v => v == 0), $"{p.Name} was never read but has a gradient");
        }
        Assert.True(snapshots.Entries.Count >= 5, $"gradients became final after only {snapshots.Entries.Count} entries");
    }

    [Fact]
    public void Pretraining_gradients_are_final_once_their_first_reader_ran()
    {
        using var model = new BertForPreTraining(TinyPretraining.Config());
        model.Initialize(1);
        int[] labels = Ids.Select((id, i) => i % 3 == 1 ? id : MlmHead.IgnoreIndex).ToArray();
        AssertFinalWhenTold(model, g => model.Forward(g, new BertBatch(2, 8, Ids), labels, [0, 1]).Loss!);
    }

    [Fact]
    public void Question_answering_gradients_are_final_once_their_first_reader_ran()
    {
        using var model = new BertForQuestionAnswering(TinyPretraining.Config());
        model.Initialize(1);
        AssertFinalWhenTold(model, g => model.Forward(g, new BertBatch(2, 8, Ids), [1, 2], [3, 5]).Loss!);
    }
}
