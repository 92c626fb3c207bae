using static CloudMatrix.Compute.Collectives.Algorithms.SchedulePrimitives;

namespace CloudMatrix.Compute.Collectives.Algorithms;

/// <summary>
/// <see cref="CollectiveAlgorithm.Hierarchical"/>: inside each node a ring reduce-scatter, across nodes a ring
/// all-reduce among the ranks that hold the same part (one ring per local rank, so every device's NIC or plane carries
/// its share, the bandwidth shape of NCCL's cross-node tree), then inside each node a ring all-gather. Pipelined over
/// chunks, the node stages and the cross-node stage overlap. Needs the same number of members on every node.
/// </summary>
internal sealed class HierarchicalAlgorithm : ICollectiveAlgorithm
{
    public CollectiveAlgorithm Id => CollectiveAlgorithm.Hierarchical;

    public bool Implements(CollectiveOperation operation) => operation == CollectiveOperation.AllReduce;

    public CollectiveSchedule Build(in ScheduleRequest r)
    {
        int n = r.Ranks;
        var b = new ScheduleBuilder(n, r.Chunks);
        InitWork(b, n, r.Length);
        HierarchicalAllReduce(b, n, r.Length, r.Chunks, r.NodeOf);
        return b.Build(CollectiveOperation.AllReduce, Id, r.Length, Lengths(n, r.Length), FullOutputs(n, r.Length));
    }

    private static void HierarchicalAllReduce(ScheduleBuilder b, int n, int length, int chunks, IReadOnlyList<int> nodeOf)
    {
        var nodes = new SortedDictionary<int, List<int>>();
        for (int r = 0; r < n; r++)
        {
            if (!nodes.TryGetValue(nodeOf[r], out var list)) nodes[nodeOf[r]] = list = [];
            list.Add(r);
        }

        int k = nodes.First().Value.Count;
        if (nodes.Values.Any(l => l.Count != k))
        {
            throw new ArgumentException(
                $"Hierarchical needs the same number of group members on every node; the group has {string.Join(", ", nodes.Select(kv => $"{kv.Value.Count} on node {kv.Key}"))}.",
                nameof(nodeOf));
        }

        var local = Parts(0, length, k);
        int[][] nodeMembers = [.. nodes.Values.Select(l => l.ToArray())];
        (int, int)[][] localParts = [.. nodeMembers.Select(_ => local)];
        RingReduceScatter(b, nodeMembers, localParts, [+1], chunks, [0]);
        int[][] planes = [.. Enumerable.Range(0, k).Select(j => nodeMembers.Select(m => m[j]).ToArray())];
        (int, int)[][] planeSegments = [.. Enumerable.Range(0, k).Select(j => Parts(local[j].Item1, local[j].Item2, nodeMembers.Length))];
        RingReduceScatter(b, planes, planeSegments, [+1], chunks, [0]);
        RingAllGather(b, planes, planeSegments, [+1], chunks, [0]);
        RingAllGather(b, nodeMembers, localParts, [+1], chunks, [0]);
    }
}
