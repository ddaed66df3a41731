using BertCore.Distributed;

namespace BertCore.Training;

/// <summary>
/// The time and the stop decision of one training run, the same on every rank. In one process it reads the clock and
/// the cancellation token when asked. With several ranks each rank's clock and token would differ (the ranks start
/// at slightly different moments, a signal reaches them one by one), so the ranks would compute other learning-rate
/// factors, batch sizes and masking rates from a time budget and stop after other steps; instead
/// <see cref="Agree"/> broadcasts rank 0's time and stop request (16 bytes) and every rank uses them until the next
/// Agree. <see cref="TrainingLoop"/> agrees before each step (to stop or not) and after it (whether the time budget
/// made it the last); a <see cref="Pretrainer"/>'s progress reads the same <see cref="Elapsed"/>.
/// </summary>
public sealed class RunClock
{
    private readonly TimeProvider _clock;
    private readonly long[] _agreed = new long[2];   // [2]: rank 0's elapsed ticks, and 1 when rank 0 was asked to stop
    private long? _start;

    /// <param name="world">The ranks of the run (default: this process alone).</param>
    /// <param name="clock">Measures the wall time (the system clock unless a test passes a fake one).</param>
    public RunClock(ICommunicator? world = null, TimeProvider? clock = null)
    {
        World = world ?? SingleProcess.Instance;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>The ranks that share the decision; rank 0's clock and token decide.</summary>
    public ICommunicator World { get; }

    /// <summary>Whether <see cref="Start"/> was called since construction or the latest <see cref="Reset"/>.</summary>
    public bool Started => _start != null;

    /// <summary>The time since <see cref="Start"/> (zero before it): in one process read now; with several ranks, rank
    /// 0's as of the latest <see cref="Agree"/> (zero before the first).</summary>
    public TimeSpan Elapsed => World.Size > 1 ? TimeSpan.FromTicks(_agreed[0]) : LocalElapsed();

    /// <summary>Counts from now (again).</summary>
    public void Start()
    {
        _start = _clock.GetTimestamp();
        Array.Clear(_agreed);
    }

    /// <summary>Stops counting: <see cref="Elapsed"/> is zero until the next <see cref="Start"/>.</summary>
    public void Reset()
    {
        _start = null;
        Array.Clear(_agreed);
    }

    /// <summary>
    /// Returns whether the run stops: in one process whether <paramref name="cancellation"/> was cancelled. With several
    /// ranks (every rank calls it at the same point of the run) rank 0's clock and token decide: <see cref="Elapsed"/>
    /// becomes rank 0's time, and the answer is whether rank 0's token was cancelled.
    /// </summary>
    public bool Agree(CancellationToken cancellation)
    {
        if (World.Size == 1) return cancellation.IsCancellationRequested;
        if (World.Rank == 0) (_agreed[0], _agreed[1]) = (LocalElapsed().Ticks, cancellation.IsCancellationRequested ? 1 : 0);
        World.Broadcast<long>(_agreed, "rank 0's training time and stop request");
        return _agreed[1] != 0;
    }

    private TimeSpan LocalElapsed() => _start is { } start ? _clock.GetElapsedTime(start) : TimeSpan.Zero;
}
