using System.Globalization;
using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Collectives;

/// <summary>
/// Collectives over groups of virtual devices: real data moved and reduced by the chosen algorithm, and the same
/// algorithm's transfers timed on the system's network model.
/// </summary>
/// <remarks>
/// Numerics: reductions happen in FP32. With BF16 buffers the data on the wire is BF16, so a partial sum is rounded
/// to BF16 at every hop (as NCCL and HCCL do) unless <see cref="CollectiveOptions.Fp32Partials"/> is set; outputs are
/// rounded once to the buffer type. Each <see cref="CollectiveAlgorithm"/> member documents its reduction order.
/// Error bound against the exact (FP64) sum of the operands, for every algorithm, element by element:
/// |result − exact| ≤ ((n−1)(u₃₂ + u_w) + u_o) · Σ|xᵢ| with u₃₂ = 2⁻²⁴, u_w = 2⁻⁸ when partials are rounded to
/// BF16 on the wire (else 0) and u_o = 2⁻⁸ for BF16 outputs (else 0): each of the n−1 additions and each of at most
/// n−1 hops commits one relative rounding error on a partial sum bounded by Σ|xᵢ| (first order; the tests check it
/// with a 1 % margin for the second-order terms).
/// Deterministic mode (<see cref="CollectiveOptions.Deterministic"/>): a reducing operation runs only an algorithm
/// whose reduction order is the canonical one (ranks in group order, FP32 accumulation of the original operands, one
/// rounding): Direct, OneShot or InSwitch. Auto picks the fastest of those; a request for another algorithm runs
/// Direct. What ran is what was timed, and <see cref="CollectiveTiming.Algorithm"/> and
/// <see cref="CollectiveTiming.Reason"/> say which and why.
/// Timing: the schedule's transfers go to the system's network simulator with their dependencies, plus each
/// device's reduce roofline; sizes are treated as continuous (each step moves its exact fraction of S), so one
/// schedule shape serves every size and is cached per system.
/// </remarks>
public static partial class Collective
{
    private const int DefaultChunkBytes = 256 * 1024;
    private const int MaxDefaultChunks = 32;

    // A pipelined tree over a fixed 32 chunks pays its fill (height up and down) on a third of an 8 GiB all-reduce
    // at 384 ranks; NCCL streams large buffers in many more steps. The tree's default grows with the size instead.
    private const int MaxTreeChunks = 512;

    // Groups up to this size time a hierarchical all-reduce at every power-of-two chunk count up to the closed form's.
    private const int SearchedChunksMaxRanks = 64;

    // The most pipeline chunks a caller may ask for: eight times the largest default. Timing cost grows with the chunk
    // count, and far beyond this each chunk is a few bytes, so a larger figure is a mistake rather than a request.
    internal const int MaxChunks = 4096;

    /// <summary>
    /// The algorithms that implement <paramref name="operation"/> on any system (besides
    /// <see cref="CollectiveAlgorithm.Auto"/>); <see cref="CollectiveAlgorithm.InSwitch"/>, which needs switches that
    /// reduce, is listed by <see cref="SupportedAlgorithms(SystemSpec, CollectiveOperation)"/>.
    /// </summary>
    /// <param name="operation">The operation.</param>
    /// <returns>The algorithms, in no particular order.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="operation"/> is not a defined value.</exception>
    public static IReadOnlyList<CollectiveAlgorithm> SupportedAlgorithms(CollectiveOperation operation) => ScheduleFactory.Supported(operation);

    /// <summary>
    /// The algorithms that implement <paramref name="operation"/> on <paramref name="system"/>: those of
    /// <see cref="SupportedAlgorithms(CollectiveOperation)"/>, plus <see cref="CollectiveAlgorithm.InSwitch"/> for
    /// all-reduce where the system's switches reduce (<see cref="CommunicationCosts.InSwitch"/>). Auto compares these.
    /// </summary>
    /// <param name="system">The modelled machine.</param>
    /// <param name="operation">The operation.</param>
    /// <returns>The algorithms, in enum order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="system"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="operation"/> is not a defined value.</exception>
    public static IReadOnlyList<CollectiveAlgorithm> SupportedAlgorithms(SystemSpec system, CollectiveOperation operation) =>
        Candidates(CollectiveFabric.For(system), operation);

