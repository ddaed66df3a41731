using BertCore.IO;

namespace BertCore.Data.Tasks;

/// <summary>
/// Reads token-classification files in CoNLL layout: one word per line, fields separated by spaces or tabs, the
/// word first and the tag last (CoNLL-2003 <c>word POS chunk NER</c>, WNUT-17 <c>token⇥tag</c>). A line holding
/// only white space ends a sentence (WNUT-17's train file separates many sentences with a single tab);
/// <c>-DOCSTART-</c> lines mark documents and are not words. Tags are IOB; IOB1 files (the original CoNLL-2003)
/// are rewritten as IOB2 unless told otherwise.
/// </summary>
public static class ConllReader
{
    private static readonly char[] Separators = [' ', '\t'];

    /// <summary>Reads every sentence of <paramref name="path"/>.</summary>
    /// <param name="path">The CoNLL file.</param>
    /// <param name="convertToIob2">Rewrite IOB1 tags as IOB2 (<see cref="IobTags.Iob1ToIob2"/>; no change to IOB2 files).</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidFileException">A line without a tag, a tag that is not O/B-type/I-type, invalid UTF-8, or no sentences.</exception>
    public static ConllDataset Read(string path, bool convertToIob2 = true)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: file not found", path);
        string[] lines = TextLines.Read(path);
        var sentences = new List<TaggedSentence>();
        var words = new List<string>();
        var tags = new List<string>();
        int documents = 0, converted = 0, firstLine = 0;

        void EndSentence()
        {
            if (words.Count == 0)
                return;
            string[] sentenceTags = tags.ToArray();
            if (convertToIob2)
                converted += IobTags.Iob1ToIob2(sentenceTags);
            sentences.Add(new TaggedSentence(words.ToArray(), sentenceTags, firstLine));
            words.Clear();
            tags.Clear();
        }

        for (int i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                EndSentence();
                continue;
            }
            string[] fields = lines[i].Split(Separators, StringSplitOptions.RemoveEmptyEntries);
            if (fields[0] == "-DOCSTART-")
            {
                EndSentence();
                documents++;
                continue;
            }
            if (fields.Length < 2)
                throw new InvalidFileException(path, i + 1, $"'{lines[i]}' has no tag: expected the word first and the tag last, separated by spaces or a tab");
            string tag = fields[^1];
            if (!IobTags.IsValid(tag))
                throw new InvalidFileException(path, i + 1, $"tag '{tag}' is not IOB (O, B-type or I-type)");
            if (words.Count == 0)
                firstLine = i + 1;
            words.Add(fields[0]);
            tags.Add(tag);
        }
        EndSentence();
        if (sentences.Count == 0)
            throw new InvalidFileException(path, null, "no sentences");
        return new ConllDataset(path, sentences, documents, converted);
    }
}
