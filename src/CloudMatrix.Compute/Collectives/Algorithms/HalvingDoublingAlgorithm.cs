using static CloudMatrix.Compute.Collectives.Algorithms.SchedulePrimitives;

namespace CloudMatrix.Compute.Collectives.Algorithms;

/// <summary>
/// <see cref="CollectiveAlgorithm.HalvingDoubling"/>: recursive halving (reduce-scatter) and recursive doubling
/// (all-gather), Rabenseifner's all-reduce, and binomial trees for broadcast and reduce. A group that is not a power
/// of two folds its first 2q ranks in pairs (q = n - 2^⌊log2 n⌋) first and unfolds them at the end.
/// </summary>
internal sealed class HalvingDoublingAlgorithm : ICollectiveAlgorithm
{
    public CollectiveAlgorithm Id => CollectiveAlgorithm.HalvingDoubling;

    public bool Implements(CollectiveOperation operation) => operation is CollectiveOperation.AllReduce or CollectiveOperation.ReduceScatter
        or CollectiveOperation.AllGather or CollectiveOperation.Broadcast or CollectiveOperation.Reduce;

    public CollectiveSchedule Build(in ScheduleRequest r) => r.Operation switch
    {
        CollectiveOperation.AllReduce => AllReduce(r.Ranks, r.Length, r.Chunks),
        CollectiveOperation.ReduceScatter => ReduceScatter(r.Ranks, r.Length, r.Chunks),
        CollectiveOperation.AllGather => AllGather(r.Ranks, r.Length, r.Chunks),
        CollectiveOperation.Broadcast => Broadcast(r.Ranks, r.Length, r.Root, r.Chunks),
        _ => Reduce(r.Ranks, r.Length, r.Root, r.Chunks),
    };

    private CollectiveSchedule AllReduce(int n, int length, int chunks)
    {
        var b = new ScheduleBuilder(n, chunks);
        InitWork(b, n, length);
        int p = FloorPowerOfTwo(n);
        int q = n - p;
        Fold(b, q, StepKind.Reduce, 0, length, chunks);
        int[] active = ActiveMembers(n, q);
        var virtualParts = Parts(0, length, p);
        HalvingReduceScatter(b, active, virtualParts, chunks);
        DoublingAllGather(b, active, virtualParts, chunks);
        Unfold(b, q, 0, length, chunks);
        return b.Build(CollectiveOperation.AllReduce, Id, length, Lengths(n, length), FullOutputs(n, length));
    }

    private CollectiveSchedule ReduceScatter(int n, int length, int chunks)
    {
        var b = new ScheduleBuilder(n, chunks);
        var parts = Parts(0, length, n);
        InitWork(b, n, length);
        int p = FloorPowerOfTwo(n);
        int q = n - p;
        Fold(b, q, StepKind.Reduce, 0, length, chunks);
        HalvingReduceScatter(b, ActiveMembers(n, q), FoldedParts(parts, q, p), chunks);
        if (q > 0)
        {
            b.BeginRound();
            for (int i = 0; i < q; i++)
            {
                var (o, c) = parts[2 * i];
                Chunked(b, 2 * i + 1, 2 * i, StepKind.Copy, StepSource.Work, o, o, c, chunks, 0);
            }

            b.EndRound();
        }

        var outputs = new (int, int)[n];
        for (int i = 0; i < n; i++) outputs[i] = parts[i];
        return b.Build(CollectiveOperation.ReduceScatter, Id, length, Lengths(n, length), outputs);
    }

    private CollectiveSchedule AllGather(int n, int length, int chunks)
    {
        var b = new ScheduleBuilder(n, chunks);
        int total = checked(n * length);
        var parts = new (int, int)[n];
        for (int i = 0; i < n; i++)
        {
            parts[i] = (i * length, length);
            b.Add(i, i, StepKind.Copy, StepSource.Input, 0, i * length, length);
        }

        int p = FloorPowerOfTwo(n);
        int q = n - p;
        if (q > 0)
        {
            b.BeginRound();
            for (int i = 0; i < q; i++)
            {
                var (o, c) = parts[2 * i];
                Chunked(b, 2 * i, 2 * i + 1, StepKind.Copy, StepSource.Work, o, o, c, chunks, 0);
            }

            b.EndRound();
        }

        DoublingAllGather(b, ActiveMembers(n, q), FoldedParts(parts, q, p), chunks);
        Unfold(b, q, 0, total, chunks);
        return b.Build(CollectiveOperation.AllGather, Id, length, Lengths(n, total), FullOutputs(n, total));
    }

    private CollectiveSchedule Broadcast(int n, int length, int root, int chunks)
    {
        var b = new ScheduleBuilder(n, chunks);
        b.Add(root, root, StepKind.Copy, StepSource.Input, 0, 0, length);
        int[] order = Rotated(n, root, rootLast: false);
        // Binomial tree: at round k the ranks 0..2^k-1 (relative to the root) send to rel + 2^k.
        for (int d = 1; d < n; d *= 2)
        {
            b.BeginRound();
            for (int rel = 0; rel < d && rel + d < n; rel++)
            {
                Chunked(b, order[rel], order[rel + d], StepKind.Copy, StepSource.Work, 0, 0, length, chunks, 0);
            }

            b.EndRound();
        }

        return b.Build(CollectiveOperation.Broadcast, Id, length, Lengths(n, length), FullOutputs(n, length));
    }

    private CollectiveSchedule Reduce(int n, int length, int root, int chunks)
    {
        var b = new ScheduleBuilder(n, chunks);
        InitWork(b, n, length);
        int[] order = Rotated(n, root, rootLast: false);
        for (int d = 1; d < n; d *= 2)
        {
            b.BeginRound();
            for (int rel = d; rel < n; rel += 2 * d)
            {
                Chunked(b, order[rel], order[rel - d], StepKind.Reduce, StepSource.Work, 0, 0, length, chunks, 0, rendezvous: true);
            }

            b.EndRound();
        }

        return b.Build(CollectiveOperation.Reduce, Id, length, Lengths(n, length), RootOutput(n, root, length));
    }
}
