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
        double total = 0;
        for (int i = 0; i < flows.Count; i++)
        {
            total = Math.Max(total, flows[i].FinishSeconds);
        }

        StartSeconds = new Projection(flows, static f => f.StartSeconds);
        FinishSeconds = new Projection(flows, static f => f.FinishSeconds);
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

    /// <summary>A read-only view of one field of every flow timing, without copying.</summary>
    private sealed class Projection(IReadOnlyList<FlowTiming> flows, Func<FlowTiming, double> field) : IReadOnlyList<double>
    {
        public double this[int index] => field(flows[index]);

        public int Count => flows.Count;

        public IEnumerator<double> GetEnumerator()
        {
            for (int i = 0; i < flows.Count; i++)
            {
                yield return field(flows[i]);
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
