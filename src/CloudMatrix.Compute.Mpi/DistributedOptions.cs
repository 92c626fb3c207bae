namespace CloudMatrix.Compute.Mpi;

/// <summary>Options of <see cref="DistributedMatMul.ExecuteDistributed"/>.</summary>
public sealed record DistributedOptions
{
    /// <summary>Output tiles (16 x 16) checked against FP64, as in <c>ExecuteOptions.SpotCheckTiles</c>: 0 checks every
    /// element when M·N·K ≤ 2^31 and 32 seeded tiles above. Each process checks the tiles of C it holds.</summary>
    public int SpotCheckTiles { get; init; }

    /// <summary>Seed of the spot-check positions (the same tiles as the single-process run with the same seed).</summary>
    public ulong Seed { get; init; } = 12345;

    /// <summary>Memory budget of each process in bytes; 0 for the single-process default: the library's host budget
    /// (<c>CloudMatrix.Compute.Memory.MemoryBudget.Bytes</c>, set with <c>CMX_MEMORY_BUDGET</c>) on the host backends,
    /// 75 % of the device's memory on a GPU.</summary>
    public long MemoryBudgetBytes { get; init; }

    /// <summary>Allow a node's devices to be placed in several processes (more processes than outer-axis slices).</summary>
    public bool AllowNodeSplit { get; init; }

    /// <summary>Receives each step's name as it starts (rank 0 only, say); null for none.</summary>
    public IProgress<string>? Progress { get; init; }

    /// <summary>The defaults.</summary>
    public static DistributedOptions Default { get; } = new();
}
