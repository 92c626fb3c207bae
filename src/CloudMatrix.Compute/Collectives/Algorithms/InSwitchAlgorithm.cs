using static CloudMatrix.Compute.Collectives.Algorithms.SchedulePrimitives;

namespace CloudMatrix.Compute.Collectives.Algorithms;

/// <summary>
/// <see cref="CollectiveAlgorithm.InSwitch"/>: all-reduce reduced inside the switches (NVLink SHARP / NVLS, SHARP):
/// each device pushes its buffer into the switch, which sums and multicasts the result back. Numerics: the switch
/// accumulates in FP32 in the canonical order, ranks 0..n-1, one rounding to the output type (as
/// <see cref="CollectiveAlgorithm.Direct"/>, whose schedule it executes). Timing: every device port carries
/// (n+1)/n·S each way (S/n of every slice pulled reduced plus the pushed buffer; its own slice multicast plus the
/// result), spread over all peers so that a non-blocking switch sees exactly that load.
/// </summary>
internal sealed class InSwitchAlgorithm : ICollectiveAlgorithm
{
    public CollectiveAlgorithm Id => CollectiveAlgorithm.InSwitch;

    public bool Implements(CollectiveOperation operation) => operation == CollectiveOperation.AllReduce;

    public CollectiveSchedule Build(in ScheduleRequest r)
    {
        int n = r.Ranks;
        var parts = Parts(0, r.Length, n);
        var b = new ScheduleBuilder(n, 1);
        DirectReduceScatter(b, n, parts);
        DirectAllGather(b, n, parts);
        return b.Build(CollectiveOperation.AllReduce, Id, r.Length, Lengths(n, r.Length), FullOutputs(n, r.Length));
    }

    public CollectiveSchedule BuildTiming(in ScheduleRequest r)
    {
        int n = r.Ranks;
        if (n == 1) return Build(r);
        var parts = Parts(0, r.Length, n);
        var b = new ScheduleBuilder(n, 1);
        b.BeginRound();
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                if (i != j) b.Add(i, j, StepKind.Copy, StepSource.Input, parts[j].Item1, parts[j].Item1, parts[j].Item2);
            }
        }

        b.EndRound();
        // The exchange above loads each port with (n-1)/n·S; the switch's real load is (n+1)/n·S.
        return b.Build(CollectiveOperation.AllReduce, Id, r.Length, Lengths(n, r.Length), FullOutputs(n, r.Length)) with
        {
            WireScale = (n + 1.0) / (n - 1.0),
        };
    }
}
