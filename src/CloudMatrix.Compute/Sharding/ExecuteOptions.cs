namespace CloudMatrix.Compute.Sharding;

/// <summary>Options of <see cref="MatMulPlan.Execute"/>.</summary>
public sealed record ExecuteOptions
{
    /// <summary>
    /// Output tiles (16 x 16) checked against the FP64 reference at seeded positions; 0 (default) checks every element
    /// when M·N·K ≤ 2^31 and 32 tiles above. A count whose tiles would cover C checks every element instead. At least 0.
    /// </summary>
    public int SpotCheckTiles { get; init; }

    /// <summary>Seed of the spot-check positions.</summary>
    public ulong Seed { get; init; } = 12345;

    /// <summary>Memory budget of the real run in bytes; 0 for the library's host budget (<c>CMX_MEMORY_BUDGET</c>) on the host backends, 75 % of a GPU's memory. At least 0.</summary>
    public long MemoryBudgetBytes { get; init; }

    /// <summary>
    /// Receives a line as each phase starts, for a progress display: <see cref="DistributePhase"/>, then each plan
    /// step's name, then <see cref="VerifyPhase"/>; null for none.
    /// </summary>
    public IProgress<string>? Progress { get; init; }

    /// <summary>What <see cref="Progress"/> receives before A and B are split into their shards on the backend.</summary>
    public const string DistributePhase = "distributing A and B";

    /// <summary>What <see cref="Progress"/> receives before C is checked against the FP64 reference.</summary>
    public const string VerifyPhase = "verifying C against FP64";

    /// <summary>The defaults.</summary>
    public static ExecuteOptions Default { get; } = new();
}
