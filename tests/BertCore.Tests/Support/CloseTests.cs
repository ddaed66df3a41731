using Xunit;
using Xunit.Sdk;

namespace BertCore.Tests.Support;

/// <summary>The tolerance check the op and parity tests stand on: a NaN in the expectation must not let a tensor pass
/// unchecked (a NaN scale once made every comparison of such a tensor true).</summary>
public class CloseTests
{
    [Fact]
    public void A_nan_expected_demands_a_nan_actual()
    {
        Close.RelativeToMax([float.NaN, 1f], new double[] { double.NaN, 1 }, 1e-6, "t");
        Assert.Throws<XunitException>(() => Close.RelativeToMax([0.5f, 1f], new double[] { double.NaN, 1 }, 1e-6, "t"));
    }

    [Fact]
    public void A_nan_expected_leaves_the_other_elements_checked()
    {
        var error = Assert.Throws<XunitException>(() => Close.RelativeToMax([float.NaN, 2f], new double[] { double.NaN, 1 }, 1e-6, "t"));
        Assert.Contains("element 1 is 2", error.Message);
    }

    [Fact]
    public void A_nan_actual_fails()
    {
        Assert.Throws<XunitException>(() => Close.RelativeToMax([float.NaN, 1f], new double[] { 0, 1 }, 1e-6, "t"));
    }
}
