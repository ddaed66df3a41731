using BertCore.Training.Distillation;
using Xunit;

namespace BertCore.Tests.Distillation;

public class LayerMappingTests
{
    [Theory]
    [InlineData(6, 12, "1,3,5,7,9,11")]
    [InlineData(1, 2, "1")]
    [InlineData(3, 4, "0,1,3")]
    [InlineData(2, 2, "0,1")]
    [InlineData(4, 2, "0,0,0,1")]
    public void Uniform_maps_student_layer_j_to_teacher_layer_j_plus_1_times_lt_over_ls_minus_1(int student, int teacher, string expected) =>
        Assert.Equal(expected, LayerMapping.Uniform(student, teacher).ToString());

    [Fact]
    public void Hidden_state_pairs_start_with_the_embeddings_and_follow_the_layers()
    {
        var map = LayerMapping.Parse("0, 2", studentLayers: 2, teacherLayers: 3);
        Assert.Equal([(0, 0), (1, 1), (2, 3)], map.HiddenStatePairs());
    }

    [Theory]
    [InlineData("1,3", 3)]
    [InlineData("1,x,3", 3)]
    [InlineData("1,4,3", 3)]
    public void Parse_rejects_wrong_counts_and_layers_out_of_range(string text, int studentLayers) =>
        Assert.Throws<ArgumentException>(() => LayerMapping.Parse(text, studentLayers, teacherLayers: 4));
}
