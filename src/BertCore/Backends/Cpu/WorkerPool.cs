using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace BertCore.Backends.Cpu;

/// <summary>The body of a parallel loop: runs items [start, end). Implemented by small structs that carry the
/// loop's pointers and sizes, so that starting a loop allocates nothing.</summary>
internal interface IRangeJob
{
    void Run(int start, int end);
}

/// <summary>
/// A fixed team of threads for the CPU kernels: N − 1 persistent background workers plus the calling thread.
/// A loop is cut into chunks that the threads claim one at a time with an interlocked counter, so a late or
/// sleeping worker only means the others take more chunks. Workers spin for a short while after a loop (the
/// next one usually follows within microseconds) and then block, so an idle process uses no CPU.
/// <para>
/// The job is a struct on the caller's stack, reached through a pointer and a function-pointer trampoline: no
/// closure, delegate or task is allocated per loop. A loop started from inside a loop (nested), or while another
/// thread is running one on this pool (concurrent inference), runs inline on its own thread. Results never
/// depend on which thread ran a chunk when every item owns its outputs. An exception thrown by a chunk is
/// rethrown to the caller once every claimed chunk has finished.
/// </para>
/// </summary>
internal sealed unsafe class WorkerPool
{
    /// <summary>Total work (in element operations) below which a loop stays on the calling thread.</summary>
    public const long Threshold = 1 << 16;

    /// <summary>Chunks per thread: a few, so that uneven items or a preempted thread balance out.</summary>
    private const int ChunksPerThread = 4;

    /// <summary>How long an idle worker spins before it blocks.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 5000;   // 200 µs

    private static readonly Dictionary<int, WorkerPool> s_pools = new();

    /// <summary>True on worker threads, and on a caller while it runs a loop: loops started there run inline.</summary>
    [ThreadStatic] private static bool t_insideLoop;

    private readonly object _callerGate = new();
    private readonly object _sleepGate = new();
    private readonly long[] _workerAllocatedBytes;
    private bool _started;

    // The published loop: valid while _claim holds its generation and chunks remain unclaimed.
    private void* _job;
    private delegate*<void*, int, int, void> _invoke;
    private int _count, _chunks, _generation;
    private long _claim;          // generation << 32 | index of the next unclaimed chunk
    private int _finished;        // chunks finished in the current generation
    private int _sleepers;        // workers blocked in Monitor.Wait
    private Exception? _error;

    private WorkerPool(int threads)
    {
        Threads = threads;
        _workerAllocatedBytes = new long[threads - 1];
    }

    /// <summary>Threads that run a loop, the caller included.</summary>
    public int Threads { get; }

    /// <summary>The pool of <paramref name="threads"/> threads (at least 1), created on first use and shared.</summary>
    public static WorkerPool Shared(int threads)
    {
        threads = Math.Max(1, threads);
        lock (s_pools)
        {
            if (!s_pools.TryGetValue(threads, out var pool)) s_pools[threads] = pool = new WorkerPool(threads);
            return pool;
        }
    }

    /// <summary>Bytes the workers have allocated on the managed heap since they started (a diagnostic for the
    /// allocation-free hot loop; each worker updates its count after every chunk it runs).</summary>
    public long WorkerAllocatedBytes
    {
        get
        {
            long sum = 0;
            for (int i = 0; i < _workerAllocatedBytes.Length; i++) sum += Volatile.Read(ref _workerAllocatedBytes[i]);
            return sum;
        }
    }

    /// <summary>
    /// Runs <paramref name="job"/> over items [0, count): on the calling thread alone when count · workPerItem
    /// is below <see cref="Threshold"/>, else in chunks of consecutive items spread over the pool's threads, or one
    /// item per chunk when <paramref name="itemPerChunk"/> (few large items, such as attention's (batch, head) pairs:
    /// 12 pairs in 8 chunks would leave one thread idle for a sixth of the loop).
    /// <paramref name="job"/> must be a local of the caller (its address is handed to the workers).
    /// </summary>
    public void For<TJob>(int count, long workPerItem, ref TJob job, bool itemPerChunk = false) where TJob : struct, IRangeJob
    {
        if (count <= 0) return;
        if (count * workPerItem < Threshold) job.Run(0, count);
        else Split(count, itemPerChunk ? count : Math.Min(count, Threads * ChunksPerThread), ref job);
    }

    /// <summary>Runs <paramref name="job"/> over items [0, count), one item per chunk, on the pool's threads
    /// (for a few large items such as GEMM row blocks, already sized by the caller).</summary>
    public void ForEach<TJob>(int count, ref TJob job) where TJob : struct, IRangeJob
    {
        if (count <= 0) return;
        Split(count, count, ref job);
    }

