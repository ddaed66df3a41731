using BertCore.Embeddings;
using BertCore.Tests.Support;
using Microsoft.Extensions.AI;
using Xunit;

namespace BertCore.Tests.Embeddings;

/// <summary>
/// <see cref="SentenceEmbedder"/> used only through Microsoft.Extensions.AI's <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>,
/// as an application would; the vectors are compared with <see cref="SentenceEmbedder.Embed(string)"/>, which
/// SentenceEmbedderTests checks against the fixture encoder.
/// </summary>
public class EmbeddingGeneratorTests
{
    private static readonly string Model = Fixtures.Path("bert", "model");

    private static IEmbeddingGenerator<string, Embedding<float>> Generator() =>
        SentenceEmbedder.Load(Model, new SentenceEmbedderOptions { Normalize = true, BatchSize = 2 });

    [Fact]
    public async Task Generates_one_embedding_per_value_in_order_with_metadata()
    {
        string[] texts = ["ba be bi bo bu", "da", "fa fe fi"];
        using var generator = Generator();
        var embeddings = await generator.GenerateAsync(texts);

        using var direct = SentenceEmbedder.Load(Model, new SentenceEmbedderOptions { Normalize = true });
        var metadata = generator.GetService<EmbeddingGeneratorMetadata>()!;
        Assert.Equal(("BertCore", 96, direct.ModelFingerprint), (metadata.ProviderName, metadata.DefaultModelDimensions, metadata.DefaultModelId));
        Assert.Equal(texts.Length, embeddings.Count);
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(direct.Embed(texts[i]), embeddings[i].Vector.ToArray());
            Assert.Equal(direct.ModelFingerprint, embeddings[i].ModelId);
        }
        Assert.Equal(direct.Embed("da"), (await generator.GenerateVectorAsync("da")).ToArray());
    }

    [Fact]
    public async Task A_cancelled_token_cancels_the_task()
    {
        using var generator = Generator();
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => generator.GenerateAsync(["ba", "be", "bi"], cancellationToken: cancellation.Token));
    }

    [Fact]
    public async Task Options_asking_for_another_dimension_or_model_are_refused()
    {
        using var generator = Generator();
        var e = await Assert.ThrowsAsync<ArgumentException>(() => generator.GenerateAsync(["ba"], new EmbeddingGenerationOptions { Dimensions = 384 }));
        Assert.Contains("96 dimensions, not 384", e.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => generator.GenerateAsync(["ba"], new EmbeddingGenerationOptions { ModelId = "all-MiniLM-L6-v2" }));
        Assert.Single(await generator.GenerateAsync(["ba"], new EmbeddingGenerationOptions { Dimensions = 96 }));
    }
}
