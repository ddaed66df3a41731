using BertCore.Backends;
using BertCore.Tensors;

namespace BertCore.Autograd;

/// <summary>The recorded ops; each has a forward and a backward method in one Graph.*.cs file.</summary>
internal enum OpCode
{
    MatMul,
    Linear,
    LayerNorm,
    AddLayerNorm,
    Softmax,
    Attention,
    Gelu,
    Tanh,
    Add,
    Mul,
    Scale,
    Dropout,
    GatherRows,
    Sum,
    CrossEntropy,
    Concat,
    SoftTargetKl,
    AttentionKl,
}

/// <summary>
/// One recorded op: a value type kept in a reusable array, so recording allocates nothing. The meaning of the
/// tensor and scalar slots is op-specific and documented where each op records itself.
/// </summary>
internal struct TapeEntry
{
    public OpCode Op;
    public Tensor Out;
    public Tensor? T0, T1, T2, T3, T4, T5;
    public float F0, F1;
    public int I0;
    public bool B0, B1;
    public Dropout Drop;
}
