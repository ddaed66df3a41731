using System.Text;

namespace BertCore.IO;

/// <summary>JSON string literals written the way serde_json writes them, so headers match the reference byte for byte.</summary>
internal static class JsonText
{
    /// <summary>
    /// Appends <paramref name="value"/> quoted: '"' and '\' escaped with a backslash, \b \f \n \r \t by their
    /// short forms, other control characters as \u00xx (lowercase hex), everything else (non-ASCII included) as is.
    /// </summary>
    public static StringBuilder AppendString(StringBuilder json, string value)
    {
        json.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': json.Append("\\\""); break;
                case '\\': json.Append("\\\\"); break;
                case '\b': json.Append("\\b"); break;
                case '\f': json.Append("\\f"); break;
                case '\n': json.Append("\\n"); break;
                case '\r': json.Append("\\r"); break;
                case '\t': json.Append("\\t"); break;
                case < ' ': json.Append("\\u00").Append(((int)c).ToString("x2")); break;
                default: json.Append(c); break;
            }
        }
        return json.Append('"');
    }
}
