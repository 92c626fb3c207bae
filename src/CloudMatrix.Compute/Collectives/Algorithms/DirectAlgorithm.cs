using static CloudMatrix.Compute.Collectives.Algorithms.SchedulePrimitives;

namespace CloudMatrix.Compute.Collectives.Algorithms;

/// <summary>
/// <see cref="CollectiveAlgorithm.Direct"/>: every rank exchanges with every other in one step (natural on a
/// non-blocking Clos). All-reduce is two-shot (direct reduce-scatter, then direct all-gather); broadcast scatters from
/// the root then all-gathers (van de Geijn); reduce is a direct reduce-scatter then a gather to the root. Reductions
/// accumulate in the canonical order, ranks 0..n-1 from the original operands. Also the point-to-point transfer.
/// </summary>
internal sealed class DirectAlgorithm : ICollectiveAlgorithm
{
    public CollectiveAlgorithm Id => CollectiveAlgorithm.Direct;

    public bool Implements(CollectiveOperation operation) => Enum.IsDefined(operation);

    public CollectiveSchedule Build(in ScheduleRequest r)
    {
        int n = r.Ranks;
        int length = r.Length;
        var parts = Parts(0, length, n);
        switch (r.Operation)
        {
            case CollectiveOperation.AllReduce:
            {
                var b = new ScheduleBuilder(n, r.Chunks);
                DirectReduceScatter(b, n, parts);
                DirectAllGather(b, n, parts);
                return b.Build(CollectiveOperation.AllReduce, Id, length, Lengths(n, length), FullOutputs(n, length));
            }

            case CollectiveOperation.ReduceScatter:
            {
                var b = new ScheduleBuilder(n, r.Chunks);
                DirectReduceScatter(b, n, parts);
                var outputs = new (int, int)[n];
                for (int i = 0; i < n; i++) outputs[i] = parts[i];
                return b.Build(CollectiveOperation.ReduceScatter, Id, length, Lengths(n, length), outputs);
            }

            case CollectiveOperation.AllGather:
            {
                var b = new ScheduleBuilder(n, r.Chunks);
                int total = checked(n * length);
                var own = new (int, int)[n];
                for (int i = 0; i < n; i++)
                {
                    own[i] = (i * length, length);
                    b.Add(i, i, StepKind.Copy, StepSource.Input, 0, i * length, length);
                }

                DirectAllGather(b, n, own);
                return b.Build(CollectiveOperation.AllGather, Id, length, Lengths(n, total), FullOutputs(n, total));
            }

            case CollectiveOperation.Broadcast:
            {
                var b = new ScheduleBuilder(n, r.Chunks);
                b.Add(r.Root, r.Root, StepKind.Copy, StepSource.Input, 0, 0, length);
                b.BeginRound();
                for (int c = 0; c < n; c++)
                {
                    if (c != r.Root) b.Add(r.Root, c, StepKind.Copy, StepSource.Work, parts[c].Item1, parts[c].Item1, parts[c].Item2);
                }

                b.EndRound();
                DirectAllGather(b, n, parts);
                return b.Build(CollectiveOperation.Broadcast, Id, length, Lengths(n, length), FullOutputs(n, length));
            }

            case CollectiveOperation.Reduce:
            {
                var b = new ScheduleBuilder(n, r.Chunks);
                DirectReduceScatter(b, n, parts);
                for (int c = 0; c < n; c++) b.Join(c);
                b.BeginRound();
                for (int c = 0; c < n; c++)
                {
                    if (c != r.Root) b.Add(c, r.Root, StepKind.Copy, StepSource.Work, parts[c].Item1, parts[c].Item1, parts[c].Item2);
                }

                b.EndRound();
                return b.Build(CollectiveOperation.Reduce, Id, length, Lengths(n, length), RootOutput(n, r.Root, length));
            }

            case CollectiveOperation.AllToAll:
                return AllToAll(n, length, pairwise: false);
            default:
                return SendReceive(n, length, r.Chunks);
        }
    }

    private static CollectiveSchedule SendReceive(int n, int length, int chunks)
    {
        if (n != 2)
        {
            throw new ArgumentException($"SendReceive needs a group of exactly two devices (source, destination); the group has {n}.", nameof(n));
        }

        var b = new ScheduleBuilder(n, chunks);
        Chunked(b, 0, 1, StepKind.Copy, StepSource.Input, 0, 0, length, chunks, 0);
        return b.Build(CollectiveOperation.SendReceive, CollectiveAlgorithm.Direct, length, Lengths(n, length), [(0, -1), (0, length)]);
    }

    /// <summary>All-to-all in one round (direct) or in n rounds, rank r sending to r+s at round s (pairwise).</summary>
    internal static CollectiveSchedule AllToAll(int n, int length, bool pairwise)
    {
        var b = new ScheduleBuilder(n);
        var parts = Parts(0, length, n);
        var work = new int[n];
        var outputs = new (int, int)[n];
        for (int j = 0; j < n; j++)
        {
            work[j] = checked(n * parts[j].Item2);
            outputs[j] = (0, work[j]);
        }

        if (!pairwise)
        {
            b.BeginRound();
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    b.Add(i, j, StepKind.Copy, StepSource.Input, parts[j].Item1, i * parts[j].Item2, parts[j].Item2);
                }
            }

            b.EndRound();
        }
        else
        {
            for (int s = 0; s < n; s++)
            {
                b.BeginRound();
                for (int i = 0; i < n; i++)
                {
                    int j = (i + s) % n;
                    b.Add(i, j, StepKind.Copy, StepSource.Input, parts[j].Item1, i * parts[j].Item2, parts[j].Item2);
                }

                b.EndRound();
            }
        }

        return b.Build(CollectiveOperation.AllToAll, pairwise ? CollectiveAlgorithm.Pairwise : CollectiveAlgorithm.Direct, length, work, outputs);
    }
}
