using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Network;

/// <summary>Turns a finished simulation's per-flow times and per-resource busy times into a <see cref="SimulationResult"/>.</summary>
internal static class FlowResultAssembly
{
    /// <summary>
    /// Bytes of every link direction from the flows' fractions (exact, not integrated over time), busy seconds of its
    /// bundle, and each flow's timing.
    /// </summary>
    public static SimulationResult Assemble(FabricGraph g, IReadOnlyList<Flow> flows, FlowRoutes routes, double[] busy,
        double[] start, double[] transmitEnd, double[] finish, int epochs, TimeSpan hostTime)
    {
        int n = flows.Count;
        var resBytes = new double[g.BundleCount];
        for (int f = 0; f < n; f++)
        {
            for (int e = routes.Start[f]; e < routes.End[f]; e++)
            {
                resBytes[routes.Resource[e]] += flows[f].Bytes * routes.Coefficient[e];
            }
        }

        SystemSpec s = g.System;
        var links = new LinkUsage[2 * s.Links.Count];
        for (int i = 0; i < s.Links.Count; i++)
        {
            LinkSpec l = s.Links[i];
            for (int dir = 0; dir < 2; dir++)
            {
                int b = g.ArcBundle[2 * i + dir];
                double bytes = b < 0 ? 0 : resBytes[b] / g.ArcCount[b];
                double busyS = b < 0 ? 0 : busy[b];
                links[2 * i + dir] = dir == 0
                    ? new LinkUsage(l.Id, l.From, l.To, bytes, busyS)
                    : new LinkUsage(l.Id, l.To, l.From, bytes, busyS);
            }
        }

        var timings = new FlowTiming[n];
        for (int f = 0; f < n; f++)
        {
            timings[f] = new FlowTiming(flows[f].Id, start[f], transmitEnd[f], finish[f], routes.Latency[f], flows[f].Tag);
        }

        return new SimulationResult(timings, links, epochs, hostTime);
    }
}
