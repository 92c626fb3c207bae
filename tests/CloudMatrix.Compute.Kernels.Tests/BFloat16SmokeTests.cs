using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Kernels.Tests;

public class BFloat16SmokeTests
{
    [Fact]
    public void One_RoundTripsThroughFloat() => Assert.Equal(1.0f, (float)(BFloat16)1.0f);
}
