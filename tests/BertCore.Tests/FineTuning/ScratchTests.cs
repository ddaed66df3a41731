using BertCore.Demo;
using Xunit;

namespace BertCore.Tests.FineTuning;

public class ScratchTests
{
    [Fact]
    public void Dump() => SyntheticData.Write("/tmp/ft/syn");
}
