using System.Globalization;
using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Tensors;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Tests.Sharding;

internal static class ShardingTestData
{
    public const double Bandwidth = 50e9;
    public const double HopLatency = 1e-6;

    /// <summary>An ideal single switch: one port of <see cref="Bandwidth"/> per device, 1 us per hop, 8 devices a node.</summary>
    public static SystemSpec IdealSystem(int devices, double flops = 1e15, double hbm = 1e15, long hbmCapacity = 1L << 40)
    {
        var npu = new NpuSpec("ideal", 1, flops, flops, flops, 1e18, hbmCapacity, hbm);
        var b = new TopologyBuilder("ideal-" + devices.ToString(CultureInfo.InvariantCulture), npu) { RackCount = 1, NodeCount = (devices + 7) / 8 };
        b.AddSwitch(new SwitchSpec("switch", "ideal", new SwitchChipSpec("ideal", devices, Bandwidth), -1, 0, -1, null));
        for (int i = 0; i < devices; i++)
        {
            string id = "d" + i.ToString(CultureInfo.InvariantCulture);
            b.AddDevice(id, node: i / 8);
            b.AddLink(id, "switch", Bandwidth, HopLatency);
        }

        return b.Build();
    }

    public static DenseTensor<BFloat16> Random(int rows, int cols, ulong seed) => DenseTensor.Random<BFloat16>([rows, cols], seed);

    /// <summary>The unsharded product with the project's kernel (FP32 accumulation, one BF16 rounding).</summary>
    public static BFloat16[] Unsharded(DenseTensor<BFloat16> a, DenseTensor<BFloat16> b)
    {
        int m = a.Shape[0], k = a.Shape[1], n = b.Shape[1];
        var c = new BFloat16[m * n];
        Kernels.Gemm.BFloat16Gemm.Multiply(Kernels.Gemm.GemmTranspose.None, Kernels.Gemm.GemmTranspose.None, m, n, k, 1f, a.Span, k, b.Span, n, 0f, c, n);
        return c;
    }
}
