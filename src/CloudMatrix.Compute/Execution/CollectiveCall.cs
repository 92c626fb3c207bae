using CloudMatrix.Compute.Collectives;

namespace CloudMatrix.Compute.Execution;

/// <summary>
/// One collective over every group of a set of mesh positions, defined by the blocks it reads and writes: each
/// destination block is filled from the source blocks of its group that overlap it (<see cref="CollectiveOperation.AllGather"/>,
/// <see cref="CollectiveOperation.AllToAll"/>, <see cref="CollectiveOperation.Broadcast"/> from <see cref="Roots"/>,
/// <see cref="CollectiveOperation.SendReceive"/> along <see cref="Pairs"/>), or with the sum of the group's
/// equal-extent source blocks (<see cref="CollectiveOperation.AllReduce"/>, <see cref="CollectiveOperation.ReduceScatter"/>),
/// added in the order <see cref="Algorithm"/> implies.
/// </summary>
/// <param name="Operation">The collective.</param>
/// <param name="Groups">Groups of mesh positions (empty for <see cref="CollectiveOperation.SendReceive"/>).</param>
/// <param name="Source">Slot read.</param>
/// <param name="Destination">Slot written.</param>
/// <param name="Algorithm">The algorithm timed and, for reductions, the order of the sums (Ring or OneShot/Direct); never Auto once planned.</param>
/// <param name="Roots">For a broadcast: the root position of each group.</param>
/// <param name="Pairs">For send/receive (ppermute): (from, to) mesh positions.</param>
public sealed record CollectiveCall(
    CollectiveOperation Operation,
    IReadOnlyList<int[]> Groups,
    string Source,
    string Destination,
    CollectiveAlgorithm Algorithm,
    IReadOnlyList<int>? Roots = null,
    IReadOnlyList<(int From, int To)>? Pairs = null);
