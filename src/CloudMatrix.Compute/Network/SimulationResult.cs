namespace CloudMatrix.Compute.Network;

/// <summary>The outcome of <see cref="NetworkSimulator.Run"/>: per-flow times, per-link traffic, total simulated time.</summary>
public sealed class SimulationResult
{
    internal SimulationResult(IReadOnlyList<FlowTiming> flows, IReadOnlyList<LinkUsage> links, int epochs, TimeSpan hostTime)
    {
        Flows = flows;
        Links = links;
        Epochs = epochs;
        HostTime = hostTime;
        var start = new double[flows.Count];
        var finish = new double[flows.Count];
        double total = 0;
        for (int i = 0; i < flows.Count; i++)
        {
            start[i] = flows[i].StartSeconds;
            finish[i] = flows[i].FinishSeconds;
            total = Math.Max(total, finish[i]);
        }

        StartSeconds = start;
        FinishSeconds = finish;
        TotalSeconds = total;
    }

    /// <summary>Simulated seconds from time 0 until the last flow finished (0 for no flows).</summary>
    public double TotalSeconds { get; }

    /// <summary>Per-flow timings, in the order of the flow list given to <see cref="NetworkSimulator.Run"/>.</summary>
    public IReadOnlyList<FlowTiming> Flows { get; }

    /// <summary>Simulated start of each flow, in flow-list order, seconds.</summary>
    public IReadOnlyList<double> StartSeconds { get; }

    /// <summary>Simulated finish (last byte arrived) of each flow, in flow-list order, seconds.</summary>
    public IReadOnlyList<double> FinishSeconds { get; }

    /// <summary>Traffic of every link direction (two entries per link, in link order: from-to, then to-from).</summary>
    public IReadOnlyList<LinkUsage> Links { get; }

    /// <summary>Rate allocations computed (one per distinct set of active flows); a measure of the simulator's work.</summary>
    public int Epochs { get; }

    /// <summary>Host (wall-clock) time this machine took to simulate; not simulated time.</summary>
    public TimeSpan HostTime { get; }
}
