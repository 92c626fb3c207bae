namespace CloudMatrix.Compute.Sharding;

/// <summary>A candidate the planner could not use, and why.</summary>
/// <param name="Strategy">Strategy name.</param>
/// <param name="Mesh">The mesh it was tried on.</param>
/// <param name="Reason">Why it was refused (does not divide, does not fit HBM, needs another mesh shape).</param>
public sealed record RefusedCandidate(string Strategy, string Mesh, string Reason);
