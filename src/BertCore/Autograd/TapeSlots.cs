using BertCore.Tensors;

namespace BertCore.Autograd;

/// <summary>The saved state of one recorded op, which knows its op's backward.</summary>
/// <typeparam name="TSelf">The state type itself (a small record struct next to its op in a Graph.*.cs file).</typeparam>
internal interface ISavedOp<TSelf> where TSelf : struct, ISavedOp<TSelf>
{
    /// <summary>Adds the op's input gradients, given the gradient of <paramref name="output"/> (output.Grad).</summary>
    static abstract void Backward(Graph graph, Tensor output, in TSelf state);
}

/// <summary>The saved states of one op's recorded calls, as the tape sees them: run one's backward, forget them all.</summary>
internal interface ITapeSlots
{
    /// <summary>Runs the backward of the call saved in <paramref name="slot"/>, whose output is <paramref name="output"/>.</summary>
    void Backward(Graph graph, Tensor output, int slot);

    /// <summary>Forgets every slot (and the tensors they held); a second call does nothing.</summary>
    void Clear();
}

/// <summary>
/// The typed saved states of one op's recorded calls, in a reusable array: recording writes a value in place and
/// allocates nothing once the array has grown to a step's size. A <see cref="TapeEntry"/> points at its slot.
/// </summary>
/// <typeparam name="T">The op's saved state.</typeparam>
internal sealed class TapeSlots<T> : ITapeSlots where T : struct, ISavedOp<T>
{
    private T[] _slots = new T[16];
    private int _count;

    /// <summary>Stores <paramref name="state"/> and returns its slot.</summary>
    public int Add(in T state)
    {
        if (_count == _slots.Length) Array.Resize(ref _slots, _slots.Length * 2);
        _slots[_count] = state;
        return _count++;
    }

    public void Backward(Graph graph, Tensor output, int slot) => T.Backward(graph, output, in _slots[slot]);

    public void Clear()
    {
        Array.Clear(_slots, 0, _count);
        _count = 0;
    }
}
