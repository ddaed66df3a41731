using System.Runtime.InteropServices;
using BertCore.Kernels;
using BertCore.Tensors;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;

namespace BertCore.Backends.Gpu;

/// <summary>
/// The GPU backend: the op set over the ILGPU kernels of kernels/BertCore.Kernels, on a CUDA device
/// (<see cref="CreateCuda"/>) or on ILGPU's CPU accelerator simulating an NVIDIA GPU (warp size 32, threads as OS
/// threads; <see cref="CreateSimulator"/>), which is how the kernels are tested without a GPU. Every kernel is
/// compiled and loaded when the backend is made. Ops are queued on the accelerator's stream and return at once;
/// the host waits in <see cref="Download"/> (a training step's one read-back, of its losses and gradient norm, at its
/// end), <see cref="Synchronize"/>, and the uploads (ILGPU's CopyFromCPU synchronizes the stream: a batch's inputs,
/// AdamW's per-group scalars). Tensors must live on this backend's device: move parameters there with
/// <see cref="MoveToDevice"/>, which places the parameters of one call in one storage so that the optimizer's
/// multi-tensor ops (GpuBackend.MultiTensor.cs) take one launch each for all of them. Each group of ops lives in its
/// own GpuBackend.*.cs file. Not thread-safe.
/// </summary>
public sealed partial class GpuBackend : IBackend
{
    private const int MaxElementGroups = 4096;

    /// <summary>Bytes to which <see cref="MoveToDevice"/> aligns each parameter in its storage (as cudaMalloc aligns a buffer).</summary>
    internal const int ParameterAlignment = 256;

    private readonly Context _context;
    private readonly Accelerator _accelerator;
    private readonly GpuKernels _kernels;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _error;   // [4]: flag, position, value, op
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _placeholder;   // stands for an absent optional tensor
    private MemoryBuffer1D<float, Stride1D.Dense> _scratch;   // grow-only temporaries of one op: cross-entropy row losses, attention Δ, reduction partial sums

    private GpuBackend(Context context, Accelerator accelerator, string name, int groupThreads)
    {
        RowGroupThreads = groupThreads;
        ElementGroupThreads = groupThreads;
        _context = context;
        _accelerator = accelerator;
        Name = name;
        if (accelerator.WarpSize != 32)
            throw new GpuUnavailableException($"{name}: warp size {accelerator.WarpSize}; the kernels assume 32 lanes");
        try
        {
            _kernels = new GpuKernels(accelerator);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new GpuUnavailableException(
                $"{name}: the kernels did not load ({e.GetType().Name}: {e.Message}); a PTX/driver mismatch means the " +
                "driver is older than the PTX ISA ILGPU emits: update the NVIDIA driver", e);
        }
        _error = accelerator.Allocate1D<int>(4);
        _error.MemSetToZero();
        _placeholder = accelerator.Allocate1D<float>(1);
        _placeholder.MemSetToZero();
        _scratch = accelerator.Allocate1D<float>(1024);
    }

    /// <summary>A backend on ILGPU's CPU accelerator behaving as an NVIDIA GPU (warp size 32, shared memory, barriers
    /// and shuffles simulated with threads). Slow (~10⁴× a real kernel): for tests at tiny shapes.</summary>
    public static GpuBackend CreateSimulator()
    {
        var context = Context.Create(b => b.CPU(CPUDeviceKind.Nvidia).EnableAlgorithms());
        return new GpuBackend(context, context.GetCPUDevice(0).CreateAccelerator(context), "gpu-simulator (ILGPU CPU accelerator, NVIDIA kind)",
            // One warp per group: the simulator runs a group's threads as OS threads and its shuffles synchronize them
            // all, so small groups are several times faster there.
            groupThreads: 32);
    }

    /// <summary>A backend on CUDA device <paramref name="index"/>; a <see cref="GpuUnavailableException"/> naming the cause
    /// (no driver, no device, PTX/driver mismatch) when none works. Never falls back to the CPU.</summary>
    public static GpuBackend CreateCuda(int index = 0) => GpuDevices.OpenCuda(index);

    internal static GpuBackend Create(Context context, Accelerator accelerator, string name) => new(context, accelerator, name, 128);

    /// <summary>Threads per group of the warp-per-row kernels (a multiple of 32): 128 on CUDA (four rows per group),
    /// 32 on the simulator. Settable for tests.</summary>
    internal int RowGroupThreads { get; set; }

    /// <summary>Threads per group of the thread-per-item and grid-stride kernels: 128 on CUDA, 32 on the simulator.</summary>
    internal int ElementGroupThreads { get; set; }

