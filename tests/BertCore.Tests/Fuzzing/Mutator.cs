using System.Buffers.Binary;
using System.Text;

namespace BertCore.Tests.Fuzzing;

/// <summary>
/// Makes one fuzz case from real seed files: one to four mutations, each picked at random from bit flips, byte
/// sets, integers written over binary fields, truncations, splices of two seeds, huge numbers (written over a
/// number of the seed or inserted), deep JSON nesting, invalid UTF-8 and JSON escapes, duplicated and removed
/// lines, a repeated chunk (long lines and long words), and one word of the formats swapped for another (a dtype
/// for another, true for null, a tag for a tag). Every choice comes from the <see cref="Random"/>
/// given, so a case is a pure function of its seed files and that generator's seed.
/// </summary>
internal static class Mutator
{
    /// <summary>Cases never grow past this many bytes more than their seed (long inputs, not out-of-memory tests).</summary>
    public const int MaxGrowth = 1 << 18;

    private static readonly string[] HugeNumbers =
    [
        "1e309", "-1e309", "99999999999999999999", "-1", "0", "-0", "2147483647", "2147483648", "-2147483649",
        "4294967296", "9223372036854775807", "9223372036854775808", "18446744073709551616", "1e-400", "NaN",
        "Infinity", "1.5", "1e12", "0x10", "1_000", "00", "65536", "1000000", "16777216", "1073741824", "2147483647",
    ];

    private static readonly byte[][] BadText =
    [
        [0x80],                         // continuation byte without a lead
        [0xC0, 0x80],                   // overlong NUL
        [0xE2, 0x82],                   // truncated three-byte sequence
        [0xED, 0xA0, 0x80],             // UTF-8 encoded surrogate
        [0xF4, 0x90, 0x80, 0x80],       // above U+10FFFF
        [0xF8, 0x88, 0x80, 0x80, 0x80], // five-byte form
        [0xFF], [0xFE, 0xFF], [0xEF, 0xBB, 0xBF], [0x00],
        "\\ud800"u8.ToArray(), "\\udc00\\ud800"u8.ToArray(), "\\u0000"u8.ToArray(), "\\"u8.ToArray(),
        "\r"u8.ToArray(), "\t"u8.ToArray(), "\u2028"u8.ToArray(), "\u0301"u8.ToArray(), "\U0001F600"u8.ToArray(),
    ];

    /// <summary>Words the formats give meaning to; a swap keeps the file well-formed but changes what it says.</summary>
    private static readonly byte[][] Words = new[]
    {
        "F32", "F16", "BF16", "I32", "I64", "U8", "U32", "F64", "BOOL", "true", "false", "null", "[]", "{}", "\"\"",
        "O", "B-PER", "I-PER", "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "label", "text", "-DOCSTART-",
    }.Select(w => Encoding.UTF8.GetBytes(w)).ToArray();

    private static readonly byte[] Interesting = [0, 0xFF, 0x7F, 0x80, 0x01, (byte)'"', (byte)'{', (byte)'}', (byte)'[',
        (byte)']', (byte)',', (byte)':', (byte)'\n', (byte)'\t', (byte)' ', (byte)'-', (byte)'9', (byte)'#', (byte)'\\'];

    private static readonly long[] InterestingIntegers =
        [0, 1, -1, 2, 255, 65535, int.MaxValue, int.MinValue, uint.MaxValue, 1L << 32, 1L << 40, long.MaxValue, long.MinValue];

    /// <summary>A mutated copy of <paramref name="seed"/>; <paramref name="other"/> is the second seed a splice takes its tail from.</summary>
    public static byte[] Mutate(Random random, byte[] seed, byte[] other)
    {
        var data = new List<byte>(seed);
        int mutations = 1 + random.Next(4);
        for (int i = 0; i < mutations; i++)
            Apply(random, data, other, seed.Length + MaxGrowth);
        return data.ToArray();
    }

    private static void Apply(Random random, List<byte> data, byte[] other, int maxLength)
    {
        switch (random.Next(15))
        {
            case 0: FlipBit(random, data); break;
            case 1: SetByte(random, data); break;
            case 2: WriteInteger(random, data); break;
            case 3: Truncate(random, data); break;
            case 4: Splice(random, data, other); break;
            case 5: case 12: HugeNumber(random, data); break;
            case 6: Insert(random, data, DeepNesting(random), maxLength); break;
            case 7: Insert(random, data, BadText[random.Next(BadText.Length)], maxLength); break;
            case 8: DuplicateLine(random, data, maxLength); break;
            case 9: RemoveLine(random, data); break;
            case 10: RepeatChunk(random, data, maxLength); break;
            case 11: DeleteRange(random, data); break;
            case 13: SwapWord(random, data); break;
            default: FlipBit(random, data); FlipBit(random, data); break;
        }
    }

    private static void FlipBit(Random random, List<byte> data)
    {
        if (data.Count == 0) return;
        int at = random.Next(data.Count);
        data[at] ^= (byte)(1 << random.Next(8));
    }

    private static void SetByte(Random random, List<byte> data)
    {
        if (data.Count == 0) return;
        data[random.Next(data.Count)] = random.Next(2) == 0 ? Interesting[random.Next(Interesting.Length)] : (byte)random.Next(256);
    }

    /// <summary>An extreme little-endian integer over 4 or 8 bytes, often at the start (where binary headers keep their lengths).</summary>
    private static void WriteInteger(Random random, List<byte> data)
    {
        int width = random.Next(2) == 0 ? 4 : 8;
        if (data.Count < width) return;
        int at = random.Next(3) == 0 ? random.Next(Math.Min(data.Count - width, 160) + 1) & ~3 : random.Next(data.Count - width + 1);
        long value = InterestingIntegers[random.Next(InterestingIntegers.Length)] + random.Next(-1, 2);
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        for (int i = 0; i < width; i++) data[at + i] = bytes[i];
    }

