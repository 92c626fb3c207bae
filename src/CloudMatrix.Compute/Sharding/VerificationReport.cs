namespace CloudMatrix.Compute.Sharding;

/// <summary>What <see cref="ShardedTensor.Verify"/> found.</summary>
/// <param name="Ok">True when no problem was found.</param>
/// <param name="ReplicaPairs">Pairs of positions that should hold identical blocks (aliased pairs included).</param>
/// <param name="MaxError">Largest absolute difference from the expected value (0 when none was given).</param>
/// <param name="Problems">What was wrong, one line each (at most about 16 value errors).</param>
public sealed record VerificationReport(bool Ok, int ReplicaPairs, double MaxError, IReadOnlyList<string> Problems);
