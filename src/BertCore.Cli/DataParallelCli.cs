using System.Globalization;
using BertCore.Backends;
using BertCore.Distributed;
using BertCore.IO;

namespace BertCore.Cli;

/// <summary>
/// What the training verbs (pretrain, finetune, distill) do when mpirun started them: join the ranks
/// (<see cref="MpiLaunch.Join"/>), keep the console to rank 0 (the other ranks print only errors), and end a rank
/// that fails with "rank R: bertcore VERB: ..." on stderr and MPI_Abort, which ends every rank with a non-zero exit
/// code. Without mpirun the verb runs as always, in one process.
/// </summary>
internal static class DataParallelCli
{
    /// <summary>Runs <paramref name="body"/> on this rank; returns its exit code once every rank has finished.</summary>
    public static int Run(string verb, Func<ICommunicator, int> body)
    {
        var world = MpiLaunch.Join();
        if (world.Size == 1) return body(world);
        if (world.Rank != 0) Console.SetOut(TextWriter.Null);
        int code;
        try
        {
            code = body(world);
            world.Barrier("the end of the run", watched: false);   // rank 0 may still be writing plots
            ReportWaits(world);
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"rank {world.Rank}: bertcore {verb}: " + e switch
            {
                UsageException => $"{e.Message}. Run `bertcore {verb} --help`.",
                InvalidFileException or IOException or ArgumentException or InvalidOperationException => e.Message,
                _ => e.ToString(),
            });
            world.Abort(e is UsageException ? 2 : 1);
            throw;
        }
        world.Dispose();
        return code;
    }

    /// <summary>Rank 0 prints how long each rank waited for the gradients in all (<see cref="MpiCommunicator.StartedWaited"/>):
    /// the part of the exchange that the backward pass did not hide.</summary>
    private static void ReportWaits(ICommunicator world)
    {
        if (world is not MpiCommunicator mpi) return;
        var waits = new double[world.Size];
        world.AllGather<double>([mpi.StartedWaited.TotalSeconds], waits, "the ranks' waiting times");
        Console.WriteLine("data parallel: waited for the gradients (s, in all): " +
            string.Join(", ", waits.Select((s, rank) => string.Create(CultureInfo.InvariantCulture, $"rank {rank} {s:F3}"))) +
            string.Create(CultureInfo.InvariantCulture, $"; gradient buckets of {MpiLaunch.BucketMegabytes} MiB ({MpiLaunch.BucketVariable})"));
    }

    /// <summary>Requires the micro-batches of a step (<paramref name="option"/> K) to split evenly over the ranks.</summary>
    /// <exception cref="UsageException">K is not a multiple of the number of ranks.</exception>
    public static void RequireShards(ICommunicator world, int microBatches, string option)
    {
        if (microBatches % world.Size != 0)
            throw new UsageException($"{option} {microBatches} must be a multiple of the {world.Size} ranks that mpirun started " +
                $"(rank r runs micro-batches r, r+{world.Size}, ... of each step; the global batch is --batch × {option})");
    }

    /// <summary>The backend of a training verb: <paramref name="device"/> with <paramref name="threads"/> kernel threads
    /// (0: one per processor, or with several ranks on this machine, its processors shared evenly among them).</summary>
    /// <exception cref="UsageException">A negative thread count, an unknown device, or a device other than the CPU with
    /// more than one rank.</exception>
    public static IBackend Backend(ICommunicator world, string device, int threads)
    {
        if (threads < 0) throw new UsageException($"--threads must be 0 (all) or positive, not {threads}");
        if (world.Size > 1 && device != "cpu")
            throw new UsageException($"--device {device}: data-parallel training (mpirun) runs on the CPU only; NCCL for GPUs is not written yet");
        if (threads == 0 && world.Size > 1) threads = Math.Max(1, Environment.ProcessorCount / MpiLaunch.LocalRanks);
        return Devices.Create(device, threads);
    }
}
