using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.Distributed;
using BertCore.Nn.Bert;
using BertCore.Nn.Heads;
using BertCore.Optim;
using BertCore.Tensors;
using BertCore.Tests.Training;
using BertCore.Training;
using Xunit;

namespace BertCore.Tests.Distributed;

/// <summary>
/// <see cref="TrainingStep.GradientBucketMegabytes"/> without MPI: rank 0 of a stand-in for two ranks whose rank 1
/// sends back what rank 0 sends, at the moment it is sent (a mirror), so a bucket sent before its gradients were final
/// would carry stale values. One step of two micro-batches of the same batch (no dropout, so both micro-batches make
/// the same gradient) must leave bitwise the parameters of one process running both micro-batches: its sum g + g comes
/// from the one-process path (back-propagation into zeroed gradients, then added to the total), the ranks' from the
/// gathered buckets.
/// </summary>
public class GradientBucketTests
{
    /// <summary>Rank 0 of 2, rank 1 a mirror; counts the all-gathers started, and those started while the backward ran.</summary>
    private sealed class Mirror : ICommunicator
    {
        public Func<bool> BackwardRuns = () => false;
        public int Started, StartedDuringBackward;

        public int Rank => 0;
        public int Size => 2;
        public void Broadcast(Span<byte> data, string what) { }

        public void AllGather(ReadOnlySpan<byte> send, Span<byte> receive, string what)
        {
            send.CopyTo(receive);
            send.CopyTo(receive[send.Length..]);
        }

        public nint StartAllGather(ReadOnlySpan<byte> send, Span<byte> receive)
        {
            Started++;
            if (BackwardRuns()) StartedDuringBackward++;
            AllGather(send, receive, "a bucket");
            return 0;
        }

        public bool Test(ref nint request) => true;
        public void Wait(ref nint request, string what) { }
        public void Barrier(string what, bool watched = true) { }
        public void Abort(int exitCode) => throw new InvalidOperationException($"aborted with {exitCode}");
        public void Dispose() { }
    }

    private static readonly int[] Ids = [2, 7, 9, 11, 3, 12, 30, 0, 2, 40, 41, 42, 43, 44, 3, 0];   // two sequences of 8

    /// <summary>The parameters after one step of 2 micro-batches (one process when <paramref name="world"/> is null);
    /// <paramref name="forwardFirst"/>: rank 0 records its forward before StartMicroBatch.</summary>
    private static float[][] StepOnce(Mirror? world, double megabytes, bool forwardFirst = false)
    {
        using var model = new BertForPreTraining(TinyPretraining.Config(dropout: 0));
        model.Initialize(1);
        var backend = new CpuBackend(1);
        var parameters = model.Parameters().ToList();
        using var step = new TrainingStep(backend, parameters, new AdamW(backend, ParameterGroup.DecayAndNoDecay(parameters, 1e-3f, 0.01f)),
            LrSchedule.Constant(), maxGradNorm: 1.0, seed: 3, world);
        if (world != null)
        {
            step.GradientBucketMegabytes = megabytes;
            world.BackwardRuns = () => step.Graph.TapeLength > 0;   // the tape is cleared when the backward ends
        }
        int[] labels = Ids.Select((id, i) => i % 3 == 1 ? id : MlmHead.IgnoreIndex).ToArray();
        Tensor? Loss() => model.Forward(step.Graph, new BertBatch(2, 8, Ids), labels, [0, 1]).Loss;
        step.Begin(2);
        var early = forwardFirst ? Loss() : null;
        for (int i = 0; i < 2; i++)
            if (step.StartMicroBatch(i)) step.Accumulate(early ?? Loss());
        step.Finish();
        return parameters.Select(p => p.Value.ToArray()).ToArray();
    }

    /// <summary>0.002 MiB: buckets of a few parameters (the tiny model has about 88 KB of gradients), every one sent
    /// while the backward runs; 25 MiB: one bucket, sent after the backward of the first op (the word embeddings'
    /// gather) and before the tape is cleared; 0: one bucket, sent after the backward.</summary>
    [Theory]
    [InlineData(0.002, 10, true)]
    [InlineData(25, 1, true)]
    [InlineData(0, 1, false)]
    public void Two_ranks_end_bitwise_where_one_process_ends_at_any_bucket_size(double megabytes, int minimumBuckets, bool duringBackward)
    {
        var expected = StepOnce(null, 0);
        var world = new Mirror();
        var actual = StepOnce(world, megabytes);
        for (int i = 0; i < expected.Length; i++) Assert.True(expected[i].SequenceEqual(actual[i]), $"parameter {i} differs");
        Assert.True(world.Started >= minimumBuckets, $"{world.Started} buckets sent, expected at least {minimumBuckets}");
        Assert.Equal(duringBackward ? world.Started : 0, world.StartedDuringBackward);
    }

    /// <summary>The layout: parameters in reverse order, a bucket closing once it holds at least the given bytes, each
    /// bucket's gradients one after the other in the total; a view of a trainable gradient (a multi-task network's
    /// shared encoder) maps to its bucket; a gradient that two trainable parameters share maps to none (-1, the
    /// exchange then holds every bucket for it).</summary>
    [Fact]
    public void Buckets_take_the_parameters_from_the_last_and_close_at_the_given_bytes()
    {
        var p = new[] { 100, 30, 30, 50 }.Select((n, i) => new Parameter($"p{i}", Tensor.Zeros(n))).ToList();   // 400, 120, 120, 200 bytes
        var view = new Parameter("view of p1", Tensor.Zeros(30));
        view.Replace(Tensor.Zeros(30), p[1].Grad.Reshape(30));
        var buckets = new GradientBuckets(p, bucketBytes: 200);
        Assert.Equal(3, buckets.Count);   // [p3] 200 bytes, [p2, p1] 240, [p0] 400
        Assert.Equal([p[3].Grad], buckets.Gradients(0).ToArray());
        Assert.Equal([p[2].Grad, p[1].Grad], buckets.Gradients(1).ToArray());
        Assert.Equal([(0, 50), (50, 60), (110, 100)], Enumerable.Range(0, 3).Select(b => (buckets.Start(b), buckets.Length(b))));
        Assert.Equal(210, buckets.Floats);
        Assert.Equal(1, buckets.BucketOf(view));
        Assert.Equal(2, buckets.BucketOf(p[0]));

        var twin = new Parameter("twin of p0", Tensor.Zeros(100));
        twin.Replace(Tensor.Zeros(100), p[0].Grad.Reshape(100));
        var shared = new GradientBuckets([.. p, twin], bucketBytes: 0);
        Assert.Equal(1, shared.Count);
        Assert.Equal(-1, shared.BucketOf(p[0]));
        Assert.Equal(0, shared.BucketOf(p[3]));
        foreach (var parameter in (Parameter[])[.. p, view, twin]) parameter.Dispose();
    }

    /// <summary>Ops recorded before the watch began (here the whole forward) may read any parameter, so every bucket
    /// waits for the whole backward, and the step still ends bitwise where one process ends.</summary>
    [Fact]
    public void A_forward_recorded_before_its_micro_batch_started_holds_every_bucket_to_the_end_of_the_backward()
    {
        var expected = StepOnce(null, 0);
        var world = new Mirror();
        var actual = StepOnce(world, 0.002, forwardFirst: true);
        for (int i = 0; i < expected.Length; i++) Assert.True(expected[i].SequenceEqual(actual[i]), $"parameter {i} differs");
        Assert.True(world.Started >= 10, $"{world.Started} buckets sent");
    }
}
