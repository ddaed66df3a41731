using System.Text;
using System.Text.Json;
using BertCore.Backends;
using BertCore.IO;

namespace BertCore.Demo;

/// <summary>Where <see cref="SyntheticData.Write"/> put each file.</summary>
public sealed record SyntheticDataFiles(
    string Corpus, string EvalCorpus,
    string ClassifyTrain, string ClassifyDev,
    string NerTrain, string NerDev,
    string QaTrain, string QaDev);

/// <summary>
/// The demo's embedded default data, generated deterministically from a seed: a small English-like corpus from
/// a template grammar over a fixed lexicon, and labelled sets in the real formats of ../shared/data — sentiment
/// classification (TSV `sentence&lt;TAB&gt;label` with a header, as SST-2), named entities (CoNLL `token&lt;TAB&gt;tag`,
/// IOB2, as WNUT-17) and extractive QA (SQuAD v1.1 JSON). The labels follow from the words, so a model that
/// learns the language can learn the tasks; the corpus uses the same lexicon, so pretraining helps.
/// </summary>
public static class SyntheticData
{
    private static readonly string[] People = ["anna", "boris", "chen", "dara", "elif", "farid", "greta", "hugo", "ines", "jonas", "kira", "leo", "maya", "nils", "olga", "pavel"];
    private static readonly string[] Places = ["paris", "lima", "oslo", "cairo", "tokyo", "quito", "dublin", "hanoi", "austin", "perth", "seville", "kyoto"];
    private static readonly string[] Companies = ["acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "tyrell"];
    private static readonly string[] Things = ["film", "book", "meal", "show", "album", "game", "hotel", "phone", "play", "car"];
    private static readonly string[] Good = ["wonderful", "great", "delightful", "brilliant", "charming", "superb", "lovely", "excellent"];
    private static readonly string[] Bad = ["awful", "dull", "terrible", "boring", "clumsy", "dreadful", "poor", "tedious"];
    private const int TrainAdjectives = 5;   // of each polarity in the labelled training sentences; the rest are held out for dev
    private static readonly string[] Verbs = ["visited", "liked", "left", "described", "remembered", "reviewed", "praised", "mentioned"];
    private static readonly string[] Fillers = ["really", "quite", "truly", "rather", "simply", "honestly"];

    /// <summary>Writes every file into <paramref name="folder"/> (created if needed) and returns their paths.</summary>
    public static SyntheticDataFiles Write(string folder, int seed = 7, int corpusDocuments = 600, int classifyTrain = 1200, int nerTrain = 800, int qaTrain = 600)
    {
        Directory.CreateDirectory(folder);
        var r = new Draw((ulong)seed);
        var files = new SyntheticDataFiles(
            Path.Combine(folder, "corpus.txt"), Path.Combine(folder, "corpus.eval.txt"),
            Path.Combine(folder, "classify.train.tsv"), Path.Combine(folder, "classify.dev.tsv"),
            Path.Combine(folder, "ner.train.conll"), Path.Combine(folder, "ner.dev.conll"),
            Path.Combine(folder, "qa.train.json"), Path.Combine(folder, "qa.dev.json"));
        WriteText(files.Corpus, Corpus(r, corpusDocuments));
        WriteText(files.EvalCorpus, Corpus(r, corpusDocuments / 10));
        WriteText(files.ClassifyTrain, Classification(r, classifyTrain, heldOut: false));
        WriteText(files.ClassifyDev, Classification(r, classifyTrain / 4, heldOut: true));
        WriteText(files.NerTrain, Ner(r, nerTrain));
        WriteText(files.NerDev, Ner(r, nerTrain / 4));
        WriteText(files.QaTrain, Qa(r, qaTrain));
        WriteText(files.QaDev, Qa(r, qaTrain / 4));
        return files;
    }

    /// <summary>Documents of 3–8 sentences separated by blank lines, one sentence per line.</summary>
    private static string Corpus(Draw r, int documents)
    {
        var sb = new StringBuilder();
        for (int d = 0; d < documents; d++)
        {
            string person = r.Pick(People), place = r.Pick(Places), company = r.Pick(Companies);
            int sentences = 3 + r.Next(6);
            for (int s = 0; s < sentences; s++) sb.Append(Sentence(r, person, place, company)).Append('\n');
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private static string Sentence(Draw r, string person, string place, string company) => r.Next(6) switch
    {
        0 => $"{Cap(person)} lives in {Cap(place)} and works at {Cap(company)}.",
        1 => $"The {r.Pick(Things)} that {Cap(person)} {r.Pick(Verbs)} was {r.Pick(Fillers)} {(r.Next(2) == 0 ? r.Pick(Good) : r.Pick(Bad))}.",
        2 => $"{Cap(company)} opened an office in {Cap(place)} last year.",
        3 => $"In {Cap(place)}, {Cap(person)} {r.Pick(Verbs)} a {r.Pick(Good)} {r.Pick(Things)}.",
        4 => $"Critics called the {r.Pick(Things)} {r.Pick(Bad)}, but {Cap(person)} disagreed.",
        _ => $"{Cap(person)} moved from {Cap(r.Pick(Places))} to {Cap(place)} to join {Cap(company)}.",
    };

    /// <summary>
    /// SST-2 layout: header, then sentence TAB label (1 positive, 0 negative). Some sentences negate. The training
    /// sentences use the first five adjectives of each polarity, the <paramref name="heldOut"/> (dev) sentences only
    /// the other three: their polarity is learnt from the unlabelled corpus, which uses all of them in contexts
    /// that tell good from bad, so the dev score shows what pretraining contributes.
    /// </summary>
    private static string Classification(Draw r, int count, bool heldOut)
    {
        var sb = new StringBuilder("sentence\tlabel\n");
        string[] good = heldOut ? Good[TrainAdjectives..] : Good[..TrainAdjectives], bad = heldOut ? Bad[TrainAdjectives..] : Bad[..TrainAdjectives];
        for (int i = 0; i < count; i++)
        {
            bool positive = r.Next(2) == 0, negated = r.Next(5) == 0;
            string adjective = positive ^ negated ? r.Pick(good) : r.Pick(bad);
            string sentence = $"the {r.Pick(Things)} {Cap(r.Pick(People))} {r.Pick(Verbs)} was {(negated ? "not" : r.Pick(Fillers))} {adjective}";
            sb.Append(sentence).Append('\t').Append(positive ? 1 : 0).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>WNUT-17 layout: token TAB tag (IOB2: person, location, corporation), blank line between sentences.</summary>
    private static string Ner(Draw r, int count)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            var tokens = new List<(string Token, string Tag)>();
            void Words(string text, string type)
            {
                var words = text.Split(' ');
                for (int w = 0; w < words.Length; w++) tokens.Add((words[w], type == "O" ? "O" : (w == 0 ? "B-" : "I-") + type));
            }
            string person = Cap(r.Pick(People)) + (r.Next(3) == 0 ? " " + Cap(r.Pick(People)) + "son" : "");
            switch (r.Next(3))
            {
                case 0:
                    Words(person, "person"); Words("lives in", "O"); Words(Cap(r.Pick(Places)), "location"); Words("and works at", "O");
                    Words(Cap(r.Pick(Companies)) + (r.Next(2) == 0 ? " Inc" : ""), "corporation"); Words(".", "O");
                    break;
                case 1:
                    Words("Yesterday", "O"); Words(Cap(r.Pick(Companies)), "corporation"); Words("hired", "O"); Words(person, "person");
                    Words("in", "O"); Words(Cap(r.Pick(Places)), "location"); Words(".", "O");
                    break;
                default:
                    Words("The", "O"); Words(r.Pick(Things), "O"); Words("from", "O"); Words(Cap(r.Pick(Places)), "location");
                    Words("was", "O"); Words(r.Pick(Good), "O"); Words(".", "O");
                    break;
            }
            foreach (var (token, tag) in tokens) sb.Append(token).Append('\t').Append(tag).Append('\n');
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>SQuAD v1.1 JSON: one paragraph per article with three facts and questions about them.</summary>
    private static string Qa(Draw r, int count)
    {
        var articles = new List<object>();
        for (int i = 0; i < count; i++)
        {
            string person = Cap(r.Pick(People)), place = Cap(r.Pick(Places)), company = Cap(r.Pick(Companies)), thing = r.Pick(Things);
            string context = $"{person} lives in {place}. {person} works at {company}. Last week {person} bought a {thing}.";
            (string Question, string Cue, string Answer)[] facts =
            [
                ($"Where does {person} live?", "lives in ", place),
                ($"Where does {person} work?", "works at ", company),
                ($"What did {person} buy?", "bought a ", thing),
            ];
            var (question, cue, answer) = facts[r.Next(facts.Length)];
            int start = context.IndexOf(cue + answer, StringComparison.Ordinal) + cue.Length;
            articles.Add(new
            {
                title = $"synthetic-{i}",
                paragraphs = new[]
                {
                    new
                    {
                        context,
                        qas = new[] { new { id = $"q{i}", question, answers = new[] { new { text = answer, answer_start = start } } } },
                    },
                },
            });
        }
        return JsonSerializer.Serialize(new { version = "1.1", data = articles });
    }

    private static string Cap(string word) => char.ToUpperInvariant(word[0]) + word[1..];

    private static void WriteText(string path, string text) => AtomicFile.Write(path, s => s.Write(Encoding.UTF8.GetBytes(text)));

    /// <summary>Seeded draws from the counter RNG (stable across runtimes and platforms).</summary>
    private sealed class Draw(ulong seed)
    {
        private ulong _counter;
        public int Next(int n) => (int)(CounterRng.Hash(seed, _counter++) % (ulong)n);
        public T Pick<T>(T[] items) => items[Next(items.Length)];
    }
}