    private void Split<TJob>(int count, int chunks, ref TJob job) where TJob : struct, IRangeJob
    {
        if (Threads == 1 || chunks == 1 || t_insideLoop || !Monitor.TryEnter(_callerGate))
        {
            job.Run(0, count);
            return;
        }
        try
        {
            Publish(count, chunks, Unsafe.AsPointer(ref job), &Invoke<TJob>);
        }
        finally
        {
            Monitor.Exit(_callerGate);
        }
    }

    private static void Invoke<TJob>(void* job, int start, int end) where TJob : struct, IRangeJob =>
        Unsafe.AsRef<TJob>(job).Run(start, end);

    /// <summary>Publishes a loop, takes part in it, waits for the chunks that workers claimed, rethrows.</summary>
    private void Publish(int count, int chunks, void* job, delegate*<void*, int, int, void> invoke)
    {
        if (!_started) StartWorkers();
        // Close the previous loop first: a worker that read its claim word before this point (all chunks claimed)
        // but checks the chunk count after _chunks below has changed would otherwise pass that check and claim a
        // chunk of a loop that is over, running it with this loop's fields. Its compare-exchange now fails.
        Interlocked.Exchange(ref _claim, ((long)++_generation << 32) | int.MaxValue);
        _job = job;
        _invoke = invoke;
        _count = count;
        _chunks = chunks;
        _finished = 0;
        _error = null;
        int generation = ++_generation;
        // A full fence: the fields above become visible with the new generation, and the read of _sleepers
        // below cannot move before it (a worker going to sleep increments _sleepers, then re-reads _claim).
        Interlocked.Exchange(ref _claim, (long)generation << 32);
        if (Volatile.Read(ref _sleepers) > 0)
            lock (_sleepGate) Monitor.PulseAll(_sleepGate);

        t_insideLoop = true;
        try
        {
            RunChunks(generation, worker: -1);
        }
        finally
        {
            t_insideLoop = false;
        }
        if (Volatile.Read(ref _finished) < chunks)
        {
            var spin = new SpinWait();
            while (Volatile.Read(ref _finished) < chunks) spin.SpinOnce(sleep1Threshold: -1);
        }
        if (_error is { } error)
        {
            _error = null;
            ExceptionDispatchInfo.Throw(error);
        }
    }

    /// <summary>Claims and runs chunks of loop <paramref name="generation"/> until none is left.</summary>
    private void RunChunks(int generation, int worker)
    {
        while (true)
        {
            long claim = Volatile.Read(ref _claim);
            int next = (int)claim;
            if ((int)(claim >> 32) != generation || next >= _chunks) return;
            if (Interlocked.CompareExchange(ref _claim, claim + 1, claim) != claim) continue;
            // The chunk is ours, so the loop cannot finish (and its fields cannot change) before we report it.
            int start = (int)((long)_count * next / _chunks), end = (int)((long)_count * (next + 1) / _chunks);
            try
            {
                _invoke(_job, start, end);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, e, null);
            }
            if (worker >= 0) Volatile.Write(ref _workerAllocatedBytes[worker], GC.GetAllocatedBytesForCurrentThread());
            Interlocked.Increment(ref _finished);
        }
    }

    private void StartWorkers()
    {
        for (int i = 0; i < Threads - 1; i++)
        {
            int worker = i;
            new Thread(() => WorkerLoop(worker)) { IsBackground = true, Name = $"BertCore CPU worker {worker + 1}/{Threads - 1}" }.Start();
        }
        _started = true;
    }

    private void WorkerLoop(int worker)
    {
        t_insideLoop = true;
        int seen = 0;
        while (true)
        {
            seen = WaitForLoop(seen);
            RunChunks(seen, worker);
        }
    }

    /// <summary>Spins, then blocks, until a loop newer than <paramref name="seen"/> is published; returns its generation.</summary>
    private int WaitForLoop(int seen)
    {
        long spinUntil = Stopwatch.GetTimestamp() + SpinTicks;
        while (true)
        {
            int generation = (int)(Volatile.Read(ref _claim) >> 32);
            if (generation != seen) return generation;
            if (Stopwatch.GetTimestamp() < spinUntil)
            {
                Thread.SpinWait(20);
                continue;
            }
            lock (_sleepGate)
            {
                Interlocked.Increment(ref _sleepers);
                if ((int)(Volatile.Read(ref _claim) >> 32) == seen) Monitor.Wait(_sleepGate);
                Interlocked.Decrement(ref _sleepers);
            }
            spinUntil = Stopwatch.GetTimestamp() + SpinTicks;
        }
    }
}
