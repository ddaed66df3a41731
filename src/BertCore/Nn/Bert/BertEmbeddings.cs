using BertCore.Autograd;
using BertCore.IO;
using BertCore.Tensors;

namespace BertCore.Nn.Bert;

/// <summary>word + position + token-type embeddings, then LayerNorm and dropout (prefix "bert.embeddings").</summary>
public sealed class BertEmbeddings : Module
{
    private float _dropout;

    public BertEmbeddings(string name, BertConfig config) : base(name)
    {
        Word = AddModule(new Embedding(Join(name, "word_embeddings"), config.VocabSize, config.HiddenSize, config.PadTokenId));
        Position = AddModule(new Embedding(Join(name, "position_embeddings"), config.MaxPositionEmbeddings, config.HiddenSize));
        TokenType = AddModule(new Embedding(Join(name, "token_type_embeddings"), config.TypeVocabSize, config.HiddenSize));
        Norm = AddModule(new LayerNorm(Join(name, "LayerNorm"), config.HiddenSize, (float)config.LayerNormEps));
        _dropout = (float)config.HiddenDropoutProb;
    }

    public Embedding Word { get; }
    public Embedding Position { get; }
    public Embedding TokenType { get; }
    public LayerNorm Norm { get; }

    /// <summary>ids, typeIds, positionIds I32 [B, S] → [B, S, H].</summary>
    public Tensor Forward(Graph g, Tensor ids, Tensor typeIds, Tensor positionIds)
    {
        var sum = g.Add(g.Add(Word.Forward(g, ids), Position.Forward(g, positionIds)), TokenType.Forward(g, typeIds));
        return g.Dropout(Norm.Forward(g, sum), _dropout);
    }

    /// <summary>Sets the dropout after the LayerNorm of this instance (the config keeps its value; see
    /// <see cref="BertEncoder.OverrideDropout"/>).</summary>
    internal void OverrideDropout(float probability) => _dropout = probability;

    public void Initialize(double std, Random random)
    {
        Word.Initialize(std, random);
        Position.Initialize(std, random);
        TokenType.Initialize(std, random);
        Norm.Initialize();
    }
}
