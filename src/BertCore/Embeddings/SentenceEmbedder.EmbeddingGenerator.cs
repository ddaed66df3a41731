using Microsoft.Extensions.AI;

namespace BertCore.Embeddings;

/// <summary>
/// The embedder as Microsoft.Extensions.AI's <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>, so that it plugs
/// into Microsoft.Extensions.AI and Semantic Kernel applications. Each <see cref="Embedding{T}"/> carries
/// <see cref="ModelFingerprint"/> as its model id; the metadata (<see cref="GetService"/> with
/// <see cref="EmbeddingGeneratorMetadata"/>) gives provider "BertCore", the fingerprint and <see cref="Dimension"/>.
/// </summary>
public sealed partial class SentenceEmbedder : IEmbeddingGenerator<string, Embedding<float>>
{
    /// <summary>Embeds <paramref name="values"/> on a thread-pool thread, in input order.</summary>
    /// <param name="options">Dimensions and ModelId, when set, must be <see cref="Dimension"/> and
    /// <see cref="ModelFingerprint"/> (this model makes no other vectors); the other fields are ignored.</param>
    /// <param name="cancellationToken">Checked before each batch; the task is then cancelled.</param>
    /// <exception cref="ArgumentException">The options ask for another dimension or model.</exception>
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values,
        EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (options?.Dimensions is int dimensions && dimensions != Dimension)
            throw new ArgumentException($"this model makes vectors of {Dimension} dimensions, not {dimensions}", nameof(options));
        if (options?.ModelId is string model && model != ModelFingerprint)
            throw new ArgumentException($"this embedder's model is {ModelFingerprint}, not {model}", nameof(options));
        var texts = values.ToArray();
        return Task.Run(() =>
        {
            var created = DateTimeOffset.UtcNow;
            var vectors = Embed(texts, cancellationToken);
            return new GeneratedEmbeddings<Embedding<float>>(vectors.Select(v =>
                new Embedding<float>(v) { ModelId = ModelFingerprint, CreatedAt = created }));
        }, cancellationToken);
    }

    /// <summary>The <see cref="EmbeddingGeneratorMetadata"/>, or this embedder when asked for its own type; else null.</summary>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey != null) return null;
        if (serviceType == typeof(EmbeddingGeneratorMetadata))
            return new EmbeddingGeneratorMetadata("BertCore", null, ModelFingerprint, Dimension);
        return serviceType.IsInstanceOfType(this) ? this : null;
    }
}
