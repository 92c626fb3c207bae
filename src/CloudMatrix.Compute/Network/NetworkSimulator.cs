using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Network;

/// <summary>
/// A flow-level, event-driven simulator of a system's network; it knows nothing of tensors, only flows of bytes
/// between devices.
/// </summary>
/// <remarks>
/// <para><b>Model.</b> A flow starts when every flow it depends on has finished, plus its delay. While active, it
/// moves bytes at its max-min fair rate: concurrent flows share each link direction by max-min fairness
/// (progressive filling), each link direction having its own bandwidth. Its last byte leaves the source at
/// <see cref="FlowTiming.TransmitEndSeconds"/>; it finishes when that byte arrives, one path latency later (the sum
/// of the hop latencies, added once per path: cut-through, not store-and-forward). Rates change only when a flow
/// starts or ends.</para>
/// <para><b>Routing.</b> Inside a supernode a flow uses the scale-up links, between supernodes the scale-out links;
/// it spreads over all shortest paths (see the routing rule in the documentation). On CloudMatrix384 an intra-node
/// flow goes device-L1-device over all 7 planes; an inter-node flow goes L1-L2-L1, spread evenly over the 7 planes
/// and the 16 L2 chips of each.</para>
/// <para><b>Cost (host time).</b> Routing is O(F) after one breadth-first search per destination. When flows
/// start, progressive filling re-runs over the active flows, O(A log R) for A active flow-resource entries and R
/// resources. When flows only end, the allocation is updated in place: only the ended flows' connected component
/// is visited, and only its flows above the ended flows' rate (or frozen by a resource they crossed) are re-filled.
/// Each flow's end time sits in a heap, so an event does not scan every active flow. Symmetric patterns
/// (all-to-all, collective steps of equal sizes) need one allocation per step; a dense pattern of flows that all end
/// at different times (random sizes) still costs about O(F x A).</para>
/// <para><b>Special flows.</b> A flow whose source is its destination is a local copy: it takes no network time
/// (finish = start). A flow of 0 bytes takes its path latency.</para>
/// </remarks>
public sealed class NetworkSimulator
{
    private FabricGraph? _graph;

    /// <summary>Creates a simulator of <paramref name="system"/> with the given faults (none by default).</summary>
    /// <param name="system">The system to simulate.</param>
    /// <param name="faults">Links, transceivers, switches or planes taken down or degraded.</param>
    /// <exception cref="ArgumentNullException"><paramref name="system"/> is null.</exception>
    /// <exception cref="ArgumentException">A fault is null, has a null target, names no existing link, switch or plane, or its factor is outside [0, 1).</exception>
    public NetworkSimulator(SystemSpec system, IReadOnlyList<Fault>? faults = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        System = system;
        Faults = (faults ?? []).ToArray();
        _ = Graph; // validates the faults now
    }

    /// <summary>The simulated system.</summary>
    public SystemSpec System { get; }

    /// <summary>The faults applied.</summary>
    public IReadOnlyList<Fault> Faults { get; }

    /// <summary>
    /// Whether interchangeable switch groups may be merged to speed the simulation up (true by default; only
    /// without faults, and only where the symmetry check passes). The results are the same either way.
    /// </summary>
    public bool AggregateSymmetricSwitches
    {
        get => _aggregate;
        init
        {
            _aggregate = value;
            _graph = null;
        }
    }

    private readonly bool _aggregate = true;

    /// <summary>Re-run progressive filling over every active flow at every event (the reference for tests).</summary>
    internal bool FullAllocationOnly { get; init; }

    internal FabricGraph Graph => _graph ??= new FabricGraph(System, Faults, _aggregate);

    /// <summary>Simulates <paramref name="flows"/> and returns per-flow times, per-link traffic and the total time.</summary>
    /// <param name="flows">The flows; ids unique, dependencies acyclic and present in the list.</param>
    /// <exception cref="ArgumentNullException"><paramref name="flows"/> is null.</exception>
    /// <exception cref="ArgumentException">A flow is invalid (device index out of range, negative or non-finite bytes or delay, duplicate id, unknown dependency, dependency cycle).</exception>
    /// <exception cref="NetworkUnreachableException">A flow's two devices have no working path (names both).</exception>
    public SimulationResult Run(IReadOnlyList<Flow> flows)
    {
        ArgumentNullException.ThrowIfNull(flows);
        return new FlowEngine(Graph, flows, FullAllocationOnly).Run();
    }
}