    /// <summary>
    /// The part of a buffer of <paramref name="length"/> elements that rank <paramref name="index"/> of
    /// <paramref name="parts"/> owns in reduce-scatter, all-to-all and the algorithms' internal splits: the first
    /// <c>length mod parts</c> parts have one element more than the others.
    /// </summary>
    /// <param name="length">Elements in the buffer, ≥ 0.</param>
    /// <param name="parts">Number of parts, ≥ 1.</param>
    /// <param name="index">Which part, 0 ≤ index &lt; parts.</param>
    /// <returns>Offset and count of the part, in elements.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its range.</exception>
    public static (int Offset, int Count) Partition(int length, int parts, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 1);
        if (index < 0 || index >= parts)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"index must be in 0..{parts - 1}.");
        }

        return ScheduleFactory.Part(length, parts, index);
    }

    /// <summary>nccl-tests' bus-bandwidth factor: 2(n-1)/n all-reduce; (n-1)/n reduce-scatter, all-gather, all-to-all; 1 broadcast, reduce.</summary>
    /// <param name="operation">The operation.</param>
    /// <param name="ranks">Group size, ≥ 1.</param>
    /// <returns>The factor (0 for a group of one where it is (n-1)/n-based).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ranks"/> &lt; 1 or an undefined operation.</exception>
    public static double BusBandwidthFactor(CollectiveOperation operation, int ranks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ranks, 1);
        double n = ranks;
        return operation switch
        {
            CollectiveOperation.AllReduce => 2 * (n - 1) / n,
            CollectiveOperation.ReduceScatter or CollectiveOperation.AllGather or CollectiveOperation.AllToAll => (n - 1) / n,
            CollectiveOperation.Broadcast or CollectiveOperation.Reduce or CollectiveOperation.SendReceive => 1,
            _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, "Unknown collective operation."),
        };
    }

    /// <summary>
    /// Runs <paramref name="operation"/> on real FP32 buffers, one per group member in group order, and times the
    /// same algorithm on <paramref name="system"/>'s network model.
    /// </summary>
    /// <param name="system">The modelled machine.</param>
    /// <param name="operation">The collective.</param>
    /// <param name="buffers">Each rank's input, all of one length (elements); only read unless <see cref="CollectiveOptions.InPlace"/>.</param>
    /// <param name="algorithm">The algorithm, or <see cref="CollectiveAlgorithm.Auto"/> for the fastest by the model.</param>
    /// <param name="options">Group, root, determinism, chunking; null for the defaults.</param>
    /// <returns>Each rank's output and the simulated timing.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="system"/>, <paramref name="buffers"/> or a buffer is null.</exception>
    /// <exception cref="ArgumentException">
    /// Unequal buffer lengths; a buffer count that is not the group size; an empty group or a duplicate device; a
    /// send/receive whose group is not two devices; an algorithm that does not implement the operation; in-place where
    /// output and input lengths differ.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">A device index outside the system; a root outside the group; chunks outside 0..4096, or more chunks (times channels) than the group's timing template can hold.</exception>
    public static CollectiveResult<float> Run(SystemSpec system, CollectiveOperation operation, IReadOnlyList<float[]> buffers,
        CollectiveAlgorithm algorithm = CollectiveAlgorithm.Auto, CollectiveOptions? options = null) =>
        Run(CollectiveFabric.For(system, options?.Faults), operation, buffers, algorithm, options);

    /// <summary>
    /// Runs <paramref name="operation"/> on real BF16 buffers (reduced in FP32, partial sums rounded to BF16 on the
    /// wire unless <see cref="CollectiveOptions.Fp32Partials"/>) and times it on <paramref name="system"/>.
    /// </summary>
    /// <param name="system">The modelled machine.</param>
    /// <param name="operation">The collective.</param>
    /// <param name="buffers">Each rank's input, all of one length (elements).</param>
    /// <param name="algorithm">The algorithm, or <see cref="CollectiveAlgorithm.Auto"/>.</param>
    /// <param name="options">Null for the defaults.</param>
    /// <returns>Each rank's output and the simulated timing.</returns>
    /// <exception cref="ArgumentNullException">An argument or a buffer is null.</exception>
    /// <exception cref="ArgumentException">As for the FP32 overload.</exception>
    /// <exception cref="ArgumentOutOfRangeException">As for the FP32 overload.</exception>
    public static CollectiveResult<BFloat16> Run(SystemSpec system, CollectiveOperation operation, IReadOnlyList<BFloat16[]> buffers,
        CollectiveAlgorithm algorithm = CollectiveAlgorithm.Auto, CollectiveOptions? options = null) =>
        Run(CollectiveFabric.For(system, options?.Faults), operation, buffers, algorithm, options);

    /// <summary>All-reduce of FP32 buffers: <see cref="Run(SystemSpec, CollectiveOperation, IReadOnlyList{float[]}, CollectiveAlgorithm, CollectiveOptions?)"/> with <see cref="CollectiveOperation.AllReduce"/>.</summary>
    /// <param name="system">The modelled machine.</param>
    /// <param name="buffers">Each rank's input, all of one length (elements).</param>
    /// <param name="algorithm">The algorithm, or Auto.</param>
    /// <param name="options">Null for the defaults.</param>
    /// <returns>Each rank's sum and the simulated timing.</returns>
    /// <exception cref="ArgumentNullException">As for <c>Run</c>.</exception>
    /// <exception cref="ArgumentException">As for <c>Run</c>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">As for <c>Run</c>.</exception>
    public static CollectiveResult<float> AllReduce(SystemSpec system, IReadOnlyList<float[]> buffers,
        CollectiveAlgorithm algorithm = CollectiveAlgorithm.Auto, CollectiveOptions? options = null) =>
        Run(system, CollectiveOperation.AllReduce, buffers, algorithm, options);

    /// <summary>All-reduce of BF16 buffers (FP32 reduction); see the FP32 overload.</summary>
    /// <param name="system">The modelled machine.</param>
    /// <param name="buffers">Each rank's input, all of one length (elements).</param>
    /// <param name="algorithm">The algorithm, or Auto.</param>
    /// <param name="options">Null for the defaults.</param>
    /// <returns>Each rank's sum and the simulated timing.</returns>
    /// <exception cref="ArgumentNullException">As for <c>Run</c>.</exception>
    /// <exception cref="ArgumentException">As for <c>Run</c>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">As for <c>Run</c>.</exception>
    public static CollectiveResult<BFloat16> AllReduce(SystemSpec system, IReadOnlyList<BFloat16[]> buffers,
        CollectiveAlgorithm algorithm = CollectiveAlgorithm.Auto, CollectiveOptions? options = null) =>
        Run(system, CollectiveOperation.AllReduce, buffers, algorithm, options);

    /// <summary>
    /// Times <paramref name="operation"/> without data: <paramref name="elementsPerRank"/> input elements per rank
    /// (for all-gather each rank's contribution, so S = n × that). Sizes are treated as continuous: every step moves
    /// its exact fraction of S (no rounding to whole elements), and one schedule per shape serves every size.
    /// </summary>
    /// <param name="system">The modelled machine.</param>
    /// <param name="operation">The collective.</param>
    /// <param name="elementsPerRank">Input elements per rank, ≥ 0.</param>
    /// <param name="dataType">Element type of the buffers.</param>
    /// <param name="algorithm">The algorithm, or Auto.</param>
    /// <param name="options">Null for the defaults.</param>
    /// <returns>The simulated timing.</returns>
    /// <exception cref="ArgumentException">As for <c>Run</c>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="elementsPerRank"/> is negative, <paramref name="dataType"/> is not a defined value, or as for <c>Run</c>.</exception>
    public static CollectiveTiming Estimate(SystemSpec system, CollectiveOperation operation, long elementsPerRank, CollectiveDataType dataType,
        CollectiveAlgorithm algorithm = CollectiveAlgorithm.Auto, CollectiveOptions? options = null) =>
        Estimate(CollectiveFabric.For(system, options?.Faults), operation, elementsPerRank, dataType, algorithm, options);

    /// <summary>Whether <paramref name="operation"/> sums the ranks' buffers (all-reduce, reduce-scatter, reduce) rather than only moving them.</summary>
    /// <param name="operation">The operation.</param>
    /// <returns>True for the reducing operations.</returns>
    public static bool IsReducing(CollectiveOperation operation) =>
        operation is CollectiveOperation.AllReduce or CollectiveOperation.ReduceScatter or CollectiveOperation.Reduce;

    /// <summary>The size of one element of <paramref name="type"/>, in bytes (4 for FP32, 2 for BF16).</summary>
    /// <param name="type">The element type.</param>
    /// <returns>Bytes per element.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="type"/> is not a defined value.</exception>
    public static int ElementBytes(CollectiveDataType type) => type switch
    {
        CollectiveDataType.Fp32 => 4,
        CollectiveDataType.Bf16 => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Valid: Fp32, Bf16."),
    };

    /// <summary>nccl-tests' S for an input of <paramref name="length"/> elements per rank.</summary>
    internal static double SizeBytes(CollectiveOperation operation, int ranks, long length, int elementBytes) =>
        (double)length * elementBytes * (operation == CollectiveOperation.AllGather ? ranks : 1);

    internal static int[] ResolveGroup(int deviceCount, IReadOnlyList<int>? group)
    {
        if (group is null)
        {
            var all = new int[deviceCount];
            for (int i = 0; i < deviceCount; i++) all[i] = i;
            return all;
        }

        if (group.Count == 0)
        {
            throw new ArgumentException("The group is empty; give at least one device index (or null for all devices).", nameof(group));
        }

        var seen = new Dictionary<int, int>();
        for (int i = 0; i < group.Count; i++)
        {
            int d = group[i];
            if (d < 0 || d >= deviceCount)
            {
                throw new ArgumentOutOfRangeException(nameof(group), d, $"Group member {i} is device {d}, which the system does not have; valid device indices are 0..{deviceCount - 1}.");
            }

            if (seen.TryGetValue(d, out int first))
            {
                throw new ArgumentException($"Device {d} appears twice in the group (members {first} and {i}); each device may take part once.", nameof(group));
            }

            seen[d] = i;
        }

        return [.. group];
    }

    /// <summary>
    /// <see cref="ResolveGroup(int, IReadOnlyList{int}?)"/>, then the group size <paramref name="operation"/> needs:
    /// a send/receive has exactly two members (source, destination).
    /// </summary>
    internal static int[] ResolveGroup(int deviceCount, IReadOnlyList<int>? group, CollectiveOperation operation)
    {
        int[] resolved = ResolveGroup(deviceCount, group);
        if (operation == CollectiveOperation.SendReceive && resolved.Length != 2)
        {
            throw new ArgumentException(
                $"SendReceive needs a group of exactly two devices (source, destination); the group has {resolved.Length} ({(group is null ? "null: every device of the system" : Describe(resolved))}). Set CollectiveOptions.Group to [source, destination].",
                nameof(group));
        }

        return resolved;
    }

    internal static int ResolveRoot(int[] group, int? root)
    {
        if (root is null) return 0;
        int position = Array.IndexOf(group, root.Value);
        if (position < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(root), root.Value,
                $"The root, device {root.Value}, is not in the group of {group.Length} devices ({Describe(group)}); the root must be a group member.");
        }

        return position;
    }

    private static string Describe(int[] group) =>
        group.Length <= 8 ? string.Join(", ", group) : $"{string.Join(", ", group.Take(4))}, …, {group[^1]}";

    internal static int ResolveChunks(CollectiveOperation operation, CollectiveAlgorithm algorithm, double bytes, int chunks)
    {
        if (chunks < 0 || chunks > MaxChunks)
        {
            throw new ArgumentOutOfRangeException(nameof(chunks), chunks,
                $"CollectiveOptions.Chunks is {chunks.ToString(CultureInfo.InvariantCulture)}; valid: 0..{MaxChunks.ToString(CultureInfo.InvariantCulture)} (0 picks the algorithm's default).");
        }

        if (chunks > 0) return chunks;
        bool pipelined = algorithm == CollectiveAlgorithm.DoubleBinaryTree
            || (algorithm == CollectiveAlgorithm.Ring && operation is CollectiveOperation.Broadcast or CollectiveOperation.Reduce);
        return pipelined ? (int)Math.Clamp(Math.Ceiling(bytes / DefaultChunkBytes), 1, MaxDefaultChunks) : 1;
    }

    /// <summary>Times <paramref name="operation"/> on <paramref name="fabric"/> for <paramref name="elementsPerRank"/> input elements per rank.</summary>
    internal static CollectiveTiming Estimate(CollectiveFabric fabric, CollectiveOperation operation, long elementsPerRank, CollectiveDataType dataType,
        CollectiveAlgorithm algorithm, CollectiveOptions? options)
    {
        options ??= CollectiveOptions.Default;
        ArgumentOutOfRangeException.ThrowIfNegative(elementsPerRank);
        if (dataType is not (CollectiveDataType.Fp32 or CollectiveDataType.Bf16))
        {
            throw new ArgumentOutOfRangeException(nameof(dataType), dataType, $"dataType {(int)dataType} is not a CollectiveDataType; valid: Fp32, Bf16.");
        }

        int[] group = ResolveGroup(fabric.DeviceCount, options.Group, operation);
        int root = ResolveRoot(group, options.Root);
        _ = ResolveChunks(operation, CollectiveAlgorithm.Ring, 0, options.Chunks);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Channels);
        return Time(fabric, operation, group, root, elementsPerRank, dataType, algorithm, options, template: true);
    }

    /// <summary>
    /// The double binary tree's default chunk count for <paramref name="bytes"/> per rank. Each tree moves S/2 in k
    /// chunks through a pipeline d = 2⌈log₂(n+1)⌉ hops deep (up, then down), so it takes about (k + d)(α + S/(2kB)),
    /// least at k = √(d·S/(2αB)); α and B are one hop's latency and bandwidth on this fabric (measured between the
    /// group's first member and its middle one, which sit on different nodes when the group spans nodes). k is rounded
    /// to a power of two (a sweep then shares a few plans) within 1..512.
    /// </summary>
    internal static int TreeChunks(CollectiveFabric fabric, int[] group, double bytes)
    {
        int n = group.Length;
        if (n < 2 || bytes <= 0) return 1;
        var (alpha, bandwidth) = fabric.Hop(group[0], group[n / 2]);
        if (!(alpha > 0) || !(bandwidth > 0) || double.IsInfinity(bandwidth)) return MaxDefaultChunks;
        int d = 2 * (int)Math.Ceiling(Math.Log2(n + 1));
        double k = Math.Sqrt(d * bytes / 2 / (alpha * bandwidth));
        return 1 << (int)Math.Round(Math.Log2(Math.Clamp(k, 1, MaxTreeChunks)));
    }

    /// <summary>
    /// Pipeline chunks of a hierarchical all-reduce across supernodes. Its d = 2(k-1) + 2(m-1) stages (k members per
    /// node, m nodes) run as a pipeline of c chunks in c + d - 1 rounds, each costing about α + X/c, where X is one
    /// cross-node step's transmission time (S/(k·m) over one NIC) and α one step's fixed cost (path latency plus the
    /// protocol's scale-out step latency): least at c = √(d·X/α), rounded to a power of two within 1..512.
    /// </summary>
    internal static int HierarchicalChunks(CollectiveFabric fabric, int[] group, double bytes)
    {
        int n = group.Length;
        int m = group.Select(d => fabric.NodeOfDevice[d]).Distinct().Count();
        int k = n / Math.Max(1, m);
        int other = Array.FindIndex(group, d => fabric.SupernodeOfDevice[d] != fabric.SupernodeOfDevice[group[0]]);
        if (n < 2 || bytes <= 0 || other < 0) return 1;
        var (alpha, bandwidth) = fabric.Hop(group[0], group[other]);
        alpha += fabric.Protocol?.ScaleOut.StepLatencySeconds ?? 0;
        if (!(alpha > 0) || !(bandwidth > 0) || double.IsInfinity(bandwidth)) return MaxDefaultChunks;
        int d = (2 * (k - 1)) + (2 * (m - 1));
        double x = bytes / k / m / bandwidth;
        double c = Math.Sqrt(d * x / alpha);
        return 1 << (int)Math.Round(Math.Log2(Math.Clamp(c, 1, MaxTreeChunks)));
    }

    // A length every split of the schedules divides exactly (parts over n and over the power of two p <= n, halves,
    // chunks), so a timing-only schedule moves exactly S/k bytes per step for any S.
    internal static int TemplateLength(int n, int chunks)
    {
        int p = 1;
        while (p * 2 <= n) p *= 2;
        long lcm = (long)n / (long)System.Numerics.BigInteger.GreatestCommonDivisor(n, p) * p;
        long length = 2L * chunks * lcm;
        if (length > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(chunks), chunks,
                $"A group of {n.ToString(CultureInfo.InvariantCulture)} devices in {chunks.ToString(CultureInfo.InvariantCulture)} pipeline chunks (CollectiveOptions.Chunks times Channels) needs a timing template of {length.ToString(CultureInfo.InvariantCulture)} elements, more than {Array.MaxLength.ToString(CultureInfo.InvariantCulture)}; valid: fewer chunks or channels for this group.");
        }

        return (int)length;
    }

    private static CollectiveTiming Time(CollectiveFabric fabric, CollectiveOperation operation, int[] group, int root, long elements,
        CollectiveDataType type, CollectiveAlgorithm algorithm, CollectiveOptions options, bool template)
    {
        if (algorithm == CollectiveAlgorithm.Auto)
        {
            return ChooseFastest(fabric, operation, group, root, elements, type, options, template);
        }

        if (options.Deterministic && IsReducing(operation) && !ReducesCanonically(algorithm))
        {
            // The bits must not depend on the algorithm, and this one's order does: what runs, and is timed, is Direct.
            CollectiveTiming direct = Time(fabric, operation, group, root, elements, type, CollectiveAlgorithm.Direct, options, template);
            return direct with
            {
                Reason = $"deterministic: direct ran instead of {Name(algorithm)}, whose reduction order is not the canonical one (ranks in group order)",
            };
        }

        if (algorithm == CollectiveAlgorithm.InSwitch && SpansSupernodes(fabric, group))
        {
            throw new ArgumentException(
                $"InSwitch reduces inside one scale-up domain; the group spans {group.Select(d => fabric.SupernodeOfDevice[d]).Distinct().Count()} supernodes of '{fabric.Name}'. Valid: a group within one supernode, or another algorithm.",
                nameof(algorithm));
        }

        // Every protocol of the system is timed and the fastest kept, as NCCL's tuner picks one per size.
        IReadOnlyList<CollectiveFabric> variants = fabric.TimingVariants(algorithm);
        if (options.Protocol is { } wanted && algorithm != CollectiveAlgorithm.InSwitch)
        {
            variants = [.. variants.Where(v => v.Protocol is null || string.Equals(v.Protocol.Name, wanted, StringComparison.OrdinalIgnoreCase))];
            if (variants.Count == 0)
            {
                throw new ArgumentException(
                    $"Protocol '{wanted}' is not one of system '{fabric.Name}': valid: {string.Join(", ", fabric.Costs.Protocols.Select(p => p.Name))} (or null for the fastest).",
                    nameof(options));
            }
        }

        CollectiveTiming? best = null;
        foreach (CollectiveFabric variant in variants)
        {
            CollectiveTiming t = TimeOn(variant, operation, group, root, elements, type, algorithm, options, template);
            if (best is null || t.SimulatedSeconds < best.SimulatedSeconds) best = t;
        }

        return best!;
    }

    /// <summary>
    /// Channels a ring runs over: as many as each node has group members when the group spans several supernodes
    /// (one ring per device and NIC, as NCCL builds them), else one (on a scale-up fabric one ring already spreads over
    /// every plane).
    /// </summary>
    internal static int ResolveChannels(CollectiveFabric fabric, int[] group, int channels)
    {
        if (channels < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "Channels must be >= 0 (0 picks one per device of a node across supernodes).");
        }

        if (channels > 0) return Math.Min(channels, Math.Max(1, group.Length));
        if (group.Select(d => fabric.SupernodeOfDevice[d]).Distinct().Count() < 2) return 1;
        int[] perNode = [.. group.GroupBy(d => fabric.NodeOfDevice[d]).Select(g => g.Count())];
        return perNode.All(c => c == perNode[0]) ? perNode[0] : 1;
    }

    private static bool SpansSupernodes(CollectiveFabric fabric, int[] group) =>
        group.Select(d => fabric.SupernodeOfDevice[d]).Distinct().Skip(1).Any();

    private static CollectiveTiming TimeOn(CollectiveFabric fabric, CollectiveOperation operation, int[] group, int root, long elements,
        CollectiveDataType type, CollectiveAlgorithm algorithm, CollectiveOptions options, bool template)
    {
        int n = group.Length;
        if (algorithm == CollectiveAlgorithm.Hierarchical && options.Chunks == 0 && n <= SearchedChunksMaxRanks && SpansSupernodes(fabric, group))
        {
            // Per-step costs queue on each channel (every node-ring channel carries 2(k-1) messages per chunk), which
            // the closed form of HierarchicalChunks does not see: on small groups, time the powers of two up to it.
            int most = HierarchicalChunks(fabric, group, SizeBytes(operation, n, elements, ElementBytes(type)));
            CollectiveTiming? best = null;
            for (int c = 1; c <= most; c *= 2)
            {
                CollectiveTiming t = TimeOn(fabric, operation, group, root, elements, type, algorithm, options with { Chunks = c }, template);
                if (best is null || t.SimulatedSeconds < best.SimulatedSeconds) best = t;
            }

            return best!;
        }

        int bufferBytes = ElementBytes(type);
        int wireBytes = type == CollectiveDataType.Bf16 && options.Fp32Partials && IsReducing(operation) ? 4 : bufferBytes;
        double size = SizeBytes(operation, n, elements, bufferBytes);
        int chunks = algorithm switch
        {
            CollectiveAlgorithm.DoubleBinaryTree when options.Chunks == 0 => TreeChunks(fabric, group, size),
            // Across supernodes the node stages and the network stage pipeline, as in NCCL's tree.
            CollectiveAlgorithm.Hierarchical when options.Chunks == 0 && SpansSupernodes(fabric, group) => HierarchicalChunks(fabric, group, size),
            _ => ResolveChunks(operation, algorithm, size, options.Chunks),
        };
        int channels = algorithm == CollectiveAlgorithm.Ring ? ResolveChannels(fabric, group, options.Channels) : 1;
        int length = template ? TemplateLength(n, chunks * channels) : checked((int)elements);
        double scale = template ? (double)elements / length : 1;
        ScheduleTimer Plan()
        {
            int[] nodes = [.. group.Select(d => fabric.NodeOfDevice[d])];
            CollectiveSchedule schedule = ScheduleFactory.Create(operation, algorithm, n, length, root, chunks, nodes, channels, timing: true);
            return new ScheduleTimer(schedule, group, wireBytes, bufferBytes, fabric);
        }

        ScheduleTimer timer = template
            ? fabric.Plan($"{operation}|{algorithm}|{root}|{chunks}|{channels}|{wireBytes}|{bufferBytes}|{string.Join(",", group)}", Plan)
            : Plan();
        // The in-switch pipeline's head share and fill are time at the ports' rate, not data: the links report the data.
        double wire = InSwitchWireFactor(fabric, algorithm, n, size);
        ScheduleTiming timing = timer.Time(scale * wire, chunks);
        double launch = fabric.Protocol?.LaunchSeconds ?? 0;
        double total = timing.Seconds + launch;
        var links = timing.Links
            .Where(l => l.Bytes > 0)
            .Select(l => l with { Bytes = l.Bytes / fabric.ByteScale / wire, Utilisation = total > 0 ? l.Bytes / wire / (l.BytesPerSecond * total) : 0 })
            .ToArray();
        return new CollectiveTiming
        {
            Operation = operation,
            Algorithm = algorithm,
            Reason = "chosen by the caller",
            Ranks = n,
            Bytes = size,
            SimulatedSeconds = total,
            Transfers = timing.TransferCount,
            Chunks = chunks,
            Model = timing.Model == TimingModel.Rounds ? "rounds" : "flow_graph",
            Links = links,
            Protocol = fabric.Protocol?.Name ?? "ideal",
            Channels = channels,
            LaunchSeconds = launch,
        };
    }

    /// <summary>
    /// Bytes an in-switch all-reduce of <paramref name="ranks"/> devices is timed with, relative to its ideal schedule:
    /// the system's <see cref="CommunicationCosts.InSwitchPipeline"/> factor (heads, pipeline fill), 1 for any other
    /// algorithm or where the system has no pipeline model.
    /// </summary>
    internal static double InSwitchWireFactor(CollectiveFabric fabric, CollectiveAlgorithm algorithm, int ranks, double sizeBytes) =>
        algorithm == CollectiveAlgorithm.InSwitch && fabric.Costs.InSwitchPipeline is { } pipeline ? pipeline.WireFactor(ranks, sizeBytes) : 1;

    private static CollectiveTiming ChooseFastest(CollectiveFabric fabric, CollectiveOperation operation, int[] group, int root, long elements,
        CollectiveDataType type, CollectiveOptions options, bool template)
    {
        // Candidates are independent simulations: time them on all host cores.
        IReadOnlyList<CollectiveAlgorithm> candidates = Candidates(fabric, operation);
        if (SpansSupernodes(fabric, group))
        {
            // A switch reduces only what its own scale-up domain sends it (NCCL's NVLS stays inside one NVLink domain).
            candidates = [.. candidates.Where(a => a != CollectiveAlgorithm.InSwitch)];
        }

        bool deterministic = options.Deterministic && IsReducing(operation);
        if (deterministic)
        {
            candidates = [.. candidates.Where(ReducesCanonically)];
        }
        var results = new CollectiveTiming?[candidates.Count];
        var failures = new string?[candidates.Count];
        try
        {
            Parallel.For(0, candidates.Count, i =>
            {
                try
                {
                    results[i] = Time(fabric, operation, group, root, elements, type, candidates[i], options, template);
                }
                catch (ArgumentException ex) when (candidates[i] == CollectiveAlgorithm.Hierarchical)
                {
                    failures[i] = $"hierarchical skipped ({ex.Message.Split(';')[0]})";
                }
            });
        }
        catch (AggregateException ex)
        {
            // The candidates fail alike (a pair the faults cut off): throw the first as the caller would get it from one algorithm.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
        }

        var timed = results.OfType<CollectiveTiming>().ToList();
        var skipped = failures.OfType<string>().ToList();
        timed.Sort((a, b) => a.SimulatedSeconds.CompareTo(b.SimulatedSeconds));
        string ranking = string.Join(" < ", timed.Select(t => string.Create(CultureInfo.InvariantCulture, $"{Name(t.Algorithm)} {t.SimulatedSeconds * 1e6:G4} us")));
        string reason = (deterministic ? $"auto, deterministic: fastest by the model of the {timed.Count} algorithms that reduce in the canonical order: " : $"auto: fastest by the model of {timed.Count} algorithms: ")
            + ranking + (skipped.Count > 0 ? "; " + string.Join("; ", skipped) : "");
        return timed[0] with { Reason = reason };
    }

    /// <summary>
    /// Whether <paramref name="algorithm"/> reduces in the canonical order (ranks 0..n-1 in group order, FP32
    /// accumulation of the original operands, one rounding): Direct, OneShot and InSwitch. These are the algorithms
    /// <see cref="CollectiveOptions.Deterministic"/> runs for reducing operations.
    /// </summary>
    internal static bool ReducesCanonically(CollectiveAlgorithm algorithm) =>
        algorithm is CollectiveAlgorithm.Direct or CollectiveAlgorithm.OneShot or CollectiveAlgorithm.InSwitch;

    /// <summary>The algorithms Auto compares on <paramref name="fabric"/>: the operation's, plus in-switch reduction where the switches reduce.</summary>
    internal static IReadOnlyList<CollectiveAlgorithm> Candidates(CollectiveFabric fabric, CollectiveOperation operation) =>
        operation == CollectiveOperation.AllReduce && fabric.Costs.InSwitch is not null
            ? [.. SupportedAlgorithms(operation), CollectiveAlgorithm.InSwitch]
            : SupportedAlgorithms(operation);

    /// <summary>
    /// The operation's name as <c>cmx collective --op</c>, reports and JSON write it: <c>allreduce</c>,
    /// <c>reducescatter</c>, <c>allgather</c>, <c>broadcast</c>, <c>reduce</c>, <c>alltoall</c>, <c>sendrecv</c>
    /// (nccl-tests' binary names without <c>_perf</c>).
    /// </summary>
    /// <param name="operation">The operation.</param>
    /// <returns>Its lower-case name.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="operation"/> is not a defined value.</exception>
    public static string OperationName(CollectiveOperation operation) => operation switch
    {
        CollectiveOperation.AllReduce => "allreduce",
        CollectiveOperation.ReduceScatter => "reducescatter",
        CollectiveOperation.AllGather => "allgather",
        CollectiveOperation.Broadcast => "broadcast",
        CollectiveOperation.Reduce => "reduce",
        CollectiveOperation.AllToAll => "alltoall",
        CollectiveOperation.SendReceive => "sendrecv",
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, "Not a defined CollectiveOperation."),
    };

    /// <summary>Every operation's name as <see cref="OperationName"/> writes it, in declaration order.</summary>
    public static IReadOnlyList<string> OperationNames { get; } = [.. Enum.GetValues<CollectiveOperation>().Select(OperationName)];

    /// <summary>
    /// Parses an operation name: <see cref="OperationName"/>'s spelling or the enum member's, any case, surrounding
    /// white space ignored (<c>allreduce</c>, <c>AllReduce</c>, <c>sendrecv</c>, <c>SendReceive</c>).
    /// </summary>
    /// <param name="text">The name.</param>
    /// <param name="operation">The operation when the name is known; <see cref="CollectiveOperation.AllReduce"/> otherwise.</param>
    /// <returns>Whether the name is an operation.</returns>
    public static bool TryParseOperation(string? text, out CollectiveOperation operation)
    {
        string v = text?.Trim() ?? "";
        foreach (CollectiveOperation o in Enum.GetValues<CollectiveOperation>())
        {
            if (v.Equals(OperationName(o), StringComparison.OrdinalIgnoreCase) || v.Equals(o.ToString(), StringComparison.OrdinalIgnoreCase))
            {
                operation = o;
                return true;
            }
        }

        operation = CollectiveOperation.AllReduce;
        return false;
    }

    /// <summary>
    /// Parses an algorithm name: <see cref="Name"/>'s snake_case spelling or the enum member's, any case, surrounding
    /// white space ignored (<c>ring</c>, <c>double_binary_tree</c>, <c>DoubleBinaryTree</c>, <c>auto</c>).
    /// </summary>
    /// <param name="text">The name.</param>
    /// <param name="algorithm">The algorithm when the name is known; <see cref="CollectiveAlgorithm.Auto"/> otherwise.</param>
    /// <returns>Whether the name is an algorithm.</returns>
    public static bool TryParseAlgorithm(string? text, out CollectiveAlgorithm algorithm)
    {
        string v = text?.Trim() ?? "";
        foreach (CollectiveAlgorithm a in Enum.GetValues<CollectiveAlgorithm>())
        {
            if (v.Equals(Name(a), StringComparison.OrdinalIgnoreCase) || v.Equals(a.ToString(), StringComparison.OrdinalIgnoreCase))
            {
                algorithm = a;
                return true;
            }
        }

        algorithm = CollectiveAlgorithm.Auto;
        return false;
    }

    /// <summary>
    /// The algorithm's name as <c>cmx collective --algo</c>, reports and JSON write it, in snake_case: <c>auto</c>,
    /// <c>ring</c>, <c>bidirectional_ring</c>, <c>halving_doubling</c>, <c>direct</c>, <c>one_shot</c>,
    /// <c>double_binary_tree</c>, <c>hierarchical</c>, <c>pairwise</c>, <c>in_switch</c>.
    /// </summary>
    /// <param name="algorithm">The algorithm.</param>
    /// <returns>Its snake_case name; <see cref="TryParseAlgorithm"/> reads it back.</returns>
    public static string Name(CollectiveAlgorithm algorithm) => algorithm switch
    {
        CollectiveAlgorithm.BidirectionalRing => "bidirectional_ring",
        CollectiveAlgorithm.HalvingDoubling => "halving_doubling",
        CollectiveAlgorithm.OneShot => "one_shot",
        CollectiveAlgorithm.DoubleBinaryTree => "double_binary_tree",
        CollectiveAlgorithm.InSwitch => "in_switch",
        _ => algorithm.ToString().ToLowerInvariant(),
    };

    /// <summary>Runs <paramref name="operation"/> on real FP32 buffers (one per group member) and times it.</summary>
    internal static CollectiveResult<float> Run(CollectiveFabric fabric, CollectiveOperation operation, IReadOnlyList<float[]> buffers,
        CollectiveAlgorithm algorithm, CollectiveOptions? options)
    {
        var (group, root, length, opts) = Validate(fabric, operation, buffers, options);
        CollectiveTiming timing = Time(fabric, operation, group, root, length, CollectiveDataType.Fp32, algorithm, opts, template: true);
        float[][] inputs = [.. buffers];
        IReadOnlyList<float[]> outputs = Execute(operation, timing.Algorithm, group, [.. group.Select(d => fabric.NodeOfDevice[d])], root, length, inputs, opts, roundWire: false,
            allocate: n => GC.AllocateUninitializedArray<float>(n),  // every element is written
            store: (work, target) => work.CopyTo(target),
            fusedRing: (x, y) => RingAllReduceKernel.Run(x, y, roundWire: false, TensorPrimitivesHostReducer.Instance),
            originals: inputs);
        return new CollectiveResult<float>(outputs, timing) { ReductionOrder = timing.Algorithm };
    }

    /// <summary>Runs <paramref name="operation"/> on real BF16 buffers (one per group member) and times it.</summary>
    internal static CollectiveResult<BFloat16> Run(CollectiveFabric fabric, CollectiveOperation operation, IReadOnlyList<BFloat16[]> buffers,
        CollectiveAlgorithm algorithm, CollectiveOptions? options)
    {
        var (group, root, length, opts) = Validate(fabric, operation, buffers, options);
        CollectiveTiming timing = Time(fabric, operation, group, root, length, CollectiveDataType.Bf16, algorithm, opts, template: true);
        var widened = new float[buffers.Count][];
        Parallel.For(0, buffers.Count, r =>
        {
            widened[r] = new float[length];
            BFloat16Convert.ToSingle(buffers[r], widened[r]);
        });
        bool roundWire = !opts.Fp32Partials;
        IReadOnlyList<BFloat16[]> outputs = Execute(operation, timing.Algorithm, group, [.. group.Select(d => fabric.NodeOfDevice[d])], root, length, widened, opts, roundWire,
            allocate: n => GC.AllocateUninitializedArray<BFloat16>(n),
            store: (work, target) => BFloat16Convert.ToBFloat16(work, target),
            fusedRing: (x, y) => RingAllReduceKernel.Run(x, y, roundWire, TensorPrimitivesHostReducer.Instance),
            originals: [.. buffers]);
        return new CollectiveResult<BFloat16>(outputs, timing) { ReductionOrder = timing.Algorithm };
    }

    private static (int[] Group, int Root, int Length, CollectiveOptions Options) Validate<T>(CollectiveFabric fabric, CollectiveOperation operation,
        IReadOnlyList<T[]> buffers, CollectiveOptions? options)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        options ??= CollectiveOptions.Default;
        int[] group = ResolveGroup(fabric.DeviceCount, options.Group, operation);
        int root = ResolveRoot(group, options.Root);
        if (buffers.Count != group.Length)
        {
            throw new ArgumentException($"{buffers.Count} buffers were given for a group of {group.Length} devices; give one buffer per group member.", nameof(buffers));
        }

        for (int r = 0; r < buffers.Count; r++)
        {
            if (buffers[r] is null)
            {
                throw new ArgumentNullException(nameof(buffers), $"The buffer of rank {r} (device {group[r]}) is null.");
            }

            if (buffers[r].Length != buffers[0].Length)
            {
                throw new ArgumentException(
                    $"Buffers must have equal lengths: rank 0 (device {group[0]}) has {buffers[0].Length} elements, rank {r} (device {group[r]}) has {buffers[r].Length}.",
                    nameof(buffers));
            }
        }

        if (options.InPlace && operation is CollectiveOperation.ReduceScatter or CollectiveOperation.AllGather)
        {
            throw new ArgumentException($"InPlace is not available for {operation}: its output length differs from its input's; run it out of place.", nameof(options));
        }

        if (options.InPlace && operation == CollectiveOperation.AllToAll && buffers[0].Length % group.Length != 0)
        {
            throw new ArgumentException(
                $"InPlace all-to-all needs a length divisible by the group size ({buffers[0].Length} elements over {group.Length} ranks); run it out of place.",
                nameof(options));
        }

        _ = ResolveChunks(operation, CollectiveAlgorithm.Ring, 0, options.Chunks);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Channels);
        return (group, root, buffers[0].Length, options);
    }

    private static T[][] Execute<T>(CollectiveOperation operation, CollectiveAlgorithm algorithm, int[] group, int[] nodes, int root, int length,
        float[][] inputs, CollectiveOptions options, bool roundWire, Func<int, T[]> allocate, Action<ReadOnlySpan<float>, Span<T>> store,
        Action<float[][], T[][]> fusedRing, T[][] originals)
    {
        int n = group.Length;
        if (operation == CollectiveOperation.AllReduce && algorithm == CollectiveAlgorithm.Ring)
        {
            T[][] outs = options.InPlace ? originals : [.. Enumerable.Range(0, n).Select(_ => allocate(length))];
            fusedRing(inputs, outs);
            return outs;
        }

        // Chunking does not change any algorithm's order of additions, so one chunk suffices here.
        CollectiveSchedule schedule = ScheduleFactory.Create(operation, algorithm, n, length, root, 1, nodes);
        float[][] work = ScheduleExecutor.Run(schedule, inputs, roundWire, TensorPrimitivesHostReducer.Instance);
        var outputs = new T[n][];
        for (int r = 0; r < n; r++)
        {
            var (offset, count) = schedule.Outputs[r];
            if (count < 0)
            {
                outputs[r] = [];
                continue;
            }

            outputs[r] = options.InPlace ? originals[r] : allocate(count);
            store(work[r].AsSpan(offset, count), outputs[r]);
        }

        return outputs;
    }

}
