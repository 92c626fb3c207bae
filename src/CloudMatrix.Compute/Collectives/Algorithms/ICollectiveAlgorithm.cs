namespace CloudMatrix.Compute.Collectives.Algorithms;

/// <summary>What an algorithm needs to build one schedule: the operation, the group's shape and the split.</summary>
/// <param name="Operation">The collective.</param>
/// <param name="Ranks">Group size n.</param>
/// <param name="Length">Each rank's input length, elements.</param>
/// <param name="Root">Group position of the root (broadcast, reduce).</param>
/// <param name="Chunks">Pipeline chunks per transfer, ≥ 1.</param>
/// <param name="NodeOf">Each group position's node.</param>
/// <param name="Channels">Parallel channels (rings over different orders, as NCCL runs one per NIC), ≥ 1.</param>
internal readonly record struct ScheduleRequest(CollectiveOperation Operation, int Ranks, int Length, int Root, int Chunks, IReadOnlyList<int> NodeOf, int Channels = 1);

/// <summary>
/// One collective algorithm (as NCCL's per-operation device files and ASTRA-sim's <c>Ring.cc</c>): the operations it
/// implements and, for each, the schedule of steps that both the executor (real data) and the timer (simulated
/// network) walk. Registered in <see cref="CollectiveAlgorithmRegistry"/>.
/// </summary>
internal interface ICollectiveAlgorithm
{
    /// <summary>The public name of the algorithm.</summary>
    CollectiveAlgorithm Id { get; }

    /// <summary>Whether it implements <paramref name="operation"/>.</summary>
    bool Implements(CollectiveOperation operation);

    /// <summary>The schedule over group positions 0..n-1 (only called for an implemented operation).</summary>
    CollectiveSchedule Build(in ScheduleRequest request);

    /// <summary>
    /// The schedule the network model times; the executed one unless the algorithm moves data the executor does not
    /// see (an in-switch reduction's traffic into and out of the switch).
    /// </summary>
    CollectiveSchedule BuildTiming(in ScheduleRequest request) => Build(request);
}
