using static CloudMatrix.Compute.Collectives.Algorithms.SchedulePrimitives;

namespace CloudMatrix.Compute.Collectives.Algorithms;

/// <summary>
/// <see cref="CollectiveAlgorithm.Ring"/>: all-reduce as a ring reduce-scatter then a ring all-gather (n-1 steps
/// each), reduce-scatter and all-gather as one pass, broadcast and reduce as a pipelined chain. With more than one
/// channel the buffer is split over that many rings, ring c visiting each node's members rotated by c, so that each
/// ring leaves and enters every node through a different device (and its NIC), as NCCL builds one ring per NIC.
/// </summary>
internal sealed class RingAlgorithm : ICollectiveAlgorithm
{
    public CollectiveAlgorithm Id => CollectiveAlgorithm.Ring;

    public bool Implements(CollectiveOperation operation) => operation is CollectiveOperation.AllReduce or CollectiveOperation.ReduceScatter
        or CollectiveOperation.AllGather or CollectiveOperation.Broadcast or CollectiveOperation.Reduce;

    public CollectiveSchedule Build(in ScheduleRequest r) => r.Operation switch
    {
        CollectiveOperation.AllReduce => AllReduce(r),
        CollectiveOperation.ReduceScatter => ReduceScatter(r),
        CollectiveOperation.AllGather => AllGather(r),
        CollectiveOperation.Broadcast => Broadcast(r),
        _ => Reduce(r),
    };

    /// <summary>
    /// The orders of <paramref name="channels"/> rings over the group: ring c walks the nodes in order of first
    /// appearance and each node's members rotated by c. One channel is the group order itself.
    /// </summary>
    internal static int[][] ChannelOrders(int n, IReadOnlyList<int> nodeOf, int channels)
    {
        if (channels <= 1) return [Identity(n)];
        var nodes = new List<List<int>>();
        var index = new Dictionary<int, int>();
        for (int i = 0; i < n; i++)
        {
            if (!index.TryGetValue(nodeOf[i], out int k))
            {
                index[nodeOf[i]] = k = nodes.Count;
                nodes.Add([]);
            }

            nodes[k].Add(i);
        }

        var orders = new int[channels][];
        for (int c = 0; c < channels; c++)
        {
            var order = new List<int>(n);
            foreach (List<int> members in nodes)
            {
                for (int j = 0; j < members.Count; j++) order.Add(members[(j + c) % members.Count]);
            }

            orders[c] = [.. order];
        }

        return orders;
    }

    // Part p of channel c: the c-th of `channels` sub-parts of the part that ring position p owns.
    private static (int, int)[][] ChannelSegments((int Offset, int Count)[] parts, int[][] orders)
    {
        int channels = orders.Length;
        var segments = new (int, int)[channels][];
        for (int c = 0; c < channels; c++)
        {
            segments[c] = new (int, int)[parts.Length];
            for (int p = 0; p < parts.Length; p++)
            {
                var (o, cnt) = parts[orders[c][p]];
                var (so, sc) = Part(cnt, channels, c);
                segments[c][p] = (o + so, sc);
            }
        }

        return segments;
    }

    private static int[] LaneBases(int channels, int chunks) => [.. Enumerable.Range(0, channels).Select(c => c * chunks)];

    private static CollectiveSchedule AllReduce(in ScheduleRequest r)
    {
        int n = r.Ranks;
        int[][] orders = ChannelOrders(n, r.NodeOf, r.Channels);
        var b = new ScheduleBuilder(n, orders.Length * r.Chunks);
        InitWork(b, n, r.Length);
        var segments = ChannelSegments(Parts(0, r.Length, n), orders);
        int[] directions = [+1];
        RingReduceScatter(b, orders, segments, directions, r.Chunks, LaneBases(orders.Length, r.Chunks));
        RingAllGather(b, orders, segments, directions, r.Chunks, LaneBases(orders.Length, r.Chunks));
        return b.Build(CollectiveOperation.AllReduce, CollectiveAlgorithm.Ring, r.Length, Lengths(n, r.Length), FullOutputs(n, r.Length));
    }

    private static CollectiveSchedule ReduceScatter(in ScheduleRequest r)
    {
        int n = r.Ranks;
        int[][] orders = ChannelOrders(n, r.NodeOf, r.Channels);
        var b = new ScheduleBuilder(n, orders.Length * r.Chunks);
        InitWork(b, n, r.Length);
        var parts = Parts(0, r.Length, n);
        RingReduceScatter(b, orders, ChannelSegments(parts, orders), [+1], r.Chunks, LaneBases(orders.Length, r.Chunks));
        var outputs = new (int, int)[n];
        for (int i = 0; i < n; i++) outputs[i] = parts[i];
        return b.Build(CollectiveOperation.ReduceScatter, CollectiveAlgorithm.Ring, r.Length, Lengths(n, r.Length), outputs);
    }

    private static CollectiveSchedule AllGather(in ScheduleRequest r)
    {
        int n = r.Ranks;
        int[][] orders = ChannelOrders(n, r.NodeOf, r.Channels);
        var b = new ScheduleBuilder(n, orders.Length * r.Chunks);
        int total = checked(n * r.Length);
        var parts = new (int, int)[n];
        for (int i = 0; i < n; i++)
        {
            parts[i] = (i * r.Length, r.Length);
            b.Add(i, i, StepKind.Copy, StepSource.Input, 0, i * r.Length, r.Length);
        }

        RingAllGather(b, orders, ChannelSegments(parts, orders), [+1], r.Chunks, LaneBases(orders.Length, r.Chunks));
        return b.Build(CollectiveOperation.AllGather, CollectiveAlgorithm.Ring, r.Length, Lengths(n, total), FullOutputs(n, total));
    }

    private static CollectiveSchedule Broadcast(in ScheduleRequest r)
    {
        int n = r.Ranks;
        var b = new ScheduleBuilder(n, r.Chunks);
        b.Add(r.Root, r.Root, StepKind.Copy, StepSource.Input, 0, 0, r.Length);
        int[] order = Rotated(n, r.Root, rootLast: false);
        for (int s = 0; s < n - 1; s++)
        {
            b.BeginRound();
            Chunked(b, order[s], order[s + 1], StepKind.Copy, StepSource.Work, 0, 0, r.Length, r.Chunks, 0);
            b.EndRound();
        }

        return b.Build(CollectiveOperation.Broadcast, CollectiveAlgorithm.Ring, r.Length, Lengths(n, r.Length), FullOutputs(n, r.Length));
    }

    private static CollectiveSchedule Reduce(in ScheduleRequest r)
    {
        int n = r.Ranks;
        var b = new ScheduleBuilder(n, r.Chunks);
        InitWork(b, n, r.Length);
        int[] chain = Rotated(n, r.Root, rootLast: true);
        for (int s = 0; s < n - 1; s++)
        {
            b.BeginRound();
            Chunked(b, chain[s], chain[s + 1], StepKind.Reduce, StepSource.Work, 0, 0, r.Length, r.Chunks, 0);
            b.EndRound();
        }

        return b.Build(CollectiveOperation.Reduce, CollectiveAlgorithm.Ring, r.Length, Lengths(n, r.Length), RootOutput(n, r.Root, r.Length));
    }
}
