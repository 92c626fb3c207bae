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
            // The group comes from the public call's options (CollectiveOptions.Group): name that, not this method's parameter.
#pragma warning disable CA2208
            throw new ArgumentException(
                $"Hierarchical needs the same number of group members on every node; the group has {string.Join(", ", nodes.Select(kv => $"{kv.Value.Count} on node {kv.Key}"))}. Valid: a group (CollectiveOptions.Group) with as many devices on each node it spans, or another algorithm.",
                "options");
#pragma warning restore CA2208
        }

        var local = Parts(0, length, k);
        int[][] nodeMembers = [.. nodes.Values.Select(l => l.ToArray())];
        (int, int)[][] localParts = [.. nodeMembers.Select(_ => local)];
        int[][] planes = [.. Enumerable.Range(0, k).Select(j => nodeMembers.Select(m => m[j]).ToArray())];
        (int, int)[][] planeSegments = [.. Enumerable.Range(0, k).Select(j => Parts(local[j].Item1, local[j].Item2, nodeMembers.Length))];
        if (chunks == 1)
        {
            RingReduceScatter(b, nodeMembers, localParts, [+1], chunks, [0]);
            RingReduceScatter(b, planes, planeSegments, [+1], chunks, [0]);
            RingAllGather(b, planes, planeSegments, [+1], chunks, [0]);
            RingAllGather(b, nodeMembers, localParts, [+1], chunks, [0]);
            return;
        }

        // Pipelined: chunk j runs its stages (node reduce-scatter steps, cross-node steps, node all-gather steps) one per
        // round from round j on, so every round is a wavefront in which chunk j+1's node stage overlaps chunk j's
        // cross-node stage, as the node chain and the network overlap in NCCL's tree.
        int m = nodeMembers.Length;
        var stages = new List<(int[][] Rings, (int, int)[][] Segments, int Step, bool Reduce)>();
        for (int s = 0; s < k - 1; s++) stages.Add((nodeMembers, localParts, s, true));
        for (int s = 0; s < m - 1; s++) stages.Add((planes, planeSegments, s, true));
        for (int s = 0; s < m - 1; s++) stages.Add((planes, planeSegments, s, false));
        for (int s = 0; s < k - 1; s++) stages.Add((nodeMembers, localParts, s, false));
        for (int round = 0; round < chunks + stages.Count - 1; round++)
        {
            b.BeginRound();
            for (int j = 0; j < chunks; j++)
            {
                int stage = round - j;
                if (stage < 0 || stage >= stages.Count) continue;
                var (rings, segments, step, reduce) = stages[stage];
                RingStep(b, rings, segments, step, reduce, chunks, j);
            }

            b.EndRound();
        }
    }

    // One step of a ring pass (+1 direction) on chunk j of every segment, on lane j: step s of a reduce-scatter sends
    // segment i-(s+1), of an all-gather segment i-s, as the whole passes do.
    private static void RingStep(ScheduleBuilder b, int[][] rings, (int Offset, int Count)[][] segments, int step, bool reduce, int chunks, int j)
    {
        for (int g = 0; g < rings.Length; g++)
        {
            int[] members = rings[g];
            int m = members.Length;
            for (int i = 0; i < m; i++)
            {
                var (o, c) = segments[g][Mod(i - (reduce ? step + 1 : step), m)];
                var (so, sc) = Part(c, chunks, j);
                b.Add(members[i], members[Mod(i + 1, m)], reduce ? StepKind.Reduce : StepKind.Copy, StepSource.Work, o + so, o + so, sc, j);
            }
        }
    }
}
