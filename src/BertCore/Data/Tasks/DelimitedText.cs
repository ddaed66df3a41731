using System.Text;
using BertCore.IO;

namespace BertCore.Data.Tasks;

/// <summary>Splits tab- and comma-separated text into records of fields, each with the line it starts on.</summary>
internal static class DelimitedText
{
    /// <summary>A record: its fields and the 1-based line where it starts.</summary>
    public readonly record struct Record(int Line, string[] Fields);

    /// <summary>
    /// TSV as GLUE writes it: one record per line, fields split at every tab, no quoting (quotes are ordinary
    /// characters, as in the raw MSRP and GLUE files). Empty lines are skipped.
    /// </summary>
    public static IEnumerable<Record> Tsv(string[] lines)
    {
        for (int i = 0; i < lines.Length; i++)
            if (lines[i].Length > 0)
                yield return new Record(i + 1, lines[i].Split('\t'));
    }

    /// <summary>
    /// CSV as RFC 4180 describes it: fields split at commas; a field that starts with a double quote runs to the
    /// matching closing quote, may hold commas and line breaks (read back as "\n"), and writes a quote as two.
    /// Empty lines between records are skipped.
    /// </summary>
    /// <exception cref="InvalidFileException">A quote inside an unquoted field, text after a closing quote, or a quote left open at the end of the file.</exception>
    public static IEnumerable<Record> Csv(string path, string[] lines)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
                continue;
            int start = i;
            fields.Clear();
            field.Clear();
            string line = lines[i];
            int pos = 0;
            while (true)
            {
                if (pos < line.Length && line[pos] == '"')
                {
                    pos++;
                    while (true)
                    {
                        int quote = line.IndexOf('"', pos);
                        if (quote < 0)
                        {
                            field.Append(line, pos, line.Length - pos).Append('\n');
                            if (++i == lines.Length)
                                throw new InvalidFileException(path, start + 1, "a quoted field is not closed before the end of the file");
                            line = lines[i];
                            pos = 0;
                            continue;
                        }
                        field.Append(line, pos, quote - pos);
                        pos = quote + 1;
                        if (pos < line.Length && line[pos] == '"')
                        {
                            field.Append('"');
                            pos++;
                            continue;
                        }
                        break;
                    }
                    if (pos < line.Length && line[pos] != ',')
                        throw new InvalidFileException(path, i + 1, $"unexpected '{line[pos]}' after a closing quote (column {pos + 1}); write a quote inside a quoted field as \"\"");
                }
                else
                {
                    int comma = line.IndexOf(',', pos);
                    int end = comma < 0 ? line.Length : comma;
                    int quote = line.IndexOf('"', pos, end - pos);
                    if (quote >= 0)
                        throw new InvalidFileException(path, i + 1, $"a double quote inside an unquoted field (column {quote + 1}); quote the whole field");
                    field.Append(line, pos, end - pos);
                    pos = end;
                }
                fields.Add(field.ToString());
                field.Clear();
                if (pos >= line.Length)
                    break;
                pos++; // the comma
                if (pos == line.Length)
                {
                    fields.Add("");
                    break;
                }
            }
            yield return new Record(start + 1, fields.ToArray());
        }
    }
}
