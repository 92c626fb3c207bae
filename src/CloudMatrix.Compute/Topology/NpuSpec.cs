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
    /// <summary>The figures of one die of this device: every rate and capacity divided by <see cref="Dies"/>.</summary>
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
        };
}
