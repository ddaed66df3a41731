namespace BertCore.Cli;

/// <summary>Redraws "done/total texts" in place on the console, on the calling thread (predict, embed, index).</summary>
/// <param name="unit">What is counted ("inputs", "texts").</param>
public sealed class TextCountProgress(string unit = "texts") : IProgress<(int Done, int Total)>
{
    public void Report((int Done, int Total) value) => Console.Write($"\r{value.Done}/{value.Total} {unit}");
}
