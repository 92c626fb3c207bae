using CloudMatrix.Compute.Network;

namespace CloudMatrix.Compute.Collectives;

/// <summary>
/// The timing plan of a collective on a group of system devices, built exactly as <c>Collective.Estimate</c>
/// builds it (chunks, channels, the protocol variant's byte scale and step latencies, the cached size-independent
/// schedule), so that several collectives that run at the same time can be handed to the network model as one
/// dependency graph and contend where they share links.
/// </summary>
internal static class ConcurrentCollectives
{
    public static (ScheduleTimer Timer, double Scale)? Timer(CollectiveFabric variant, CollectiveOperation operation, CollectiveAlgorithm algorithm, int[] devices,
        long elementsPerRank, int elementBytes, int root = 0)
    {
        int n = devices.Length;
        if (n < 2 || elementsPerRank == 0) return null;
        double size = Collective.SizeBytes(operation, n, elementsPerRank, elementBytes);
        bool spans = devices.Select(d => variant.SupernodeOfDevice[d]).Distinct().Skip(1).Any();
        int chunks = algorithm switch
        {
            CollectiveAlgorithm.DoubleBinaryTree => Collective.TreeChunks(variant, devices, size),
            CollectiveAlgorithm.Hierarchical when spans => Collective.HierarchicalChunks(variant, devices, size),
            _ => Collective.ResolveChunks(operation, algorithm, size, 0),
        };
        int channels = algorithm == CollectiveAlgorithm.Ring ? Collective.ResolveChannels(variant, devices, 0) : 1;
        int length = Collective.TemplateLength(n, chunks * channels);
        int[] nodes = [.. devices.Select(d => variant.NodeOfDevice[d])];
        ScheduleTimer timer = variant.Plan($"{operation}|{algorithm}|{root}|{chunks}|{channels}|{elementBytes}|{elementBytes}|{string.Join(",", devices)}",
            () => new ScheduleTimer(ScheduleFactory.Create(operation, algorithm, n, length, root, chunks, nodes, channels, timing: true), devices, elementBytes, elementBytes, variant));
        return (timer, (double)elementsPerRank / length * Collective.InSwitchWireFactor(variant, algorithm, n, size));
    }

    /// <summary>Simulates several transfer lists at once (dependency indices are local to each list).</summary>
    public static TransferTimes Simulate(CollectiveFabric fabric, IReadOnlyList<TimedTransfer[]> lists)
    {
        var all = new List<TimedTransfer>(lists.Sum(l => l.Length));
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
