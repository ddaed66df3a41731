using BertCore.Kernels;
using BertCore.Tensors;
using ILGPU;
using ILGPU.Runtime;

namespace BertCore.Backends.Gpu;

/// <summary>
/// The optimizer's multi-tensor ops (zero, sums of squares, AdamW): one launch of <see cref="MultiTensorKernels"/>
/// per storage the tensors live in (per combination of storages for AdamW), so one launch for the parameters of one
/// <see cref="MoveToDevice"/> call and the moments of one <see cref="Optim.AdamW"/>, whatever the number of
/// parameters. The segment tables are rebuilt on the host at every call and uploaded only when they change; AdamW's
/// per-group scalars (computed on the host in fp32, as the per-tensor op does) are uploaded at every call, which
/// waits for the queued work (ILGPU's CopyFromCPU synchronizes the stream) but reads nothing back.
/// </summary>
public sealed partial class GpuBackend
{
    private readonly Partitions<GpuStorage> _zeroPartitions = new();
    private readonly Partitions<GpuStorage> _squaresPartitions = new();
    private readonly Partitions<(GpuStorage Param, GpuStorage Grad, GpuStorage M, GpuStorage V)> _adamWPartitions = new();
    private readonly List<SegmentTable<ZeroSegment>> _zeroTables = new();
    private readonly List<SegmentTable<SquaresSegment>> _squaresTables = new();
    private readonly List<SegmentTable<AdamWSegment>> _adamWTables = new();
    private ZeroSegment[] _zeroRows = [];
    private SquaresSegment[] _squaresRows = [];
    private AdamWSegment[] _adamWRows = [];
    private AdamWScalars[] _groupScalars = [];
    private MemoryBuffer1D<AdamWScalars, Stride1D.Dense>? _groupScalarBuffer;

    // tensors: any shapes
    public void Zero(IReadOnlyList<Tensor> tensors)
    {
        _zeroPartitions.Clear();
        for (int i = 0; i < tensors.Count; i++) _zeroPartitions.Add(FloatStorage(tensors[i]), i);
        for (int k = 0; k < _zeroPartitions.Count; k++)
        {
            var items = _zeroPartitions.Items(k);
            Grow(ref _zeroRows, items.Count);
            int blocks = 0;
            for (int j = 0; j < items.Count; j++)
            {
                var t = tensors[items[j]];
                int count = (int)t.Count, chunks = Chunks(count);
                _zeroRows[j] = new ZeroSegment(Offset(t), count, blocks, chunks);
                blocks += chunks;
            }
            var table = Table(_zeroTables, k);
            table.Set(_zeroRows.AsSpan(0, items.Count));
            if (table.Blocks > 0)
                _kernels.MultiTensorZero(new KernelConfig(table.Blocks, ElementGroupThreads), _zeroPartitions.Key(k).Buffer.View, table.Segments, table.BlockSegments);
        }
    }

    // tensors: any shapes; squares [≥ tensors.Count]
    public void SumsOfSquares(IReadOnlyList<Tensor> tensors, Tensor squares)
    {
        ReductionShape.SumsOfSquares(tensors, squares);
        var output = F(squares);
        _squaresPartitions.Clear();
        for (int i = 0; i < tensors.Count; i++) _squaresPartitions.Add(FloatStorage(tensors[i]), i);
        for (int k = 0; k < _squaresPartitions.Count; k++)
        {
            var items = _squaresPartitions.Items(k);
            Grow(ref _squaresRows, items.Count);
            int blocks = 0;
            for (int j = 0; j < items.Count; j++)
            {
                var t = tensors[items[j]];
                int count = (int)t.Count, groups = ReductionKernels.Groups(count);
                _squaresRows[j] = new SquaresSegment(Offset(t), count, items[j], blocks, groups);
                blocks += groups;
            }
            var table = Table(_squaresTables, k);
            table.Set(_squaresRows.AsSpan(0, items.Count));
            _kernels.SumsOfSquares(new KernelConfig(table.Blocks, ReductionKernels.Threads), _squaresPartitions.Key(k).Buffer.View,
                table.Segments, table.BlockSegments, Scratch(table.Blocks), table.Counters, output);
        }
    }

