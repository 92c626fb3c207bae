namespace CloudMatrix.Compute.Topology;

/// <summary>
/// The compute and memory figures of one device (a whole accelerator chip, or one die of it). Immutable.
/// </summary>
/// <param name="Name">Product name, e.g. <c>Ascend 910C</c>.</param>
/// <param name="Dies">Dies in this device: 2 for a whole 910C, 1 for one of its dies or a B200.</param>
/// <param name="Bf16FlopsPerSecond">Dense BF16 peak, FLOP/s (one multiply-add counts as 2 FLOP).</param>
/// <param name="Fp16FlopsPerSecond">Dense FP16 peak, FLOP/s.</param>
/// <param name="Fp32FlopsPerSecond">Dense FP32 peak, FLOP/s.</param>
/// <param name="VectorFlopsPerSecond">Element-wise rate used for local reductions (sum of received chunks), FLOP/s.</param>
/// <param name="HbmCapacityBytes">HBM capacity, bytes (GB = 1e9 bytes).</param>
/// <param name="HbmBytesPerSecond">HBM bandwidth, bytes/s.</param>
public sealed record NpuSpec(
    string Name,
    int Dies,
    double Bf16FlopsPerSecond,
    double Fp16FlopsPerSecond,
    double Fp32FlopsPerSecond,
    double VectorFlopsPerSecond,
    long HbmCapacityBytes,
    double HbmBytesPerSecond)
{
    /// <summary>Scale-up links of this device (CloudMatrix384: 7 UB links per die, 14 per chip); 0 when not given.</summary>
    public int ScaleUpLinks { get; init; }

    /// <summary>Bandwidth of one scale-up link, bytes/s each way; 0 when not given.</summary>
    public double ScaleUpLinkBytesPerSecond { get; init; }

    /// <summary>Scale-out (RDMA) bandwidth of this device, bytes/s each way; 0 when not given.</summary>
    public double ScaleOutBytesPerSecond { get; init; }

    /// <summary>Bandwidth between the dies of one chip, bytes/s each way; 0 for a one-die device or when not given.</summary>
    public double DieToDieBytesPerSecond { get; init; }

    /// <summary>The figures of one die of this device: every rate and capacity divided by <see cref="Dies"/>.</summary>
    /// <remarks>Link counts and scale-out bandwidth are split too; the link bandwidth and die-to-die bandwidth stay.</remarks>
    /// <returns>This spec when it already has one die.</returns>
    public NpuSpec PerDie() => Dies == 1
        ? this
        : this with
        {
            Name = Name + " die",
            Dies = 1,
            Bf16FlopsPerSecond = Bf16FlopsPerSecond / Dies,
            Fp16FlopsPerSecond = Fp16FlopsPerSecond / Dies,
            Fp32FlopsPerSecond = Fp32FlopsPerSecond / Dies,
            VectorFlopsPerSecond = VectorFlopsPerSecond / Dies,
            HbmCapacityBytes = HbmCapacityBytes / Dies,
            HbmBytesPerSecond = HbmBytesPerSecond / Dies,
            ScaleUpLinks = ScaleUpLinks / Dies,
            ScaleOutBytesPerSecond = ScaleOutBytesPerSecond / Dies,
        };
}
