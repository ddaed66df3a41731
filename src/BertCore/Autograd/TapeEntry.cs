using BertCore.Tensors;

namespace BertCore.Autograd;

/// <summary>
/// One recorded op: its output (whose gradient backward reads) and where its typed saved state lives (the op's
/// <see cref="TapeSlots{T}"/> and the slot in it). A value type kept in a reusable array, so recording allocates nothing.
/// </summary>
internal readonly record struct TapeEntry(ITapeSlots Slots, Tensor Out, int Slot);