    // each entry's Param, Grad, M, V: the same element count; groups [parameter groups]; deviceScale [1] or null
    public void AdamW(IReadOnlyList<AdamWTensors> tensors, IReadOnlyList<AdamWStep> groups, Tensor? deviceScale = null)
    {
        OptimizerShape.AdamW(tensors, groups, deviceScale);
        _adamWPartitions.Clear();
        for (int i = 0; i < tensors.Count; i++)
        {
            var t = tensors[i];
            _adamWPartitions.Add((FloatStorage(t.Param), FloatStorage(t.Grad), FloatStorage(t.M), FloatStorage(t.V)), i);
        }
        if (_adamWPartitions.Count == 0) return;
        var scalars = UploadGroupScalars(groups);
        for (int k = 0; k < _adamWPartitions.Count; k++)
        {
            var items = _adamWPartitions.Items(k);
            Grow(ref _adamWRows, items.Count);
            int blocks = 0;
            for (int j = 0; j < items.Count; j++)
            {
                var t = tensors[items[j]];
                int count = (int)t.Param.Count, chunks = Chunks(count);
                _adamWRows[j] = new AdamWSegment(Offset(t.Param), Offset(t.Grad), Offset(t.M), Offset(t.V), count, t.Group, blocks, chunks);
                blocks += chunks;
            }
            var table = Table(_adamWTables, k);
            table.Set(_adamWRows.AsSpan(0, items.Count));
            if (table.Blocks == 0) continue;
            var (param, grad, m, v) = _adamWPartitions.Key(k);
            _kernels.MultiTensorAdamW(new KernelConfig(table.Blocks, ElementGroupThreads), param.Buffer.View, grad.Buffer.View, m.Buffer.View, v.Buffer.View,
                table.Segments, table.BlockSegments, scalars, Optional(deviceScale), deviceScale == null ? 0 : 1);
        }
    }

    /// <summary>Queues the upload of every group's scalars [groups]; returns their device view.</summary>
    private ArrayView<AdamWScalars> UploadGroupScalars(IReadOnlyList<AdamWStep> groups)
    {
        Grow(ref _groupScalars, groups.Count);
        for (int g = 0; g < groups.Count; g++) _groupScalars[g] = Scalars(groups[g]);
        if (_groupScalarBuffer == null || _groupScalarBuffer.Length < groups.Count)
        {
            _accelerator.Synchronize();
            _groupScalarBuffer?.Dispose();
            _groupScalarBuffer = _accelerator.Allocate1D<AdamWScalars>(_groupScalars.Length);
        }
        var view = _groupScalarBuffer.View.SubView(0, groups.Count);
        view.CopyFromCPU(ref _groupScalars[0], groups.Count);
        return view;
    }

    /// <summary>Groups of the element-wise multi-tensor kernels for a tensor of <paramref name="count"/> elements.</summary>
    private static int Chunks(int count) => (count + MultiTensorKernels.Chunk - 1) / MultiTensorKernels.Chunk;

    /// <summary>The element offset of a tensor in its storage.</summary>
    private static int Offset(Tensor t) => checked((int)(t.ByteOffset / sizeof(float)));

    /// <summary>The table of partition <paramref name="k"/>, made on first use.</summary>
    private SegmentTable<T> Table<T>(List<SegmentTable<T>> tables, int k) where T : unmanaged, ISegment, IEquatable<T>
    {
        if (tables.Count == k) tables.Add(new SegmentTable<T>(_accelerator));
        return tables[k];
    }

    private static void Grow<T>(ref T[] array, int length)
    {
        if (array.Length < length) array = new T[Math.Max(length, 2 * array.Length)];
    }
}
