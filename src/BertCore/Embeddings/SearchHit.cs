namespace BertCore.Embeddings;

/// <summary>One result of a <see cref="VectorIndex"/> search.</summary>
/// <param name="Id">The document's id.</param>
/// <param name="Text">The document's text.</param>
/// <param name="Score">The dot product of the query with the document's stored vector (the cosine similarity when
/// both are unit vectors); for an int8 index, with the stored (quantized) vector.</param>
public readonly record struct SearchHit(string Id, string Text, float Score);
