using System.Globalization;
using BertCore.Inference;
using BertCore.IO;

// Classifies sentences with a fine-tuned classification model folder (`bertcore finetune --task classify` writes
// one; a Hugging Face BertForSequenceClassification folder works too):
//   dotnet run --project samples/ClassifySentence -- MODEL_DIR "a gripping, funny film" ["another sentence" ...]
// Prints one line per sentence: the label, its probability (round-trip precision) and the sentence, tab-separated.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: ClassifySentence MODEL_DIR SENTENCE [SENTENCE ...]");
    return 2;
}
try
{
    using var model = TaskModel.Load(args[0]);
    foreach (var (sentence, prediction) in args[1..].Zip(model.Classify(args[1..].Select(s => (s, (string?)null)).ToArray())))
        Console.WriteLine(string.Join('\t', prediction.Label, prediction.Score.ToString("R", CultureInfo.InvariantCulture), sentence));
    return 0;
}
catch (Exception e) when (e is InvalidFileException or IOException or InvalidOperationException)
{
    Console.Error.WriteLine($"ClassifySentence: {e.Message}");   // names the folder or file and the problem
    return 1;
}
