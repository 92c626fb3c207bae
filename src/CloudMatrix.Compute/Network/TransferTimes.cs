namespace CloudMatrix.Compute.Network;

/// <summary>
/// Per-transfer simulated times (start, last byte sent, finish = last byte arrived) and per-link load from a network
/// model; each link direction's <see cref="LinkUsage.BytesPerSecond"/> is set.
/// </summary>
internal sealed record TransferTimes(double[] StartSeconds, double[] TransmitEndSeconds, double[] FinishSeconds, double TotalSeconds, IReadOnlyList<LinkUsage> Links);
