namespace CloudMatrix.Compute.Kernels.Gemm;

/// <summary>
/// The shape of a generated <c>vdpbf16ps</c> kernel (<see cref="BFloat16DotKernels"/>): register tile, k unrolling,
/// software prefetch distances and the cache blocks the driver uses with it. Data, as BLIS keeps it, so that tuning
/// sweeps configurations without touching the emitter.
/// </summary>
/// <param name="Rows">MR: rows of A broadcast per k pair.</param>
/// <param name="Vectors">NR / 16: zmm vectors of B per k pair. (Rows + 1) x Vectors must be at most 32.</param>
/// <param name="ShortRows">Rows of the short edge tile.</param>
/// <param name="Unroll">k pairs per loop iteration: 1, 2, 4 or 8.</param>
/// <param name="PrefetchA">Bytes ahead of the A micro-panel read pointer to prefetch each pair; 0 for none.</param>
/// <param name="PrefetchB">Bytes ahead of the B micro-panel read pointer to prefetch (one line per vector); 0 for none.</param>
/// <param name="Mc">MC: rows of op(A) per packed block.</param>
/// <param name="Kc">KC: k steps per packed block (even).</param>
/// <param name="Nc">NC: columns of op(B) per packed panel.</param>
internal readonly record struct DotKernelConfig(
    int Rows, int Vectors, int ShortRows, int Unroll, int PrefetchA, int PrefetchB, int Mc, int Kc, int Nc)
{
    /// <summary>The configuration the library runs.</summary>
    internal static DotKernelConfig Default { get; } = new(12, 2, 6, 1, 0, 0, 192, 1024, 4096);

    /// <summary>Report name, e.g. <c>avx512bf16-dot-12x32</c>.</summary>
    internal string Name => $"avx512bf16-dot-{Rows}x{16 * Vectors}";
}
