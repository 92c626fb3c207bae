using CloudMatrix.Compute.Collectives.Algorithms;

namespace CloudMatrix.Compute.Collectives;

/// <summary>
/// Builds every (operation, algorithm) pair as a <see cref="CollectiveSchedule"/> over group positions 0..n-1, by
/// looking the algorithm up in <see cref="CollectiveAlgorithmRegistry"/> (one file per algorithm under
/// <c>Algorithms/</c>). Parts of a buffer follow <see cref="Collective.Partition"/>.
/// </summary>
internal static class ScheduleFactory
{
    /// <summary>The algorithms each operation implements on any system (in-switch reduction needs a system that does it).</summary>
    public static IReadOnlyList<CollectiveAlgorithm> Supported(CollectiveOperation operation) =>
        [.. CollectiveAlgorithmRegistry.Supported(operation).Where(a => a != CollectiveAlgorithm.InSwitch)];

    /// <summary>
    /// Builds the schedule. <paramref name="length"/> is each rank's input length in elements;
    /// <paramref name="nodeOf"/> gives each group position's node (used by <see cref="CollectiveAlgorithm.Hierarchical"/>
    /// and by multi-channel rings).
    /// </summary>
    public static CollectiveSchedule Create(CollectiveOperation operation, CollectiveAlgorithm algorithm, int ranks, int length,
        int root, int chunks, IReadOnlyList<int> nodeOf, int channels = 1, bool timing = false)
    {
        ICollectiveAlgorithm implementation = Check(operation, algorithm);
        var request = new ScheduleRequest(operation, ranks, length, root, Math.Max(1, chunks), nodeOf, Math.Max(1, channels));
        return timing ? implementation.BuildTiming(request) : implementation.Build(request);
    }

    private static ICollectiveAlgorithm Check(CollectiveOperation operation, CollectiveAlgorithm algorithm)
    {
        IReadOnlyList<CollectiveAlgorithm> supported = CollectiveAlgorithmRegistry.Supported(operation);
        if (!supported.Contains(algorithm))
        {
            throw new ArgumentException(
                $"Algorithm {algorithm} does not implement {operation}; valid: {string.Join(", ", supported)} or Auto.",
                nameof(algorithm));
        }

        return CollectiveAlgorithmRegistry.Get(algorithm);
    }

    public static (int Offset, int Count) Part(int length, int parts, int index) => SchedulePrimitives.Part(length, parts, index);
}
