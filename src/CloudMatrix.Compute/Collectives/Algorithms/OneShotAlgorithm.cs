using static CloudMatrix.Compute.Collectives.Algorithms.SchedulePrimitives;

namespace CloudMatrix.Compute.Collectives.Algorithms;

/// <summary>
/// <see cref="CollectiveAlgorithm.OneShot"/>: all-reduce in one step; every rank sends its whole buffer to every
/// other and each sums all n in the canonical order (lowest latency, n-1 times a ring's traffic).
/// </summary>
internal sealed class OneShotAlgorithm : ICollectiveAlgorithm
{
    public CollectiveAlgorithm Id => CollectiveAlgorithm.OneShot;

    public bool Implements(CollectiveOperation operation) => operation == CollectiveOperation.AllReduce;

    public CollectiveSchedule Build(in ScheduleRequest r)
    {
        int n = r.Ranks;
        var b = new ScheduleBuilder(n, r.Chunks);
        b.BeginRound();
        for (int dst = 0; dst < n; dst++)
        {
            for (int i = 0; i < n; i++)
            {
                b.Add(i, dst, i == 0 ? StepKind.Copy : StepKind.Reduce, StepSource.Input, 0, 0, r.Length);
            }
        }

        b.EndRound();
        return b.Build(CollectiveOperation.AllReduce, Id, r.Length, Lengths(n, r.Length), FullOutputs(n, r.Length));
    }
}