    /// <summary>Kernels launched so far (memory copies and sets not included): for tests that bound an op's launches.</summary>
    internal long Launches => _kernels.Launches;

    public string Name { get; }
    public DeviceKind Device => DeviceKind.Cuda;

    /// <summary>The ILGPU accelerator the kernels run on.</summary>
    public Accelerator Accelerator => _accelerator;

    // ---- memory ----

    public Storage Allocate(long bytes) => NewStorage(bytes, owners: 1);

    /// <summary>Device memory for <paramref name="owners"/> owning tensors (see <see cref="GpuStorage"/>).</summary>
    private GpuStorage NewStorage(long bytes, int owners)
    {
        try
        {
            return new GpuStorage(_accelerator, bytes, owners);
        }
        catch (Exception e) when (e is not ArgumentException)
        {
            throw new GpuUnavailableException(
                $"{Name}: out of device memory allocating {bytes:N0} bytes ({_accelerator.MemorySize:N0} on the device): {e.Message}", e);
        }
    }

    /// <summary>A new device tensor (contents undefined) that owns its memory.</summary>
    public Tensor Empty(Shape shape, DType dtype = DType.F32) => new(Allocate(shape.Count * dtype.Size()), 0, shape, dtype, ownsStorage: true);

    /// <summary>A device copy of a host tensor.</summary>
    public Tensor ToDevice(Tensor host)
    {
        var t = Empty(host.Shape, host.DType);
        if (host.DType == DType.I32) Upload(host.IntSpan, t);
        else Upload(host.Span, t);
        return t;
    }

    /// <summary>A host copy of a device fp32 tensor (waits for queued work).</summary>
    public Tensor ToHost(Tensor device)
    {
        var t = Tensor.Zeros(device.Shape);
        Download(device, t.Span);
        return t;
    }

    /// <summary>
    /// Moves host fp32 tensors (a model's values and gradients) to this device in place, with their values: each keeps its
    /// identity, flags and owner. The tensors one call moves become slices of one storage (each starting on a
    /// <see cref="ParameterAlignment"/>-byte boundary), so that the optimizer's multi-tensor kernels reach all of them
    /// in one launch; the storage is freed when every tensor has let go. Tensors already on the device stay.
    /// </summary>
    public void MoveToDevice(IReadOnlyList<Tensor> tensors)
    {
        var moving = tensors.Where(t => t.Storage is not GpuStorage).Distinct().ToArray();
        if (moving.Length == 0) return;
        var offsets = new long[moving.Length];
        long bytes = 0;
        for (int i = 0; i < moving.Length; i++)
        {
            offsets[i] = bytes;
            bytes += (moving[i].Bytes + ParameterAlignment - 1) / ParameterAlignment * ParameterAlignment;
        }
        var storage = NewStorage(bytes, owners: moving.Length);
        for (int i = 0; i < moving.Length; i++)
        {
            var host = moving[i];
            var device = new Tensor(storage, offsets[i], host.Shape, DType.F32, ownsStorage: false);
            Upload(host.Span, device);
            host.MoveTo(storage, offsets[i]);
        }
    }

    /// <summary>The GPU backend's <see cref="IBackend.Adopt"/>: <see cref="MoveToDevice"/>.</summary>
    public void Adopt(IReadOnlyList<Tensor> tensors) => MoveToDevice(tensors);

    public void Zero(Tensor t) => Raw(t).MemSetToZero();

    public void Copy(Tensor src, Tensor dst)
    {
        MemoryShape.Copy(src, dst);
        Raw(src).CopyTo(Raw(dst));
    }

    public void Upload(ReadOnlySpan<float> host, Tensor dst)
    {
        MemoryShape.UploadFloats(host.Length, dst);
        if (host.Length > 0) F(dst).CopyFromCPU(ref MemoryMarshal.GetReference(host), host.Length);
    }

    public void Upload(ReadOnlySpan<int> host, Tensor dst)
    {
        MemoryShape.UploadInts(host.Length, dst);
        if (host.Length > 0) I(dst).CopyFromCPU(ref MemoryMarshal.GetReference(host), host.Length);
    }

    /// <summary>Waits for the queued work, raises any error a kernel recorded, then copies to the host.</summary>
    public void Download(Tensor src, Span<float> host)
    {
        MemoryShape.Download(src, host.Length);
        Synchronize();
        if (host.Length > 0) F(src).CopyToCPU(ref MemoryMarshal.GetReference(host), host.Length);
    }

