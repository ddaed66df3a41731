namespace BertCore.Text;

/// <summary>Hugging Face's truncation rules: how many tokens of each segment survive.</summary>
internal static class Truncator
{
    /// <summary>
    /// The kept lengths of a first segment of <paramref name="first"/> tokens and an optional second of
    /// <paramref name="second"/>, so that they plus <paramref name="specials"/> fit in <paramref name="maxLength"/>.
    /// </summary>
    /// <remarks>
    /// Where Python's <c>transformers</c> only logs an error and returns the sequence untruncated (the chosen
    /// segment is too short to absorb the cut), this throws, as the Rust <c>tokenizers</c> library does.
    /// </remarks>
    public static (int First, int Second) KeptLengths(int first, int? second, int specials, int maxLength, Truncation strategy)
    {
        int secondLength = second ?? 0;
        if (strategy == Truncation.None || first + secondLength + specials <= maxLength)
            return (first, secondLength);
        if (maxLength < specials)
            throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, $"maxLength must leave room for the {specials} special tokens.");
        int remove = first + secondLength + specials - maxLength;
        switch (strategy)
        {
            case Truncation.LongestFirst when second is null:
                return (first - remove, 0);
            case Truncation.LongestFirst:
                for (; remove > 0; remove--)
                {
                    if (first > secondLength)
                        first--;
                    else
                        secondLength--;
                }
                return (first, secondLength);
            case Truncation.OnlyFirst when first > remove:
                return (first - remove, secondLength);
            case Truncation.OnlySecond when second is null:
                throw new ArgumentException("Truncation.OnlySecond needs a second segment.", nameof(strategy));
            case Truncation.OnlySecond when secondLength > remove:
                return (first, secondLength - remove);
            default:
                throw new ArgumentException(
                    $"Cannot truncate with {strategy}: {remove} tokens must go but the segment has only " +
                    $"{(strategy == Truncation.OnlyFirst ? first : secondLength)}.", nameof(strategy));
        }
    }
}
