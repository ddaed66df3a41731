namespace BertCore.Text;

/// <summary>How <see cref="BertTokenizer.EncodeBatch"/> makes rows the same length (Hugging Face <c>padding</c> strategies).</summary>
public enum Padding
{
    /// <summary>No padding: every row must already have the same length.</summary>
    None,

    /// <summary>Pad every row to the longest row of the batch.</summary>
    Longest,

    /// <summary>Pad every row to the maximum length.</summary>
    MaxLength,
}
