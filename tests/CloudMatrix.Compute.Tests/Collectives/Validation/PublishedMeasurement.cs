using CloudMatrix.Compute.Collectives;

namespace CloudMatrix.Compute.Tests.Collectives.Validation;

/// <summary>What a published figure measures: the time of one collective, or its nccl-tests bus bandwidth.</summary>
public enum MeasuredQuantity
{
    /// <summary>Seconds per collective (nccl-tests' <c>time</c> column, converted from us).</summary>
    Seconds,

    /// <summary>nccl-tests bus bandwidth, GB/s.</summary>
    BusBandwidthGBps,
}

/// <summary>
/// One published measurement and how the model is run for it: the source (a URL and the row), the configuration,
/// the measured value, whether it was used to fit a constant, and the error the test allows.
/// </summary>
public sealed record PublishedMeasurement(
    string Id,
    string Source,
    string System,
    CollectiveOperation Operation,
    int Ranks,
    double Bytes,
    MeasuredQuantity Quantity,
    double Measured,
    bool Fitted,
    double Tolerance)
{
    /// <summary>The algorithm the measurement forced (NCCL_ALGO), or Auto.</summary>
    public CollectiveAlgorithm Algorithm { get; init; } = CollectiveAlgorithm.Auto;

    /// <summary>The group as device indices (null: devices 0..Ranks-1).</summary>
    public IReadOnlyList<int>? Group { get; init; }

    /// <summary>Element type the measurement used (nccl-tests default float).</summary>
    public CollectiveDataType DataType { get; init; } = CollectiveDataType.Fp32;

    /// <summary>
    /// For a row the model is known to miss: the error, (model - measured) / measured, that docs/validation.md
    /// reports for it. The test then pins the error to within <see cref="Tolerance"/> of this value, so the miss
    /// stays documented as it is and a change of the model that moves it must update the table. Null for the rows
    /// the model is claimed to match (error within <see cref="Tolerance"/> of 0).
    /// </summary>
    public double? KnownError { get; init; }

    /// <inheritdoc/>
    public override string ToString() => Id;
}
