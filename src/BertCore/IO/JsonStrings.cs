using System.Text.Json;

namespace BertCore.IO;

/// <summary>
/// JsonDocument accepts a string that does not decode (an unpaired surrogate escape such as <c>"\ud800"</c>) and
/// throws InvalidOperationException only when it is read; readers call <see cref="DecodeAll"/> right after
/// parsing so that such a file is rejected, with its name, before any value is used.
/// </summary>
internal static class JsonStrings
{
    /// <summary>Decodes every string and property name below <paramref name="element"/>.</summary>
    /// <exception cref="InvalidOperationException">A string or name is not valid text.</exception>
    public static void DecodeAll(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    _ = property.Name;
                    DecodeAll(property.Value);
                }
                break;
            case JsonValueKind.Array:
                foreach (JsonElement item in element.EnumerateArray())
                    DecodeAll(item);
                break;
            case JsonValueKind.String:
                _ = element.GetString();
                break;
        }
    }
}
