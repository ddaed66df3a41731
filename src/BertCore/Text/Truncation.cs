namespace BertCore.Text;

/// <summary>How an encoding longer than the maximum length is cut (Hugging Face <c>truncation</c> strategies).</summary>
public enum Truncation
{
    /// <summary>Never truncate; an over-long input is returned whole.</summary>
    None,

    /// <summary>Remove one token at a time from the end of the longer segment (the second on a tie).</summary>
    LongestFirst,

    /// <summary>Remove tokens from the end of the second segment only.</summary>
    OnlySecond,

    /// <summary>Remove tokens from the end of the first segment only.</summary>
    OnlyFirst,
}
