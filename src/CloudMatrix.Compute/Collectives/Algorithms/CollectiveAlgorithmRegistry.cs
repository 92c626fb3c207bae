namespace CloudMatrix.Compute.Collectives.Algorithms;

/// <summary>
/// Every collective algorithm, one file each, looked up by <see cref="CollectiveAlgorithm"/>. Adding an algorithm is
/// adding a class and a line here; the facade (<see cref="Collective"/>) and the timer do not change.
/// </summary>
internal static class CollectiveAlgorithmRegistry
{
    // In enum order: Auto lists candidates in this order.
    private static readonly ICollectiveAlgorithm[] All =
    [
        new RingAlgorithm(),
        new BidirectionalRingAlgorithm(),
        new HalvingDoublingAlgorithm(),
        new DirectAlgorithm(),
        new OneShotAlgorithm(),
        new DoubleBinaryTreeAlgorithm(),
        new HierarchicalAlgorithm(),
        new PairwiseAlgorithm(),
        new InSwitchAlgorithm(),
    ];

    private static readonly Dictionary<CollectiveOperation, CollectiveAlgorithm[]> ByOperation =
        Enum.GetValues<CollectiveOperation>().ToDictionary(op => op, op => All.Where(a => a.Implements(op)).Select(a => a.Id).ToArray());

    /// <summary>The algorithm registered for <paramref name="algorithm"/>.</summary>
    /// <exception cref="ArgumentException">No algorithm is registered for it (Auto is not an algorithm).</exception>
    public static ICollectiveAlgorithm Get(CollectiveAlgorithm algorithm) =>
        All.FirstOrDefault(a => a.Id == algorithm)
        ?? throw new ArgumentException($"No algorithm is registered for {algorithm}.", nameof(algorithm));

    /// <summary>The algorithms that implement <paramref name="operation"/>, in enum order.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="operation"/> is not a defined value.</exception>
    public static IReadOnlyList<CollectiveAlgorithm> Supported(CollectiveOperation operation) =>
        ByOperation.TryGetValue(operation, out CollectiveAlgorithm[]? list)
            ? list
            : throw new ArgumentOutOfRangeException(nameof(operation), operation, "Unknown collective operation.");
}