    private static void Truncate(Random random, List<byte> data)
    {
        if (data.Count == 0) return;
        int at = random.Next(data.Count);
        data.RemoveRange(at, data.Count - at);
    }

    /// <summary>Keeps a prefix of this case and appends a suffix of the other seed.</summary>
    private static void Splice(Random random, List<byte> data, byte[] other)
    {
        int keep = data.Count == 0 ? 0 : random.Next(data.Count + 1);
        int from = other.Length == 0 ? 0 : random.Next(other.Length + 1);
        data.RemoveRange(keep, data.Count - keep);
        data.AddRange(other.AsSpan(from).ToArray());
    }

    /// <summary>Writes a huge or odd number over a written number of the case, or inserts it where there is none.</summary>
    private static void HugeNumber(Random random, List<byte> data)
    {
        byte[] number = Encoding.ASCII.GetBytes(HugeNumbers[random.Next(HugeNumbers.Length)]);
        var digits = new List<int>();
        for (int i = 0; i < data.Count; i++)
            if (IsDigit(data[i]) && (i == 0 || NumberStart.Contains(data[i - 1]))) digits.Add(i);
        if (digits.Count == 0 || random.Next(4) == 0)
        {
            data.InsertRange(data.Count == 0 ? 0 : random.Next(data.Count + 1), number);
            return;
        }
        int start = digits[random.Next(digits.Count)], end = start;
        while (end < data.Count && (IsDigit(data[end]) || data[end] is (byte)'.' or (byte)'e' or (byte)'-')) end++;
        data.RemoveRange(start, end - start);
        data.InsertRange(start, number);
    }

    /// <summary>Bytes a written number follows in JSON and text formats (so binary data rarely counts as a number).</summary>
    private static ReadOnlySpan<byte> NumberStart => "[,: \"\t\n-"u8;

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    /// <summary>Hundreds to thousands of opened arrays or objects, closed or not.</summary>
    private static byte[] DeepNesting(Random random)
    {
        int depth = random.Next(2) == 0 ? 65 + random.Next(64) : 100 + random.Next(5000);
        string open = random.Next(2) == 0 ? "[" : "{\"a\":";
        string close = open == "[" ? "]" : "}";
        var text = new StringBuilder();
        for (int i = 0; i < depth; i++) text.Append(open);
        text.Append('1');
        if (random.Next(2) == 0)
            for (int i = 0; i < depth; i++) text.Append(close);
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    private static void Insert(Random random, List<byte> data, byte[] bytes, int maxLength)
    {
        if (data.Count + bytes.Length > maxLength) return;
        data.InsertRange(data.Count == 0 ? 0 : random.Next(data.Count + 1), bytes);
    }

    private static (int Start, int End) RandomLine(Random random, List<byte> data)
    {
        int at = random.Next(data.Count);
        int start = at, end = at;
        while (start > 0 && data[start - 1] != '\n') start--;
        while (end < data.Count && data[end] != '\n') end++;
        return (start, Math.Min(end + 1, data.Count));
    }

    private static void DuplicateLine(Random random, List<byte> data, int maxLength)
    {
        if (data.Count == 0) return;
        var (start, end) = RandomLine(random, data);
        byte[] line = data.GetRange(start, end - start).ToArray();
        int copies = random.Next(3) == 0 ? 1 + random.Next(50) : 1;
        for (int i = 0; i < copies && data.Count + line.Length <= maxLength; i++)
            data.InsertRange(end, line);
    }

    private static void RemoveLine(Random random, List<byte> data)
    {
        if (data.Count == 0) return;
        var (start, end) = RandomLine(random, data);
        data.RemoveRange(start, end - start);
    }

    /// <summary>Repeats a short chunk in place until it is up to 64 KiB long: a huge word, line or string.</summary>
    private static void RepeatChunk(Random random, List<byte> data, int maxLength)
    {
        if (data.Count == 0) return;
        int start = random.Next(data.Count);
        int length = 1 + random.Next(Math.Min(16, data.Count - start));
        byte[] chunk = data.GetRange(start, length).ToArray();
        int copies = Math.Min((1 << 16) / length, Math.Max(0, (maxLength - data.Count) / length));
        var repeated = new byte[chunk.Length * copies];
        for (int i = 0; i < copies; i++) chunk.CopyTo(repeated, i * chunk.Length);
        data.InsertRange(start, repeated);
    }

    /// <summary>Replaces one occurrence of a known word with another.</summary>
    private static void SwapWord(Random random, List<byte> data)
    {
        byte[] from = Words[random.Next(Words.Length)], to = Words[random.Next(Words.Length)];
        byte[] bytes = data.ToArray();
        var found = new List<int>();
        for (int at = bytes.AsSpan().IndexOf(from); at >= 0 && found.Count < 1000; )
        {
            found.Add(at);
            int next = bytes.AsSpan(at + 1).IndexOf(from);
            at = next < 0 ? -1 : at + 1 + next;
        }
        if (found.Count == 0) return;
        int start = found[random.Next(found.Count)];
        data.RemoveRange(start, from.Length);
        data.InsertRange(start, to);
    }

    private static void DeleteRange(Random random, List<byte> data)
    {
        if (data.Count == 0) return;
        int start = random.Next(data.Count);
        data.RemoveRange(start, 1 + random.Next(Math.Min(64, data.Count - start)));
    }
}
