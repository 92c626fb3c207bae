using static CloudMatrix.Compute.Collectives.Algorithms.SchedulePrimitives;

namespace CloudMatrix.Compute.Collectives.Algorithms;

/// <summary>
/// <see cref="CollectiveAlgorithm.BidirectionalRing"/>: two rings in opposite directions, each on half of every part;
/// both directions of every link carry data. Two reductions run at once on a device, each at half its rate.
/// </summary>
internal sealed class BidirectionalRingAlgorithm : ICollectiveAlgorithm
{
    public CollectiveAlgorithm Id => CollectiveAlgorithm.BidirectionalRing;

    public bool Implements(CollectiveOperation operation) =>
        operation is CollectiveOperation.AllReduce or CollectiveOperation.ReduceScatter or CollectiveOperation.AllGather;

    public CollectiveSchedule Build(in ScheduleRequest r)
    {
        int n = r.Ranks;
        int chunks = r.Chunks;
        var b = new ScheduleBuilder(n, 2 * chunks);
        int[] all = Identity(n);
        switch (r.Operation)
        {
            case CollectiveOperation.AllReduce:
            {
                InitWork(b, n, r.Length);
                var (first, second) = Halves(Parts(0, r.Length, n));
                RingReduceScatter(b, [all, all], [first, second], [+1, -1], chunks, [0, chunks]);
                RingAllGather(b, [all, all], [first, second], [+1, -1], chunks, [0, chunks]);
                return b.Build(CollectiveOperation.AllReduce, Id, r.Length, Lengths(n, r.Length), FullOutputs(n, r.Length)) with { ReduceConcurrency = 2 };
            }

            case CollectiveOperation.ReduceScatter:
            {
                InitWork(b, n, r.Length);
                var parts = Parts(0, r.Length, n);
                var (first, second) = Halves(parts);
                RingReduceScatter(b, [all, all], [first, second], [+1, -1], chunks, [0, chunks]);
                var outputs = new (int, int)[n];
                for (int i = 0; i < n; i++) outputs[i] = parts[i];
                return b.Build(CollectiveOperation.ReduceScatter, Id, r.Length, Lengths(n, r.Length), outputs) with { ReduceConcurrency = 2 };
            }

            default:
            {
                int total = checked(n * r.Length);
                var parts = new (int, int)[n];
                for (int i = 0; i < n; i++)
                {
                    parts[i] = (i * r.Length, r.Length);
                    b.Add(i, i, StepKind.Copy, StepSource.Input, 0, i * r.Length, r.Length);
                }

                var (first, second) = Halves(parts);
                RingAllGather(b, [all, all], [first, second], [+1, -1], chunks, [0, chunks]);
                return b.Build(CollectiveOperation.AllGather, Id, r.Length, Lengths(n, total), FullOutputs(n, total));
            }
        }
    }
}
