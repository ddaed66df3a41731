namespace BertCore.Data;

/// <summary>
/// One training example as token ranges of an <see cref="ITokenCorpus"/>: segment A is tokens
/// [<see cref="FirstStart"/>, +<see cref="FirstLength"/>) and, for pair objectives, segment B is
/// [<see cref="SecondStart"/>, +<see cref="SecondLength"/>). Laid out as <c>[CLS] A [SEP]</c> or
/// <c>[CLS] A [SEP] B [SEP]</c>. <see cref="Relation"/> is the NSP/SOP label: 0 when B follows A in the text,
/// 1 when B is random text (NSP) or A and B were swapped (SOP), -1 for single segments.
/// </summary>
public readonly record struct PretrainingExample(long FirstStart, int FirstLength, long SecondStart, int SecondLength, int Relation)
{
    /// <summary>Whether the example has a segment B.</summary>
    public bool IsPair => Relation >= 0;

    /// <summary>Tokens in the laid-out example, special tokens included.</summary>
    public int Length => IsPair ? FirstLength + SecondLength + 3 : FirstLength + 2;
}
