namespace CloudMatrix.Compute.Collectives;

/// <summary>
/// One transfer handed to a network model: <see cref="Bytes"/> from device <see cref="Source"/> to device
/// <see cref="Destination"/> (system device indices), starting <see cref="DelaySeconds"/> of simulated time after
/// the last of <see cref="DependsOn"/> (indices into the same list) has finished.
/// </summary>
internal readonly record struct TimedTransfer(int Source, int Destination, double Bytes, int[] DependsOn, double DelaySeconds);

/// <summary>
/// Per-transfer simulated times (start, last byte sent, finish = last byte arrived) and per-link load from a network
/// model.
/// </summary>
internal sealed record TransferTimes(double[] StartSeconds, double[] TransmitEndSeconds, double[] FinishSeconds, double TotalSeconds, IReadOnlyList<LinkLoad> Links);

/// <summary>Load on one link over a simulation: bytes carried, seconds with at least one transfer, capacity (B/s).</summary>
internal readonly record struct LinkLoad(string Name, double Bytes, double BusySeconds, double BytesPerSecond);

/// <summary>A network model that times a dependency graph of transfers (simulated seconds).</summary>
internal interface ITransferSimulator
{
    /// <summary>Number of devices the model connects.</summary>
    int DeviceCount { get; }

    TransferTimes Simulate(IReadOnlyList<TimedTransfer> transfers);
}
