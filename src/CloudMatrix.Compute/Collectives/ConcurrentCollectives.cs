namespace CloudMatrix.Compute.Collectives;

/// <summary>
/// The transfers of a collective's schedule on a group of system devices, so that several collectives that run at
/// the same time can be handed to the network model as one dependency graph (they contend where they share links).
/// A transfer waits for its dependencies plus the reductions its source device must finish first (as
/// <see cref="ScheduleTimer"/> charges them).
/// </summary>
internal static class ConcurrentCollectives
{
    public static List<TimedTransfer> Transfers(CollectiveFabric fabric, CollectiveOperation operation, CollectiveAlgorithm algorithm, int[] devices,
        long elementsPerRank, int elementBytes, int root = 0)
    {
        int n = devices.Length;
        if (n < 2 || elementsPerRank == 0) return [];
        double size = Collectives.SizeBytes(operation, n, elementsPerRank, elementBytes);
        int chunks = algorithm == CollectiveAlgorithm.DoubleBinaryTree
            ? Collectives.TreeChunks(fabric, devices, size)
            : Collectives.ResolveChunks(operation, algorithm, size, 0);
        int[] nodes = [.. devices.Select(d => fabric.NodeOfDevice[d])];
        CollectiveSchedule schedule = ScheduleFactory.Create(operation, algorithm, n, checked((int)elementsPerRank), root, chunks, nodes);
        ScheduleStep[] steps = schedule.Steps;
        var reduce = new double[steps.Length];
        for (int i = 0; i < steps.Length; i++)
        {
            reduce[i] = steps[i].Kind == StepKind.Reduce && steps[i].Count > 0
                ? fabric.Reduce.Seconds(steps[i].Count, elementBytes) * schedule.ReduceConcurrency
                : 0;
        }

        var result = new List<TimedTransfer>(steps.Length);
        for (int i = 0; i < steps.Length; i++)
        {
            ref readonly ScheduleStep s = ref steps[i];
            ReadOnlySpan<int> deps = schedule.DependenciesOf(s);
            double delay = 0;
            foreach (int d in deps)
            {
                if (steps[d].Destination == s.Source) delay += reduce[d];
            }

            double bytes = s.IsTransfer ? (double)s.Count * elementBytes : 0;
            result.Add(new TimedTransfer(devices[s.Source], devices[s.Destination], bytes, deps.ToArray(), delay));
        }

        return result;
    }

    /// <summary>Simulates several transfer lists at once (dependency indices are local to each list).</summary>
    public static TransferTimes Simulate(CollectiveFabric fabric, IReadOnlyList<List<TimedTransfer>> lists)
    {
        var all = new List<TimedTransfer>(lists.Sum(l => l.Count));
        foreach (var list in lists)
        {
            int offset = all.Count;
            foreach (TimedTransfer t in list)
            {
                all.Add(offset == 0 ? t : t with { DependsOn = t.DependsOn.Select(d => d + offset).ToArray() });
            }
        }

        return fabric.Network.Simulate(all);
    }
}
