using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Tests.Collectives;

/// <summary>Inputs and independent references (FP64 sums, plain copies) for the collective tests.</summary>
internal static class CollectiveTestData
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(int, int), CollectiveFabric> Fabrics = new();

    // Shared so that timing plans are reused across tests (each fabric caches its schedule shapes).
    public static CollectiveFabric Fabric(int devices, int devicesPerNode = 1) =>
        Fabrics.GetOrAdd((devices, devicesPerNode), k => CollectiveFabric.IdealSwitch(k.Item1, 100e9, 1e-6, new DeviceReduceModel(1e12, 1e12), k.Item2));

    public static float[][] RandomFloats(int ranks, int length, int seed)
    {
        var random = new Random(seed);
        var buffers = new float[ranks][];
        for (int r = 0; r < ranks; r++)
        {
            buffers[r] = new float[length];
            for (int i = 0; i < length; i++) buffers[r][i] = (float)((random.NextDouble() * 2) - 1);
        }

        return buffers;
    }

    public static BFloat16[][] RandomBFloat16(int ranks, int length, int seed) =>
        [.. RandomFloats(ranks, length, seed).Select(b => b.Select(x => (BFloat16)x).ToArray())];

    public static float[][] Widen(BFloat16[][] buffers) => [.. buffers.Select(b => b.Select(x => (float)x).ToArray())];

    /// <summary>The exact sum (FP64) of every rank's element i, and the sum of magnitudes for the bound.</summary>
    public static (double[] Sum, double[] Magnitude) Exact(float[][] inputs)
    {
        int length = inputs[0].Length;
        var sum = new double[length];
        var mag = new double[length];
        foreach (float[] b in inputs)
        {
            for (int i = 0; i < length; i++)
            {
                sum[i] += b[i];
                mag[i] += Math.Abs(b[i]);
            }
        }

        return (sum, mag);
    }

    /// <summary>The documented bound: ((n-1)(u32 + u_wire) + u_out) Σ|x|, with 1 % for second-order terms.</summary>
    public static double BoundFactor(int n, bool wireBf16, bool outBf16)
    {
        double u32 = Math.Pow(2, -24);
        double u16 = Math.Pow(2, -8);
        return (((n - 1) * (u32 + (wireBf16 ? u16 : 0))) + (outBf16 ? u16 : 0)) * 1.01;
    }

    /// <summary>The canonical order written out independently: FP32 accumulation over ranks 0..n-1.</summary>
    public static float[] CanonicalSum(float[][] inputs, int offset, int count)
    {
        var result = new float[count];
        for (int i = 0; i < count; i++)
        {
            float acc = inputs[0][offset + i];
            for (int r = 1; r < inputs.Length; r++) acc += inputs[r][offset + i];
            result[i] = acc;
        }

        return result;
    }
}
