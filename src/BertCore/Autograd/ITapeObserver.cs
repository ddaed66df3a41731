namespace BertCore.Autograd;

/// <summary>
/// Watches a <see cref="Graph"/> record its ops and run their backwards, entry by entry (set
/// <see cref="Graph.Observer"/>; null, the default, costs one test per op). A parameter's gradient can no longer
/// change once the backward of the first entry that read it (in forward order) has run, since the backward runs the
/// entries from the last to the first: what a data-parallel step needs to send a group of gradients while the rest of
/// the backward still runs.
/// </summary>
public interface ITapeObserver
{
    /// <summary>Forward: the op about to be recorded as tape entry <paramref name="entry"/> (or a later one: the entry
    /// count when it was read) reads <paramref name="parameter"/>'s value, so its backward may add to the parameter's
    /// gradient. Called for every recorded read, entries in increasing order.</summary>
    void Reads(Parameter parameter, int entry);

    /// <summary>Backward: the backward of tape entry <paramref name="entry"/> has run (entries go from the last to 0),
    /// so every parameter first read by entry <paramref name="entry"/> or a later one holds its final gradient.</summary>
    void BackwardRan(int entry);
}
