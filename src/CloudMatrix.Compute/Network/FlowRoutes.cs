using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Network;

/// <summary>
/// Every flow's route: the resources (bundles) it crosses with the fraction of its rate each carries, stored flow by
/// flow (compressed rows), and its path latency.
/// </summary>
internal sealed class FlowRoutes
{
    private FlowRoutes(int[] start, int[] end, int count, int[] resource, double[] coefficient, int[] flow, double[] latency)
    {
        Start = start;
        End = end;
        Count = count;
        Resource = resource;
        Coefficient = coefficient;
        Flow = flow;
        Latency = latency;
    }

    /// <summary>First entry of each flow.</summary>
    public int[] Start { get; }

    /// <summary>One past the last entry of each flow (equal to <see cref="Start"/> for a local copy).</summary>
    public int[] End { get; }

    /// <summary>Entries in all.</summary>
    public int Count { get; }

    /// <summary>Bundle of each entry.</summary>
    public int[] Resource { get; }

    /// <summary>Fraction of its flow's rate each entry carries.</summary>
    public double[] Coefficient { get; }

    /// <summary>Flow of each entry.</summary>
    public int[] Flow { get; }

    /// <summary>Path latency of each flow, seconds.</summary>
    public double[] Latency { get; }

    /// <summary>Routes every flow, destination by destination (one breadth-first search each).</summary>
    /// <exception cref="NetworkUnreachableException">A flow's two devices have no working path.</exception>
    public static FlowRoutes Build(FabricGraph g, IReadOnlyList<Flow> flows)
    {
        int n = flows.Count;
        SystemSpec s = g.System;
        var router = new Router(g);
        var order = new int[n];
        var keys = new long[n];
        for (int i = 0; i < n; i++)
        {
            Flow f = flows[i];
            bool scaleOut = s.Devices[f.Source].SupernodeIndex != s.Devices[f.Destination].SupernodeIndex;
            keys[i] = ((long)f.Destination << 1) | (scaleOut ? 1L : 0L);
            order[i] = i;
        }

        Array.Sort(keys, order);
        var latency = new double[n];
        var start = new int[n];
        var end = new int[n];
        int[] bundles = new int[Math.Max(16, 4 * n)];
        double[] fractions = new double[bundles.Length];
        int count = 0;
        foreach (int i in order)
        {
            Flow f = flows[i];
            start[i] = end[i] = count;
            if (f.Source == f.Destination)
            {
                continue;
            }

            bool scaleOut = s.Devices[f.Source].SupernodeIndex != s.Devices[f.Destination].SupernodeIndex;
            LinkNetwork network = scaleOut ? LinkNetwork.ScaleOut : LinkNetwork.ScaleUp;
            int src = g.GroupOf[f.Source], dst = g.GroupOf[f.Destination];
            router.SetDestination(dst, network);
            if (!router.Reaches(src))
            {
                throw new NetworkUnreachableException(f.Id, s.Devices[f.Source].Id, s.Devices[f.Destination].Id,
                    scaleOut ? "scale-out" : "scale-up");
            }

            latency[i] = router.Route(src, ref bundles, ref fractions, ref count);
            end[i] = count;
        }

        var flowOf = new int[count];
        for (int i = 0; i < n; i++)
        {
            for (int e = start[i]; e < end[i]; e++)
            {
                flowOf[e] = i;
            }
        }

        return new FlowRoutes(start, end, count, bundles, fractions, flowOf, latency);
    }
}
