using System.Runtime.InteropServices;
using CloudMatrix.Compute.Kernels.Peak;

namespace CloudMatrix.Compute.Kernels.Tests.Peak;

public unsafe class HostPeakTests
{
    public static TheoryData<int, int> Loops()
    {
        var data = new TheoryData<int, int>();
        foreach (PeakInstruction instruction in Enum.GetValues<PeakInstruction>())
        {
            foreach (int accumulators in new[] { 1, 12, 30 })
            {
                data.Add((int)instruction, accumulators);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Loops))]
    public void PeakLoop_EveryAccumulatorHolds_IterationsTimesUnrollTimesProductsPerLane(int instructionValue, int accumulators)
    {
        var instruction = (PeakInstruction)instructionValue;
        nint loop = PeakLoops.Get(instruction, accumulators);
        if (!HostPeak.IsSupported(instruction))
        {
            Assert.Equal(0, loop);
            return;
        }

        Assert.NotEqual(0, loop);
        // Operands 0.5 and 0.25 (exact in bfloat16 and FP32): each vdpbf16ps lane adds two products of 1/8, each FMA
        // lane one; 1000 iterations keep every partial sum an exact multiple of 1/8 far below 2^24 ulps.
        bool dot = instruction == PeakInstruction.BFloat16DotZmm;
        uint x = dot ? 0x3F00_3F00u : BitConverter.SingleToUInt32Bits(0.5f);
        uint y = dot ? 0x3E80_3E80u : BitConverter.SingleToUInt32Bits(0.25f);
        const long iterations = 1000;
        float* operands = (float*)NativeMemory.AlignedAlloc(128, 64);
        float* sums = (float*)NativeMemory.AlignedAlloc((nuint)(accumulators * 64), 64);
        try
        {
            for (int i = 0; i < 16; i++)
            {
                ((uint*)operands)[i] = x;
                ((uint*)operands)[16 + i] = y;
            }

            PeakLoops.Run(loop, iterations, operands, sums);
            double expected = iterations * PeakLoops.Unroll * (dot ? 2 : 1) * 0.125;
            for (int lane = 0; lane < accumulators * 16; lane++)
            {
                Assert.Equal(expected, sums[lane]);
            }

            PeakLoops.Run(loop, 0, operands, sums);
            Assert.All(Enumerable.Range(0, accumulators * 16), lane => Assert.Equal(0f, sums[lane]));
        }
        finally
        {
            NativeMemory.AlignedFree(operands);
            NativeMemory.AlignedFree(sums);
        }
    }

    [Theory]
    [InlineData(PeakInstruction.BFloat16DotZmm)]
    [InlineData(PeakInstruction.Fp32FmaZmm)]
    public void MeasureGflops_IsPositiveAndFinite_OrRefusedWhereUnsupported(PeakInstruction instruction)
    {
        if (!HostPeak.IsSupported(instruction))
        {
            Assert.Throws<PlatformNotSupportedException>(() => HostPeak.MeasureGflops(instruction, 1));
            return;
        }

        foreach (int threads in new[] { 1, 2 })
        {
            double gflops = HostPeak.MeasureGflops(instruction, threads, trialSeconds: 0.005, trials: 1);
            Assert.True(double.IsFinite(gflops) && gflops > 0, $"{gflops} GFLOP/s on {threads} thread(s)");
        }
    }

    [Fact]
    public void MeasureMemoryBandwidth_ReportsPositiveRates_ForTheBufferAndThreadsAsked()
    {
        MemoryBandwidth bandwidth = HostPeak.MeasureMemoryBandwidth(threads: 3, bytes: (4L << 20) + 100, trials: 1);
        Assert.Equal(3, bandwidth.Threads);
        Assert.Equal((4L << 20) + 64, bandwidth.Bytes); // rounded down to whole cache lines
        Assert.True(double.IsFinite(bandwidth.ReadBytesPerSecond) && bandwidth.ReadBytesPerSecond > 0);
        Assert.True(double.IsFinite(bandwidth.CopyBytesPerSecond) && bandwidth.CopyBytesPerSecond > 0);
        Assert.Equal(2 * bandwidth.CopyBytesPerSecond, bandwidth.CopyTrafficBytesPerSecond);
    }

    [Fact]
    public void BadArguments_AreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => HostPeak.MeasureGflops(PeakInstruction.Fp32FmaZmm, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => HostPeak.MeasureGflops(PeakInstruction.Fp32FmaZmm, 1, accumulators: 31));
        Assert.Throws<ArgumentOutOfRangeException>(() => HostPeak.MeasureGflops(PeakInstruction.Fp32FmaZmm, 1, trialSeconds: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => HostPeak.MeasureMemoryBandwidth(1, bytes: 1000));
        Assert.Throws<ArgumentOutOfRangeException>(() => HostPeak.MeasureMemoryBandwidth(0));
    }
}
