namespace CloudMatrix.Compute.Collectives;

/// <summary>
/// Time a device spends on an element-wise sum of <c>count</c> elements: the roofline of its vector throughput
/// (one add per element) and its HBM bandwidth (two operands read, one result written).
/// </summary>
internal readonly record struct DeviceReduceModel(double VectorFlopsPerSecond, double HbmBytesPerSecond)
{
    /// <summary>A device whose reductions take no time (pure α-β analysis).</summary>
    public static DeviceReduceModel Free => new(double.PositiveInfinity, double.PositiveInfinity);

    /// <summary>Simulated seconds to add <paramref name="count"/> elements of <paramref name="elementBytes"/> bytes.</summary>
    public double Seconds(double count, int elementBytes) =>
        Math.Max(count / VectorFlopsPerSecond, 3.0 * count * elementBytes / HbmBytesPerSecond);
}
