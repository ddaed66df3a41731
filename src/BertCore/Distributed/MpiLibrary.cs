using System.Runtime.InteropServices;

namespace BertCore.Distributed;

/// <summary>
/// A thin binding of the few Open MPI calls that data-parallel training needs, through function pointers into
/// libmpi.so.40 (Open MPI 4 and 5) loaded at run time, so that a process started without mpirun never loads MPI.
/// Open MPI's handles (MPI_COMM_WORLD, MPI_BYTE) are the addresses of exported globals (ompi_mpi_comm_world,
/// ompi_mpi_byte); MPI_STATUS_IGNORE is null. Every call returns MPI_SUCCESS (0) or an error code.
/// </summary>
internal sealed unsafe class MpiLibrary
{
    /// <summary>The library's file name (Debian's libopenmpi3 package and Open MPI's own builds).</summary>
    public const string FileName = "libmpi.so.40";

    /// <summary>MPI_THREAD_SERIALIZED in Open MPI's mpi.h: any thread may call MPI, one at a time.</summary>
    public const int ThreadSerialized = 2;

    private MpiLibrary(nint handle)
    {
        nint Export(string name) => NativeLibrary.GetExport(handle, name);
        InitThread = (delegate* unmanaged<int*, nint, int, int*, int>)Export("MPI_Init_thread");
        Initialized = (delegate* unmanaged<int*, int>)Export("MPI_Initialized");
        Finalize = (delegate* unmanaged<int>)Export("MPI_Finalize");
        CommRank = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_rank");
        CommSize = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_size");
        Ibcast = (delegate* unmanaged<void*, int, nint, int, nint, nint*, int>)Export("MPI_Ibcast");
        Iallgather = (delegate* unmanaged<void*, int, nint, void*, int, nint, nint, nint*, int>)Export("MPI_Iallgather");
        Ibarrier = (delegate* unmanaged<nint, nint*, int>)Export("MPI_Ibarrier");
        Test = (delegate* unmanaged<nint*, int*, nint, int>)Export("MPI_Test");
        Abort = (delegate* unmanaged<nint, int, int>)Export("MPI_Abort");
        CommWorld = Export("ompi_mpi_comm_world");
        Byte = Export("ompi_mpi_byte");
    }

    /// <summary>Loads libmpi.so.40.</summary>
    /// <exception cref="InvalidOperationException">The library is not installed or is not Open MPI's.</exception>
    public static MpiLibrary Load()
    {
        if (!NativeLibrary.TryLoad(FileName, out nint handle))
            throw new InvalidOperationException($"this process was started by mpirun, but {FileName} (Open MPI) cannot be loaded: " +
                "install Open MPI (Debian: apt-get install openmpi-bin libopenmpi-dev, or run tools/mpi/ensure-openmpi.sh)");
        try
        {
            return new MpiLibrary(handle);
        }
        catch (EntryPointNotFoundException e)
        {
            throw new InvalidOperationException($"{FileName} is not an Open MPI library: {e.Message}");
        }
    }

    public readonly delegate* unmanaged<int*, nint, int, int*, int> InitThread;   // (argc, argv, required, provided)
    public readonly delegate* unmanaged<int*, int> Initialized;                    // (flag)
    public readonly delegate* unmanaged<int> Finalize;
    public readonly delegate* unmanaged<nint, int*, int> CommRank;                 // (comm, rank)
    public readonly delegate* unmanaged<nint, int*, int> CommSize;                 // (comm, size)
    public readonly delegate* unmanaged<void*, int, nint, int, nint, nint*, int> Ibcast;   // (buffer, count, type, root, comm, request)
    public readonly delegate* unmanaged<void*, int, nint, void*, int, nint, nint, nint*, int> Iallgather;   // (send, count, type, receive, count, type, comm, request)
    public readonly delegate* unmanaged<nint, nint*, int> Ibarrier;                // (comm, request)
    public readonly delegate* unmanaged<nint*, int*, nint, int> Test;              // (request, flag, status)
    public readonly delegate* unmanaged<nint, int, int> Abort;                     // (comm, error code)

    /// <summary>MPI_COMM_WORLD.</summary>
    public nint CommWorld { get; }

    /// <summary>MPI_BYTE.</summary>
    public nint Byte { get; }
}
