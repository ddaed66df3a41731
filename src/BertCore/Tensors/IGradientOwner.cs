namespace BertCore.Tensors;

/// <summary>
/// What keeps a tensor's persistent gradient (a trainable parameter): the tape adds a backward pass's gradient for the
/// tensor there instead of into a per-step buffer. Declared here so that tensors need not know about autograd.
/// </summary>
internal interface IGradientOwner
{
    /// <summary>The persistent gradient, of the tensor's shape (made on first use).</summary>
    Tensor Grad { get; }
}
