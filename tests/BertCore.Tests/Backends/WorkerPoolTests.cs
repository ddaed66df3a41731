using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.IO;
using BertCore.Nn.Bert;
using BertCore.Tensors;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Backends;

public unsafe class WorkerPoolTests
{
    /// <summary>Adds 1 to counts[i] for every item i it runs; records how many chunks ran on other threads.</summary>
    private struct CountJob(int* counts, int callerThread) : IRangeJob
    {
        public int OtherThreadChunks;

        public void Run(int start, int end)
        {
            for (int i = start; i < end; i++) Interlocked.Increment(ref counts[i]);
            if (Environment.CurrentManagedThreadId != callerThread) Interlocked.Increment(ref OtherThreadChunks);
            Thread.SpinWait(2000);   // long enough for a worker to claim chunks of its own
        }
    }

    private static int[] Count(WorkerPool pool, int count, out int otherThreadChunks)
    {
        var counts = new int[count];
        fixed (int* p = counts)
        {
            var job = new CountJob(p, Environment.CurrentManagedThreadId);
            pool.For(count, WorkerPool.Threshold, ref job);
            otherThreadChunks = job.OtherThreadChunks;
        }
        return counts;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 3)]
    [InlineData(3, 1000)]
    [InlineData(4, 7)]
    public void Every_item_runs_exactly_once(int threads, int count)
    {
        var pool = WorkerPool.Shared(threads);
        for (int repeat = 0; repeat < 20; repeat++)
            Assert.All(Count(pool, count, out _), c => Assert.Equal(1, c));
    }

    /// <summary>Adds 1 to counts[i] for every item i it runs (no waiting: loops follow each other as fast as they can).</summary>
    private struct QuickCountJob(int* counts) : IRangeJob
    {
        public void Run(int start, int end)
        {
            for (int i = start; i < end; i++) Interlocked.Increment(ref counts[i]);
        }
    }

    [Fact]
    public void A_worker_late_for_a_finished_loop_never_runs_a_chunk_of_the_next()
    {
        // Loops of 2 and 48 chunks back to back on more threads than processors, so that workers are preempted at
        // every point: a worker that read the claim word of a finished 2-chunk loop and then sees the next loop's
        // chunk count must not claim a chunk (it would run an item twice, or let the caller return before a chunk ended).
        var pool = WorkerPool.Shared(Environment.ProcessorCount + 2);
        var small = new int[2];
        var large = new int[48];
        fixed (int* s = small, l = large)
        {
            var deadline = DateTime.UtcNow.AddSeconds(3);
            for (int loop = 0; DateTime.UtcNow < deadline; loop++)
            {
                Array.Clear(small);
                Array.Clear(large);
                var a = new QuickCountJob(s);
                pool.ForEach(2, ref a);
                var b = new QuickCountJob(l);
                pool.ForEach(48, ref b);
                if (small.Any(c => c != 1) || large.Any(c => c != 1))
                    Assert.Fail($"loop {loop}: items ran {string.Join(",", small)} | {string.Join(",", large)} times");
            }
        }
    }

    /// <summary>Records the largest chunk it was handed.</summary>
    private struct ChunkSizeJob : IRangeJob
    {
        public int Largest;

        public void Run(int start, int end)
        {
            int size = end - start, seen;
            while (size > (seen = Volatile.Read(ref Largest)) && Interlocked.CompareExchange(ref Largest, size, seen) != seen) { }
        }
    }

    [Theory]
    [InlineData(false, 2)]   // 30 items in 5 × 4 chunks: some chunks hold two
    [InlineData(true, 1)]
    public void Item_per_chunk_hands_out_single_items(bool itemPerChunk, int largest)
    {
        // A pool no other test uses; a loop started while another caller runs one on the same pool runs inline as a
        // single chunk, so such a run is retried.
        var pool = WorkerPool.Shared(5);
        var job = new ChunkSizeJob();
        for (int attempt = 0; attempt < 100 && (attempt == 0 || job.Largest == 30); attempt++)
        {
            job = new ChunkSizeJob();
            pool.For(30, WorkerPool.Threshold, ref job, itemPerChunk);
        }
        Assert.Equal(largest, job.Largest);
    }

    [Fact]
    public void Workers_take_part()
    {
        var pool = WorkerPool.Shared(3);
        int other = 0;
        for (int repeat = 0; repeat < 200 && other == 0; repeat++) Count(pool, 64, out other);
        Assert.True(other > 0, "no chunk ever ran on a worker thread");
    }

    [Fact]
    public void Small_loops_stay_on_the_calling_thread()
    {
        var counts = new int[10];
        fixed (int* p = counts)
        {
            var job = new CountJob(p, Environment.CurrentManagedThreadId);
            WorkerPool.Shared(2).For(10, WorkerPool.Threshold / 10 - 1, ref job);
            Assert.Equal(0, job.OtherThreadChunks);
        }
        Assert.All(counts, c => Assert.Equal(1, c));
    }

    /// <summary>Each item runs a whole inner loop on the same pool (which must run inline, not deadlock).</summary>
    private struct NestedJob(WorkerPool pool, int* counts, int inner) : IRangeJob
    {
        public void Run(int start, int end)
        {
            for (int i = start; i < end; i++)
            {
                var job = new CountJob(counts + (long)i * inner, -1);
                pool.For(inner, WorkerPool.Threshold, ref job);
            }
        }
    }

    [Fact]
    public void Nested_loops_run_inline()
    {
        const int outer = 16, inner = 9;
        var pool = WorkerPool.Shared(2);
        var counts = new int[outer * inner];
        fixed (int* p = counts)
        {
            var job = new NestedJob(pool, p, inner);
            pool.For(outer, WorkerPool.Threshold, ref job);
        }
        Assert.All(counts, c => Assert.Equal(1, c));
    }

    [Fact]
    public void Concurrent_callers_each_get_their_whole_loop()
    {
        var pool = WorkerPool.Shared(2);
        var failures = 0;
        var callers = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
        {
            for (int repeat = 0; repeat < 50; repeat++)
                if (Count(pool, 33, out _).Any(c => c != 1)) Interlocked.Increment(ref failures);
        })).ToArray();
        foreach (var t in callers) t.Start();
        foreach (var t in callers) t.Join();
        Assert.Equal(0, failures);
    }

    private struct ThrowingJob(int throwAt) : IRangeJob
    {
        public void Run(int start, int end)
        {
            if (start <= throwAt && throwAt < end) throw new InvalidOperationException($"item {throwAt}");
        }
    }

    [Fact]
    public void An_exception_reaches_the_caller_and_the_pool_keeps_working()
    {
        var pool = WorkerPool.Shared(2);
        for (int at = 0; at < 64; at += 9)
        {
            var job = new ThrowingJob(at);
            var e = Assert.Throws<InvalidOperationException>(() => pool.For(64, WorkerPool.Threshold, ref job));
            Assert.Equal($"item {at}", e.Message);
        }
        Assert.All(Count(pool, 64, out _), c => Assert.Equal(1, c));
    }

    [Fact]
    public void Starting_a_loop_allocates_nothing()
    {
        var pool = WorkerPool.Shared(2);
        var counts = new int[64];
        fixed (int* p = counts)
        {
            var job = new CountJob(p, Environment.CurrentManagedThreadId);
            for (int i = 0; i < 100; i++) pool.For(64, WorkerPool.Threshold, ref job);   // warm-up (JIT tiers)
            long before = GC.GetAllocatedBytesForCurrentThread(), workersBefore = pool.WorkerAllocatedBytes;
            for (int i = 0; i < 100; i++) pool.For(64, WorkerPool.Threshold, ref job);
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
            Assert.Equal(0, pool.WorkerAllocatedBytes - workersBefore);
        }
    }

    [Fact]
    public void Concurrent_inference_on_one_model_gives_the_bits_of_a_lone_run()
    {
        // Sizes large enough for the GEMMs, attention and LayerNorm to use the pool; four threads share the model
        // and the backend, each with its own graph, so most of their kernels run inline while one holds the pool.
        var config = new BertConfig
        {
            VocabSize = 500, HiddenSize = 128, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 256, MaxPositionEmbeddings = 64,
        };
        using var encoder = new BertEncoder(config);
        encoder.Initialize(3);
        var backend = new CpuBackend(threads: 2);
        float[] Forward(int seed)
        {
            var ids = TestData.Ints(4 * 64, seed, config.VocabSize);
            using var g = new Graph(backend);
            return encoder.Forward(g, new BertBatch(4, 64, ids)).LastHiddenState.ToArray();
        }
        var expected = Enumerable.Range(0, 4).Select(Forward).ToArray();
        var actual = new float[4][][];
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() => actual[t] = [.. Enumerable.Range(0, 5).Select(_ => Forward(t))])).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        for (int t = 0; t < 4; t++)
            foreach (var run in actual[t]) Assert.Equal(expected[t], run);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(1_000_003)]   // chunks on several threads, an odd tail
    public void Zero_clears_every_element(int n)
    {
        using var t = Tensor.FromArray(Enumerable.Repeat(3f, n).ToArray(), n);
        using var i = Tensor.FromArray(Enumerable.Repeat(5, n).ToArray(), n);
        var backend = new CpuBackend(threads: 2);
        backend.Zero(t);
        backend.Zero(i);
        Assert.All(t.ToArray(), v => Assert.Equal(0f, v));
        Assert.All(i.ToIntArray(), v => Assert.Equal(0, v));
    }

    [Fact]
    public void Kernels_give_the_same_bits_on_one_two_and_three_threads()
    {
        // Sizes above every threading threshold: GEMM row blocks and B packing, LayerNorm rows and columns, maps.
        const int m = 301, k = 300, n = 259;
        var a = TestData.Uniform(m * k, 1);
        var b = TestData.Uniform(n * k, 2);
        var bias = TestData.Uniform(n, 3);
        var gamma = TestData.Uniform(n, 4);
        (float[] C, float[] Gelu, float[] Y, float[] Dx, float[] Dgamma, float[] Grad) Run(int threads)
        {
            using var backend = new CpuBackend(threads);
            Assert.Equal(threads, backend.Threads);
            using Tensor ta = Tensor.FromArray(a, m, k), tb = Tensor.FromArray(b, n, k), tbias = Tensor.FromArray(bias, n);
            using Tensor c = Tensor.Zeros(m, n), gelu = Tensor.Zeros(m, n), y = Tensor.Zeros(m, n), mean = Tensor.Zeros(m), rstd = Tensor.Zeros(m);
            using Tensor tgamma = Tensor.FromArray(gamma, n), dx = Tensor.Zeros(m, n), dgamma = Tensor.Zeros(n), dbeta = Tensor.Zeros(n);
            using Tensor grad = Tensor.Zeros(m, n);
            backend.MatMul(ta, false, tb, true, c, tbias, 0f, gelu);
            backend.LayerNorm(gelu, tgamma, tbias, 1e-5f, y, mean, rstd);
            backend.LayerNormBackward(c, gelu, tgamma, mean, rstd, dx, dgamma, dbeta);
            backend.GeluBackward(c, y, grad);
            return (c.ToArray(), gelu.ToArray(), y.ToArray(), dx.ToArray(), dgamma.ToArray(), grad.ToArray());
        }
        var one = Run(1);
        foreach (int threads in new[] { 2, 3 })
        {
            var other = Run(threads);
            Assert.Equal(one.C, other.C);
            Assert.Equal(one.Gelu, other.Gelu);
            Assert.Equal(one.Y, other.Y);
            Assert.Equal(one.Dx, other.Dx);
            Assert.Equal(one.Dgamma, other.Dgamma);
            Assert.Equal(one.Grad, other.Grad);
        }
    }
}
