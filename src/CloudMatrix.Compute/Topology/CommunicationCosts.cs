namespace CloudMatrix.Compute.Topology;

/// <summary>
/// The software and protocol costs of a system's collectives, on top of its links: the protocols its library runs
/// (fixed costs and achievable bandwidth per link class), whether its switches reduce (NVLS / SHARP), and how far a
/// device overlaps its reductions with the transfers. <see cref="Ideal"/> (the default of a built or loaded system)
/// has none of these: links run at their nominal rate and only link latencies count, so every algorithm keeps its
/// α-β closed form. Presets carry their own, each constant with its source (<c>docs/validation.md</c>).
/// </summary>
public sealed record CommunicationCosts
{
    /// <summary>The protocols; empty means ideal transfers (nominal rate, no fixed cost).</summary>
    public IReadOnlyList<CollectiveProtocol> Protocols { get; init; } = [];

    /// <summary>
    /// The in-switch reduction (NVLink SHARP, InfiniBand SHARP) as a protocol of its own, or null when the switches do
    /// not reduce. Its scale-up efficiency is the fraction of each port's nominal rate that the reduction sustains.
    /// </summary>
    public CollectiveProtocol? InSwitch { get; init; }

    /// <summary>
    /// How the library pipelines its in-switch all-reduce (channels, heads, chunk size, pipeline fill), or null to
    /// time <see cref="InSwitch"/> as one ideal exchange ((n+1)/n of the buffer through each port, no fill).
    /// </summary>
    public InSwitchPipeline? InSwitchPipeline { get; init; }

    /// <summary>
    /// Slices a device's reduction is pipelined in, overlapped with the transfer that brings the data (NCCL and HCCL
    /// reduce as they receive): only 1/this of a step's reduction time stays exposed. 1 = no overlap (the ideal α-β-γ
    /// model). ≥ 1.
    /// </summary>
    public int ReducePipelineSlices { get; init; } = 1;

    /// <summary>Where the figures come from.</summary>
    public string Source { get; init; } = "";

    /// <summary>No protocol costs, no in-switch reduction, no overlap.</summary>
    public static CommunicationCosts Ideal { get; } = new();

    /// <summary>Whether this is the ideal model (no protocol, no in-switch reduction, no overlap).</summary>
    public bool IsIdeal => Protocols.Count == 0 && InSwitch is null && InSwitchPipeline is null && ReducePipelineSlices == 1;

    /// <summary>Checks every value.</summary>
    /// <exception cref="ArgumentException">A protocol is null, unnamed or named twice.</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A latency or efficiency is outside its range, the slices are &lt; 1, or an in-switch pipeline value is out of range.
    /// </exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Protocols);
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (CollectiveProtocol? p in Protocols)
        {
            if (p is null) throw new ArgumentException("A protocol is null.", nameof(Protocols));
            p.Validate();
            if (!names.Add(p.Name)) throw new ArgumentException($"Protocol '{p.Name}' is listed twice.", nameof(Protocols));
        }

        InSwitch?.Validate();
        InSwitchPipeline?.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(ReducePipelineSlices, 1);
    }
}
