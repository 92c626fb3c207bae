namespace CloudMatrix.Compute.Sharding;

/// <summary>Host (this machine's) time of a real run, seconds; not the simulated time.</summary>
/// <param name="TotalSeconds">Distribute, execute and verify.</param>
/// <param name="ExecuteSeconds">The plan's steps on the backend (GEMMs and collectives).</param>
/// <param name="VerifySeconds">The FP64 comparison.</param>
/// <param name="Backend">Name of the backend.</param>
public sealed record HostTimes(double TotalSeconds, double ExecuteSeconds, double VerifySeconds, string Backend);
