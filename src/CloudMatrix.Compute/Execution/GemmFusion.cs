using CloudMatrix.Compute.Backends;
using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Execution;

/// <summary>
/// Runs a step's device GEMMs as few large GEMMs: tasks that read the same B view (a replica several devices alias,
/// as B in a row-parallel or data-parallel plan) have their A rows gathered into one staging matrix, are multiplied
/// once (B is packed once instead of once per device), and their C rows scattered back. Rows of a GEMM do not depend
/// on the other rows, so the bits are those of the per-device GEMMs; the host's cores stay busy even when every
/// device's shard is a few rows tall.
/// </summary>
internal static class GemmFusion
{
    /// <summary>Groups smaller than this run as they are.</summary>
    private const int MinGroup = 2;

    public static void Run(ComputeBackend backend, DeviceGemmTask[] tasks)
    {
        var rest = new List<DeviceGemmTask>();
        foreach (var group in tasks.GroupBy(t => (t.B, t.BOffset, t.Ldb, t.K, t.N, Fp32: t.CFloat is not null, t.Accumulate)))
        {
            DeviceGemmTask[] g = [.. group];
            long rows = g.Sum(t => (long)t.M);
            if (g.Length < MinGroup || rows * Math.Max(g[0].K, g[0].N) > int.MaxValue)
            {
                rest.AddRange(g);
                continue;
            }

            Fuse(backend, g, (int)rows);
        }

        if (rest.Count > 0) backend.GemmBatch(rest.ToArray());
    }

    private static void Fuse(ComputeBackend backend, DeviceGemmTask[] g, int rows)
    {
        DeviceGemmTask first = g[0];
        int k = first.K, n = first.N;
        using DeviceBuffer<BFloat16> a = backend.Allocate<BFloat16>(rows * k);
        int row = 0;
        foreach (DeviceGemmTask t in g)
        {
            backend.Copy2D(t.A, t.AOffset, t.Lda, a, row * k, k, t.M, k);
            row += t.M;
        }

        if (first.CFloat is not null)
        {
            using DeviceBuffer<float> c = backend.Allocate<float>(rows * n);
            if (first.Accumulate) Gather(backend, g, t => t.CFloat!, c, n);
            backend.GemmBatch([first with { M = rows, A = a, AOffset = 0, Lda = k, CFloat = c, COffset = 0, Ldc = n }]);
            Scatter(backend, g, t => t.CFloat!, c, n);
        }
        else
        {
            using DeviceBuffer<BFloat16> c = backend.Allocate<BFloat16>(rows * n);
            if (first.Accumulate) Gather(backend, g, t => t.CBFloat16!, c, n);
            backend.GemmBatch([first with { M = rows, A = a, AOffset = 0, Lda = k, CBFloat16 = c, COffset = 0, Ldc = n }]);
            Scatter(backend, g, t => t.CBFloat16!, c, n);
        }
    }

    private static void Gather<T>(ComputeBackend backend, DeviceGemmTask[] g, Func<DeviceGemmTask, DeviceBuffer<T>> c, DeviceBuffer<T> staging, int n)
        where T : unmanaged
    {
        int row = 0;
        foreach (DeviceGemmTask t in g)
        {
            backend.Copy2D(c(t), t.COffset, t.Ldc, staging, row * n, n, t.M, n);
            row += t.M;
        }
    }

    private static void Scatter<T>(ComputeBackend backend, DeviceGemmTask[] g, Func<DeviceGemmTask, DeviceBuffer<T>> c, DeviceBuffer<T> staging, int n)
        where T : unmanaged
    {
        int row = 0;
        foreach (DeviceGemmTask t in g)
        {
            backend.Copy2D(staging, row * n, n, c(t), t.COffset, t.Ldc, t.M, n);
            row += t.M;
        }
    }
}
