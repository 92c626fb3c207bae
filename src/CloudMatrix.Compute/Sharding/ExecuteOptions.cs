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

    /// <summary>Receives each step's name as it starts (for a progress display); null for none.</summary>
    public IProgress<string>? Progress { get; init; }

    /// <summary>The defaults.</summary>
    public static ExecuteOptions Default { get; } = new();
}
