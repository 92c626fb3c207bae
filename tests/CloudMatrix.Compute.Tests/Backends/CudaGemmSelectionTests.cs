using CloudMatrix.Compute.Backends;
using ILGPU.Runtime.Cuda;

namespace CloudMatrix.Compute.Tests.Backends;

/// <summary>Which GEMM kernel the CUDA backend runs: tensor cores from sm_80, the SIMT kernel before or when asked.</summary>
public class CudaGemmSelectionTests
{
    [Theory]
    [InlineData(7, 0, false)]
    [InlineData(7, 5, false)]
    [InlineData(8, 0, true)]
    [InlineData(8, 6, true)]
    [InlineData(8, 9, true)]
    [InlineData(9, 0, true)]
    public void TensorCores_StartAtSm80(int major, int minor, bool expected) =>
        Assert.Equal(expected, IlgpuBackend.SupportsTensorCoreGemm(new CudaArchitecture(major, minor)));

    [Theory]
    [InlineData(null, true)]
    [InlineData("", true)]
    [InlineData(" simt ", false)]
    [InlineData("SIMT", false)]
    [InlineData("tensor", true)]
    [InlineData(" TENSOR\n", true)]
    public void Variable_SimtOrTensor(string? value, bool tensor) => Assert.Equal(tensor, IlgpuBackend.AsksForTensorCores(value));

    [Theory]
    [InlineData("auto")]
    [InlineData("0")]
    public void Variable_OtherValues_AreRefusedWithTheNameAndTheChoices(string value)
    {
        var ex = Assert.Throws<ArgumentException>(() => IlgpuBackend.AsksForTensorCores(value));
        Assert.Contains("CMX_CUDA_GEMM", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("tensor", ex.Message, StringComparison.Ordinal);
        Assert.Contains("simt", ex.Message, StringComparison.Ordinal);
    }
}
