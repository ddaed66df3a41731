using System.Buffers.Binary;

namespace BertCore.Tests.Fuzzing;

/// <summary>
/// The repair of safetensors cases: a mutation inside the JSON header changes its length, so the u64 length prefix
/// no longer frames it and the file is rejected before its tensors are looked at. The repair points the prefix at
/// the end of the first balanced JSON object after it, so mutated headers reach the checks of shapes and offsets.
/// </summary>
internal static class SafeTensorsFraming
{
    public static byte[] Repair(byte[] bytes)
    {
        const int prefix = 8;
        if (bytes.Length <= prefix || bytes[prefix] != '{')
            return bytes;
        int depth = 0;
        bool inString = false, escaped = false;
        for (int i = prefix; i < bytes.Length; i++)
        {
            byte b = bytes[i];
            if (inString)
            {
                if (escaped) escaped = false;
                else if (b == '\\') escaped = true;
                else if (b == '"') inString = false;
                continue;
            }
            if (b == '"') inString = true;
            else if (b is (byte)'{' or (byte)'[') depth++;
            else if (b is (byte)'}' or (byte)']' && --depth == 0)
            {
                byte[] repaired = (byte[])bytes.Clone();
                BinaryPrimitives.WriteUInt64LittleEndian(repaired, (ulong)(i + 1 - prefix));
                return repaired;
            }
        }
        return bytes;
    }
}
