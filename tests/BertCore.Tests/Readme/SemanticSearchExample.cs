using BertCore.Embeddings;
using Microsoft.Extensions.AI;

namespace BertCore.Tests.Readme;

/// <summary>
/// The README's "Semantic search" example, verbatim between the markers (<see cref="ReadmeExampleTests"/> checks that
/// the README shows exactly these lines, and runs them).
/// </summary>
internal static class SemanticSearchExample
{
    /// <summary>Embeds a question with the embedding model <paramref name="model"/>, indexes <paramref name="corpus"/>
    /// (one text per line) into <paramref name="indexDir"/> and searches it; returns the vector, the top 3 hits and the
    /// vector Microsoft.Extensions.AI's interface gives for the same question.</summary>
    public static (float[] Vector, IReadOnlyList<SearchHit> Hits, float[] Generated) Run(string model, string corpus, string indexDir)
    {
        // README:begin
        using var embedder = SentenceEmbedder.Load(model);   // pooling and normalization from the folder's modules.json
        float[] vector = embedder.Embed("How do I reset my password?");                             // [H]
        using var index = SemanticSearch.IndexCorpus(embedder, corpus, indexDir, VectorPrecision.Int8); // or VectorIndex.Open(indexDir)
        IReadOnlyList<SearchHit> hits = index.Search(embedder, ["forgot my password"], k: 3)[0];    // best first: Id, Text, Score
        IEmbeddingGenerator<string, Embedding<float>> generator = embedder;   // Microsoft.Extensions.AI, Semantic Kernel
        var generated = generator.GenerateAsync(["How do I reset my password?"]).GetAwaiter().GetResult();
        // README:end
        return (vector, hits, generated[0].Vector.ToArray());
    }
}