    /// <summary>Waits for every queued kernel and raises the first out-of-range index or target a kernel recorded
    /// since the last check (as the CPU backend's ArgumentOutOfRangeException, one synchronization late).</summary>
    public void Synchronize()
    {
        _accelerator.Synchronize();
        Span<int> error = stackalloc int[4];
        _error.View.CopyToCPU(ref error[0], 4);
        if (error[0] == 0) return;
        _error.MemSetToZero();
        _accelerator.Synchronize();
        string what = error[3] switch
        {
            IndexError.Gather => "GatherRows: index",
            IndexError.ScatterAdd => "ScatterAddRows: index",
            _ => "CrossEntropy: target",
        };
        throw new ArgumentOutOfRangeException("index", $"{what} {error[2]} at position {error[1]} is out of range (found by a kernel queued before this synchronization)");
    }

    public void Dispose()
    {
        foreach (var table in _zeroTables) table.Dispose();
        foreach (var table in _squaresTables) table.Dispose();
        foreach (var table in _adamWTables) table.Dispose();
        _groupScalarBuffer?.Dispose();
        _scratch.Dispose();
        _placeholder.Dispose();
        _error.Dispose();
        _accelerator.Dispose();
        _context.Dispose();
    }

    // ---- views and launch shapes ----

    private ArrayView<float> Raw(Tensor t) => Storage(t).Buffer.View.SubView(t.ByteOffset / 4, t.Count);

    /// <summary>The fp32 device view of a tensor of this backend (for the kernel workbench and interop such as cuBLAS).</summary>
    internal ArrayView<float> View(Tensor t) => F(t);

    /// <summary>The fp32 view of a device tensor.</summary>
    private ArrayView<float> F(Tensor t) =>
        t.DType == DType.F32 ? Raw(t) : throw new ArgumentException($"tensor {t.Shape} holds {t.DType}, not F32");

    /// <summary>The storage of a device fp32 tensor.</summary>
    private GpuStorage FloatStorage(Tensor t) =>
        t.DType == DType.F32 ? Storage(t) : throw new ArgumentException($"tensor {t.Shape} holds {t.DType}, not F32");

    /// <summary>The int32 view of a device tensor.</summary>
    private ArrayView<int> I(Tensor t) =>
        t.DType == DType.I32 ? Raw(t).Cast<int>() : throw new ArgumentException($"tensor {t.Shape} holds {t.DType}, not I32");

    /// <summary>The view of an optional tensor, or a one-element placeholder that the kernel will not touch.</summary>
    private ArrayView<float> Optional(Tensor? t) => t == null ? _placeholder.View : F(t);

    private GpuStorage Storage(Tensor t)
    {
        if (t.Storage is not GpuStorage s)
            throw new ArgumentException($"tensor {t.Shape} lives in host memory; the GPU backend (--device cuda) needs device tensors " +
                "(GpuBackend.ToDevice, MoveToDevice)");
        if (s.Accelerator != _accelerator) throw new ArgumentException($"tensor {t.Shape} lives on another accelerator");
        if (t.Count > int.MaxValue / 2) throw new ArgumentException($"tensor {t.Shape} is too large for 32-bit kernel indices");
        return s;
    }

    /// <summary>A scratch view of at least <paramref name="count"/> floats, valid until the next op that asks.</summary>
    private ArrayView<float> Scratch(long count)
    {
        if (_scratch.Length < count)
        {
            _accelerator.Synchronize();
            _scratch.Dispose();
            _scratch = _accelerator.Allocate1D<float>(Math.Max(count, 2 * _scratch.Length));
        }
        return _scratch.View.SubView(0, count);
    }

    /// <summary>Warp-per-row kernels: one row per warp.</summary>
    private KernelConfig RowLaunch(long rows)
    {
        int warps = RowGroupThreads / 32;
        return new((int)Math.Max(1, (rows + warps - 1) / warps), RowGroupThreads);
    }

    /// <summary>Thread-per-item kernels.</summary>
    private KernelConfig ItemLaunch(long items) =>
        new((int)Math.Max(1, (items + ElementGroupThreads - 1) / ElementGroupThreads), ElementGroupThreads);

    /// <summary>Grid-stride kernels: enough groups to fill a GPU, no more than the items need.</summary>
    private KernelConfig StrideLaunch(long items) =>
        new((int)Math.Clamp((items + ElementGroupThreads - 1) / ElementGroupThreads, 1, MaxElementGroups), ElementGroupThreads);
}
