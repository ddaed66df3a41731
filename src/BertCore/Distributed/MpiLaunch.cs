using System.Globalization;

namespace BertCore.Distributed;

/// <summary>
/// Whether this process was started by mpirun (Open MPI sets OMPI_COMM_WORLD_SIZE; MPICH's Hydra sets PMI_SIZE) and
/// the communicator of the run: <see cref="SingleProcess"/> otherwise, with no MPI library loaded.
/// </summary>
public static class MpiLaunch
{
    /// <summary>The environment variable that sets the watchdog's limit on one collective, in seconds.</summary>
    public const string TimeoutVariable = "BERTCORE_MPI_TIMEOUT";

    /// <summary>The watchdog's limit when <see cref="TimeoutVariable"/> is not set.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(300);

    /// <summary>The environment variable that sets the size of the gradient buckets that a data-parallel step sends
    /// while its backward pass runs, in MiB (0: one exchange after the backward).</summary>
    public const string BucketVariable = "BERTCORE_MPI_BUCKET_MB";

    /// <summary>The bucket size when <see cref="BucketVariable"/> is not set: 25 MiB, PyTorch DDP's bucket_cap_mb.</summary>
    public const double DefaultBucketMegabytes = 25;

    /// <summary>The number of ranks mpirun started (1 without mpirun).</summary>
    public static int LaunchedRanks =>
        int.TryParse(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") ?? Environment.GetEnvironmentVariable("PMI_SIZE"),
            NumberStyles.None, CultureInfo.InvariantCulture, out int size) && size > 0 ? size : 1;

    /// <summary>The number of ranks mpirun started on this machine (1 without mpirun).</summary>
    public static int LocalRanks =>
        int.TryParse(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_LOCAL_SIZE") ?? Environment.GetEnvironmentVariable("MPI_LOCALNRANKS"),
            NumberStyles.None, CultureInfo.InvariantCulture, out int size) && size > 0 ? size : 1;

    /// <summary>The watchdog's limit: <see cref="TimeoutVariable"/> seconds, else <see cref="DefaultTimeout"/>.</summary>
    /// <exception cref="ArgumentException">The variable is not a positive number of seconds.</exception>
    public static TimeSpan Timeout
    {
        get
        {
            var text = Environment.GetEnvironmentVariable(TimeoutVariable);
            if (text == null) return DefaultTimeout;
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds > 0 && seconds < 1e7
                ? TimeSpan.FromSeconds(seconds)
                : throw new ArgumentException($"{TimeoutVariable}={text}: give the watchdog's limit in seconds (a positive number)");
        }
    }

    /// <summary>The gradient bucket size: <see cref="BucketVariable"/> MiB, else <see cref="DefaultBucketMegabytes"/>.</summary>
    /// <exception cref="ArgumentException">The variable is not a number of MiB ≥ 0.</exception>
    public static double BucketMegabytes
    {
        get
        {
            var text = Environment.GetEnvironmentVariable(BucketVariable);
            if (text == null) return DefaultBucketMegabytes;
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double megabytes) && megabytes >= 0 && megabytes < 1e6
                ? megabytes
                : throw new ArgumentException($"{BucketVariable}={text}: give the gradient bucket size in MiB (a number ≥ 0; 0: one exchange " +
                    $"after the backward pass; default {DefaultBucketMegabytes})");
        }
    }

    /// <summary>The run's communicator: MPI over every rank when started by mpirun with more than one rank,
    /// else <see cref="SingleProcess.Instance"/>.</summary>
    /// <exception cref="InvalidOperationException">Started by mpirun, but Open MPI cannot be loaded or initialized, or
    /// mpirun's rank count disagrees with MPI's.</exception>
    public static ICommunicator Join()
    {
        int launched = LaunchedRanks;
        if (launched == 1) return SingleProcess.Instance;
        var world = new MpiCommunicator(Timeout);
        if (world.Size != launched)
        {
            Console.Error.WriteLine($"rank {world.Rank}: mpirun started {launched} ranks but MPI_COMM_WORLD has {world.Size}");
            world.Abort(1);
            throw new InvalidOperationException($"mpirun started {launched} ranks but MPI_COMM_WORLD has {world.Size}");
        }
        return world;
    }
}
