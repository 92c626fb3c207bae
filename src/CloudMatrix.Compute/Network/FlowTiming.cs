namespace CloudMatrix.Compute.Network;

/// <summary>When one flow ran, in simulated seconds (a value type: results of millions of flows stay compact).</summary>
/// <param name="Id">The flow's id.</param>
/// <param name="StartSeconds">When its first byte left the source.</param>
/// <param name="TransmitEndSeconds">When its last byte left the source (start plus bytes over its max-min rates).</param>
/// <param name="FinishSeconds">When its last byte arrived: <paramref name="TransmitEndSeconds"/> plus the path latency.</param>
/// <param name="PathLatencySeconds">Sum of the hop latencies of its slowest path; 0 for a local copy.</param>
/// <param name="Tag">The flow's tag.</param>
public readonly record struct FlowTiming(int Id, double StartSeconds, double TransmitEndSeconds, double FinishSeconds, double PathLatencySeconds, string? Tag);
