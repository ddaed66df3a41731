using Xunit;

namespace BertCore.Tests.Architecture;

/// <summary><see cref="SourceReferences"/> on small sources whose references are known: what it must find and
/// what it must not (comments, documentation, strings, other namespaces).</summary>
public class SourceReferencesTests
{
    private static readonly Dictionary<string, string> Engine = new()
    {
        ["IO/InvalidFileException.cs"] = "namespace BertCore.IO;\npublic sealed class InvalidFileException : System.Exception { }\n",
        ["Nn/Bert/BertModel.cs"] = "namespace BertCore.Nn.Bert;\npublic sealed class BertModel { }\n",
        // Folders that the trainer below names only in comments, documentation and strings.
        ["Inference/TaskModel.cs"] = "namespace BertCore.Inference;\npublic sealed class TaskModel { }\n",
        ["Checkpoints/Checkpoint.cs"] = "namespace BertCore.Checkpoints;\npublic static class Checkpoint { }\n",
        ["Data/Masker.cs"] = "namespace BertCore.Data;\npublic sealed class Masker { }\n",
        ["Metrics/SeqEval.cs"] = "namespace BertCore.Metrics;\npublic static class SeqEval { }\n",
        ["Optim/AdamW.cs"] = "namespace BertCore.Optim;\npublic sealed class AdamW { }\n",
        ["Text/Vocabulary.cs"] = "namespace BertCore.Text;\npublic sealed class Vocabulary { }\n",
        ["Training/Trainer.cs"] = """
            using BertCore.Nn.Bert;
            using static BertCore.IO.InvalidFileException;
            using System.Text;

            namespace BertCore.Training;

            /// <summary>Unlike <see cref="Inference.TaskModel"/>, see BertCore.Checkpoints.Checkpoint.</summary>
            public sealed class Trainer
            {
                // Data.Masker would be a reference, but this is a comment; so is /* Metrics.SeqEval */
                private const string Message = "BertCore.Optim.AdamW and Nn.Bert in a string";
                private const char Quote = '"';
                private readonly string _verbatim = @"Text.""Vocabulary"" BertCore.Data";
                public object Model() => new global::BertCore.Nn.Bert.BertModel();
                public System.Exception Error() => new IO.InvalidFileException();
                public string Kernels() => typeof(BertCore.Kernels.MatMulKernels).Name + Text.Length;
            }
            """,
    };

    [Fact]
    public void Finds_usings_qualified_and_relative_names_and_nothing_in_comments_or_strings()
    {
        var found = SourceReferences.Find(Engine).Select(r => (r.File, r.To, r.Evidence)).Order().ToArray();
        (string, string, string)[] expected =
        [
            ("Training/Trainer.cs", "IO", "IO.InvalidFileException"),
            ("Training/Trainer.cs", "IO", "using static BertCore.IO.InvalidFileException"),
            ("Training/Trainer.cs", "Nn", "global::BertCore.Nn.Bert.BertModel"),
            ("Training/Trainer.cs", "Nn", "using BertCore.Nn.Bert"),
        ];
        Assert.Equal(expected.Order(), found);
    }

    [Fact]
    public void A_reference_to_a_folder_its_layer_does_not_allow_is_reported_with_file_edge_and_evidence()
    {
        var sources = new Dictionary<string, string>(Engine)
        {
            ["IO/Loader.cs"] = "using BertCore.Training;\nnamespace BertCore.IO;\npublic static class Loader { }\n",
        };
        var violation = Assert.Single(LayeringTests.Violations(SourceReferences.Find(sources)));
        Assert.Equal("src/BertCore/IO/Loader.cs: IO → Training (using BertCore.Training); IO may use Tensors", violation);
    }
}
