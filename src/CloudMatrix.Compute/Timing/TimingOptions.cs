namespace CloudMatrix.Compute.Timing;

/// <summary>
/// Constants of the timed interpreter's device roofline. A GEMM task on a device takes
/// <c>LaunchSeconds + max(FLOPs / (peak × ComputeEfficiency), bytes / (HBM bandwidth × HbmEfficiency))</c>, with the
/// peak and bandwidth of the system's <see cref="Topology.NpuSpec"/>. The defaults are the ideal roofline (efficiency 1,
/// no launch cost): no public source gives the Ascend 910C's achieved GEMM efficiency per shape, so the model does
/// not invent one; set them to a measured MFU to model a real kernel.
/// </summary>
public sealed record TimingOptions
{
    /// <summary>Fraction of the BF16 peak a GEMM achieves, in (0, 1]; default 1.</summary>
    public double ComputeEfficiency { get; init; } = 1.0;

    /// <summary>Fraction of the HBM bandwidth a GEMM achieves, in (0, 1]; default 1.</summary>
    public double HbmEfficiency { get; init; } = 1.0;

    /// <summary>Fixed cost of each GEMM kernel launch, seconds; default 0.</summary>
    public double LaunchSeconds { get; init; }

    /// <summary>Above this many transfers in one step, concurrent collectives are timed one group each (no cross-group contention); at least 0, default 16,384.</summary>
    public int MaxJointTransfers { get; init; } = 16_384;

    /// <summary>The ideal roofline.</summary>
    public static TimingOptions Default { get; } = new();

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An efficiency outside (0, 1], a negative or infinite launch cost, a
    /// negative <see cref="MaxJointTransfers"/>; <c>ParamName</c> is the property.</exception>
    public void Validate()
    {
        if (!(ComputeEfficiency > 0 && ComputeEfficiency <= 1)) throw new ArgumentOutOfRangeException(nameof(ComputeEfficiency), ComputeEfficiency, "ComputeEfficiency must be in (0, 1].");
        if (!(HbmEfficiency > 0 && HbmEfficiency <= 1)) throw new ArgumentOutOfRangeException(nameof(HbmEfficiency), HbmEfficiency, "HbmEfficiency must be in (0, 1].");
        if (!(LaunchSeconds >= 0) || double.IsInfinity(LaunchSeconds)) throw new ArgumentOutOfRangeException(nameof(LaunchSeconds), LaunchSeconds, "LaunchSeconds must be finite and >= 0.");
        if (MaxJointTransfers < 0) throw new ArgumentOutOfRangeException(nameof(MaxJointTransfers), MaxJointTransfers, "MaxJointTransfers must be >= 0 (0 times every group of a collective step apart).");
    }
}
