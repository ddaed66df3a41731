using BertCore.Data.Tasks;

namespace BertCore.Tests.Fuzzing;

/// <summary>Fine-tuning task files: TSV, CSV, JSONL, CoNLL and SQuAD JSON.</summary>
internal static partial class FuzzTargets
{
    private static FuzzTarget Tsv => new("tsv", "train.tsv",
        _ => [SeedFiles.Text("sentence\tlabel\nhide new secretions from the parental units \t0\nthe greatest musicians \t1\n"),
              SeedFiles.Text("index\tsentence1\tsentence2\tlabel\n0\tA cat.\tA dog.\tnot_entailment\n1\tIt \"is\".\tIt is.\tentailment\n"),
              .. SeedFiles.SharedLines("sst2/train.tsv", 60), .. SeedFiles.SharedLines("pairs/rte/train.tsv", 20),
              .. SeedFiles.SharedLines("pairs/mrpc/msr_paraphrase_train.txt", 30)],
        path => SequenceFileReader.Read(path), InvalidFile);

    private static FuzzTarget TsvScores => new("tsv-scores", "train.tsv",
        _ => [SeedFiles.Text("sentence1\tsentence2\tscore\nA plane is taking off.\tAn air plane is taking off.\t5.000\nA man.\tA woman.\t0.5\n"),
              .. SeedFiles.SharedLines("pairs/stsb/train.tsv", 40)],
        path => SequenceFileReader.Read(path, new SequenceReadOptions { LabelKind = LabelKind.Numeric }), InvalidFile);

    private static FuzzTarget Csv => new("csv", "train.csv",
        _ => [SeedFiles.Text("text,label\n\"hello, world\",pos\nplain text,neg\n\"a \"\"quoted\"\" word\",pos\n\"two\nlines\",neg\n"),
              SeedFiles.Text("premise,hypothesis,gold_label\r\nA man runs.,A person moves.,entailment\r\n\"A, b\",\"c\"\"\",neutral\r\n")],
        path => SequenceFileReader.Read(path), InvalidFile);

    private static FuzzTarget SequenceJsonl => new("sequence-jsonl", "train.jsonl",
        _ => [SeedFiles.Text("{\"text\": \"good film\", \"label\": 1}\n\n{\"text\": \"bad \\\"film\\\"\", \"label\": 0}\n"),
              SeedFiles.Text("{\"sentence1\": \"A cat.\", \"sentence2\": \"A dog\", \"label\": \"contradiction\", \"idx\": 3}\n{\"sentence1\": \"x\", \"sentence2\": \"y\", \"label\": true}\n")],
        path => SequenceFileReader.Read(path), InvalidFile);

    private static FuzzTarget Conll => new("conll", "train.conll",
        _ => [SeedFiles.Text("-DOCSTART- -X- O O\n\nEU NNP I-NP I-ORG\nrejects VBZ I-VP O\nGerman JJ I-NP I-MISC\n\nPeter NNP I-NP I-PER\nBlackburn NNP I-NP I-PER\n"),
              SeedFiles.Text("@paul\tO\nNew\tB-location\nYork\tI-location\n\nhi\tO\n"),
              .. SeedFiles.SharedLines("ner/conll2003/eng.train", 120), .. SeedFiles.SharedLines("ner/wnut17/wnut17train.conll", 80)],
        path => ConllReader.Read(path), InvalidFile);

    private static FuzzTarget Squad => new("squad", "dataset.json",
        _ => [SeedFiles.Fixture("squad", "dataset.json"), .. SeedFiles.SharedSquad("qa/xquad.en.json", 2), .. SeedFiles.SharedSquad("qa/xquad.zh.json", 1)],
        path => SquadReader.Read(path), InvalidFile);
}
