using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Network;
using CloudMatrix.Compute.Sharding;
using CloudMatrix.Compute.Timing;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Execution;

/// <summary>
/// The timed interpreter: a roofline per device GEMM task, the collectives of a step on the network model together,
/// two streams (compute, communication) with the DAG's dependencies. Steps whose collectives have the same shape are
/// simulated once (SUMMA's panel steps, a collective matmul's shifts).
/// </summary>
public static class PlanEstimator
{
    private const int BFloat16Bytes = 2;

    /// <summary>Times <paramref name="plan"/> on its mesh's system.</summary>
    /// <param name="plan">The plan (its collectives' algorithms resolved, or Auto: resolved here the same way).</param>
    /// <param name="options">Roofline constants; null for <see cref="TimingOptions.Default"/>.</param>
    /// <returns>The timeline.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="plan"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option out of range (as <see cref="TimingOptions.Validate"/>).</exception>
    public static Timeline Estimate(ExecutionPlan plan, TimingOptions? options)
    {
        ArgumentNullException.ThrowIfNull(plan);
        options ??= TimingOptions.Default;
        options.Validate();
        DeviceMesh mesh = plan.Mesh;
        CollectiveFabric fabric = CollectiveFabric.For(mesh.System);
        NpuSpec npu = mesh.System.Npu;
        var end = new double[plan.Steps.Count];
        double computeFree = 0, commFree = 0, computeBusy = 0, commBusy = 0;
        var timings = new List<StepTiming>(plan.Steps.Count);
        var sent = new double[mesh.System.DeviceCount];
        var tiers = new Dictionary<string, double>();
        var memo = new Dictionary<string, (double Seconds, double Bytes, string Detail, List<(int Device, double Bytes)> Sent, List<(string Link, double Bytes)> Links)>();
        foreach (PlanStep step in plan.Steps)
        {
            double ready = step.DependsOn.Select(d => end[d]).DefaultIfEmpty(0).Max();
            switch (step)
            {
                case GemmStep g:
                {
                    var perDevice = new double[mesh.Size];
                    foreach (GemmTask t in g.Tasks) perDevice[t.Position] += GemmSeconds(plan, t, npu, options);

                    double seconds = perDevice.Max();
                    double start = Math.Max(ready, computeFree);
                    computeFree = end[step.Id] = start + seconds;
                    computeBusy += seconds;
                    timings.Add(new StepTiming(step.Id, step.Name, "gemm", start, end[step.Id], 0, $"{g.Tasks.Count} GEMM tasks, roofline", perDevice));
                    break;
                }

                case LocalStep l:
                {
                    // A local copy/convert streams its bytes through HBM twice (read and write).
                    double bytes = Enumerable.Range(0, mesh.Size).Max(p => plan.Slots[l.Destination].Bytes(p) + plan.Slots[l.Source].Bytes(p));
                    double seconds = bytes / (npu.HbmBytesPerSecond * options.HbmEfficiency);
                    double start = Math.Max(ready, computeFree);
                    computeFree = end[step.Id] = start + seconds;
                    computeBusy += seconds;
                    timings.Add(new StepTiming(step.Id, step.Name, "local", start, end[step.Id], 0, l.Operation.ToString(), null));
                    break;
                }

                case CollectiveStep c:
                {
                    string key = Key(plan, c);
                    if (!memo.TryGetValue(key, out var r))
                    {
                        r = TimeCollectives(plan, fabric, c, options);
                        memo[key] = r;
                    }

                    double start = Math.Max(ready, commFree);
                    commFree = end[step.Id] = start + r.Seconds;
                    commBusy += r.Seconds;
                    foreach (var (device, bytes) in r.Sent) sent[device] += bytes;
                    foreach (var (link, bytes) in r.Links)
                    {
                        string tier = Tier(link);
                        tiers[tier] = tiers.GetValueOrDefault(tier) + bytes;
                    }

                    timings.Add(new StepTiming(step.Id, step.Name, "collective", start, end[step.Id], r.Bytes, r.Detail, null));
                    break;
                }
            }
        }

        double total = end.DefaultIfEmpty(0).Max();
        return new Timeline(total, computeBusy, commBusy, Math.Max(0, total - computeBusy), timings, sent.DefaultIfEmpty(0).Max(), tiers);
    }

    /// <summary>
    /// A lower bound of <see cref="Estimate"/>: the busy time of the compute stream alone (GEMM and local steps), which
    /// the step time can never undercut. The planner skips candidates whose bound exceeds the best full estimate.
    /// </summary>
    /// <param name="plan">The plan.</param>
    /// <param name="options">Roofline constants; null for the defaults.</param>
    /// <returns>Seconds.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="plan"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option out of range (as <see cref="TimingOptions.Validate"/>).</exception>
    public static double ComputeLowerBound(ExecutionPlan plan, TimingOptions? options)
    {
        ArgumentNullException.ThrowIfNull(plan);
        options ??= TimingOptions.Default;
        options.Validate();
        NpuSpec npu = plan.Mesh.System.Npu;
        double total = 0;
        foreach (PlanStep step in plan.Steps)
        {
            if (step is GemmStep g)
            {
                var perDevice = new double[plan.Mesh.Size];
                foreach (GemmTask t in g.Tasks) perDevice[t.Position] += GemmSeconds(plan, t, npu, options);
                total += perDevice.Max();
            }
            else if (step is LocalStep l)
            {
                total += Enumerable.Range(0, plan.Mesh.Size).Max(p => plan.Slots[l.Destination].Bytes(p) + plan.Slots[l.Source].Bytes(p)) / (npu.HbmBytesPerSecond * options.HbmEfficiency);
            }
        }

        return total;
    }

    /// <summary>
    /// A lower bound of <see cref="Estimate"/> that needs no network simulation: the larger of the compute stream's busy
    /// time (<see cref="ComputeLowerBound"/>) and the communication stream's, where each collective step takes at least
    /// as long as its busiest device needs to receive (or send) its bytes through all of its links at once, at the
    /// fastest protocol's efficiency, and no less than the shortest latency of those links. The bytes come from the
    /// algorithms' own schedules (for an Auto algorithm, the fewest any candidate algorithm moves). The planner estimates
    /// candidates in the order of this bound and stops once it reaches the best estimate.
    /// </summary>
    /// <param name="plan">The plan (Auto algorithms allowed).</param>
    /// <param name="options">Roofline constants; null for the defaults.</param>
    /// <returns>Seconds.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="plan"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option out of range (as <see cref="TimingOptions.Validate"/>).</exception>
    public static double LowerBound(ExecutionPlan plan, TimingOptions? options)
    {
        var (compute, communication) = LowerBounds(plan, options);
        return Math.Max(compute, communication);
    }

    /// <summary>The two terms of <see cref="LowerBound"/>: compute stream and communication stream, seconds.</summary>
    internal static (double Compute, double Communication) LowerBounds(ExecutionPlan plan, TimingOptions? options)
    {
        ArgumentNullException.ThrowIfNull(plan);
        options ??= TimingOptions.Default;
        options.Validate();
        double compute = ComputeLowerBound(plan, options);
        CollectiveFabric fabric = CollectiveFabric.For(plan.Mesh.System);
        LinkBound links = LinkBound.For(plan.Mesh.System);
        double communication = 0;
        foreach (PlanStep step in plan.Steps)
        {
            if (step is CollectiveStep c) communication += StepLowerBound(plan, fabric, links, c, options);
        }

        return (compute, communication);
    }

    private static double StepLowerBound(ExecutionPlan plan, CollectiveFabric fabric, LinkBound links, CollectiveStep step, TimingOptions options)
    {
        DeviceMesh mesh = plan.Mesh;
        IReadOnlyList<CollectiveFabric> variants = fabric.TimingVariants(CollectiveAlgorithm.Ring);
        var tally = new ByteTally(mesh.System.DeviceCount);
        if (TooLargeToSimulateJointly(step, options))
        {
            // Groups timed apart: the step takes as long as its slowest group, each group at its own best protocol
            // (an in-switch one among them where the switches reduce).
            var apart = variants.ToList();
            if (fabric.Costs.InSwitch is not null) apart.AddRange(fabric.TimingVariants(CollectiveAlgorithm.InSwitch));
            double worst = 0;
            foreach (CollectiveCall call in step.Calls)
            {
                long elements = 0;
                foreach (int[] x in call.Groups) elements = Math.Max(elements, ElementsPerRank(plan, call, x));
                for (int g = 0; g < call.Groups.Count; g++)
                {
                    if (call.Groups[g].Length < 2 || elements == 0) continue;
                    tally.Clear();
                    AddCallBytes(plan, call, g, elements, tally);
                    worst = Math.Max(worst, links.Fastest(apart, tally));
                }
            }

            return worst;
        }

        foreach (CollectiveCall call in step.Calls)
        {
            if (call.Operation == CollectiveOperation.SendReceive)
            {
                foreach (var (from, to) in call.Pairs!)
                {
                    if (from == to) continue;
                    double bytes = (double)plan.Slots[call.Source].Extents[from].Elements * BFloat16Bytes;
                    tally.Add(mesh.Devices[from], 0, bytes);
                    tally.Add(mesh.Devices[to], bytes, 0);
                }

                continue;
            }

            for (int g = 0; g < call.Groups.Count; g++)
            {
                long elements = ElementsPerRank(plan, call, call.Groups[g]);
                if (call.Groups[g].Length < 2 || elements == 0) continue;
                AddCallBytes(plan, call, g, elements, tally);
            }
        }

        return tally.Devices.Count == 0 ? 0 : links.Fastest(variants, tally);
    }

    /// <summary>Bytes each device receives and sends in one step (or one group of it).</summary>
    private sealed class ByteTally(int devices)
    {
        public readonly double[] In = new double[devices], Out = new double[devices];
        public readonly List<int> Devices = [];

        public void Add(int device, double received, double sent)
        {
            if (In[device] == 0 && Out[device] == 0) Devices.Add(device);
            In[device] += received;
            Out[device] += sent;
        }

        public void Clear()
        {
            foreach (int d in Devices) In[d] = Out[d] = 0;
            Devices.Clear();
        }
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SystemSpec, System.Collections.Concurrent.ConcurrentDictionary<CollectiveOperation, CollectiveAlgorithm[]>> AutoCandidates = [];

    // Bytes each member of one group receives and sends in one collective, from the algorithm's schedule (for Auto:
    // per member, the fewest of any algorithm the model may pick).
    private static void AddCallBytes(ExecutionPlan plan, CollectiveCall call, int groupIndex, long elements, ByteTally tally)
    {
        DeviceMesh mesh = plan.Mesh;
        int[] group = call.Groups[groupIndex];
        int n = group.Length;
        int root = call.Roots is null ? 0 : Math.Max(0, Array.IndexOf(group, call.Roots[groupIndex]));
        int[]? nodes = null;
        double[]? inFraction = null, outFraction = null;
        bool shared = true;
        CollectiveAlgorithm[] algorithms = call.Algorithm == CollectiveAlgorithm.Auto
            ? AutoCandidates.GetValue(mesh.System, _ => new()).GetOrAdd(call.Operation, op => [.. Collectives.Collective.SupportedAlgorithms(mesh.System, op)])
            : [call.Algorithm];
        foreach (CollectiveAlgorithm algorithm in algorithms)
        {
            if (algorithm == CollectiveAlgorithm.Hierarchical) nodes ??= [.. group.Select(p => mesh.System.Devices[mesh.Devices[p]].NodeIndex)];
            var fractions = ScheduleFractions(call.Operation, algorithm, n, root, nodes);
            if (fractions is not var (i, o)) continue;
            if (inFraction is null)
            {
                (inFraction, outFraction) = (i, o);
                continue;
            }

            if (shared)
            {
                (inFraction, outFraction, shared) = ((double[])inFraction.Clone(), (double[])outFraction!.Clone(), false);
            }

            for (int p = 0; p < n; p++)
            {
                inFraction[p] = Math.Min(inFraction[p], i[p]);
                outFraction![p] = Math.Min(outFraction[p], o[p]);
            }
        }

        if (inFraction is null) return;
        double bytes = (double)elements * BFloat16Bytes;
        for (int p = 0; p < n; p++) tally.Add(mesh.Devices[group[p]], inFraction[p] * bytes, outFraction![p] * bytes);
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(CollectiveOperation, CollectiveAlgorithm, int, int, string), (double[] In, double[] Out)?> Fractions = new();

    /// <summary>
    /// Elements each group position receives and sends per element of a rank's buffer, summed over the transfer steps of
    /// the algorithm's timing schedule (one chunk, one channel: chunks and channels split the same data).
    /// </summary>
    /// <returns>Null where the algorithm cannot build this group's schedule (it is then never timed either).</returns>
    /// <param name="operation">The collective.</param>
    /// <param name="algorithm">A concrete algorithm.</param>
    /// <param name="n">Group size.</param>
    /// <param name="root">Root position (broadcast, reduce).</param>
    /// <param name="nodes">Each position's node; needed by the hierarchical algorithm only (null: all on one node each).</param>
    internal static (double[] In, double[] Out)? ScheduleFractions(CollectiveOperation operation, CollectiveAlgorithm algorithm, int n, int root, int[]? nodes)
    {
        if (n > ScheduledBoundRanks) return LargeGroupFractions(operation, algorithm, n, root);

        // Only the hierarchical algorithm's shape depends on the nodes (a ring uses them for channels, here one).
        if (algorithm != CollectiveAlgorithm.Hierarchical || nodes is null) nodes = new int[n];
        var key = (operation, algorithm, n, root, algorithm == CollectiveAlgorithm.Hierarchical ? string.Join(",", nodes) : "");
        return Fractions.GetOrAdd(key, _ =>
        {
            int length = Collectives.Collective.TemplateLength(n, 1);
            CollectiveSchedule schedule;
            try
            {
                schedule = ScheduleFactory.Create(operation, algorithm, n, length, root, 1, nodes, 1, timing: true);
            }
            catch (ArgumentException)
            {
                return null;
            }

            var received = new double[n];
            var sent = new double[n];
            foreach (ScheduleStep s in schedule.Steps)
            {
                if (!s.IsTransfer) continue;
                received[s.Destination] += s.Count * schedule.WireScale / length;
                sent[s.Source] += s.Count * schedule.WireScale / length;
            }

            return ((double[], double[])?)(received, sent);
        });
    }

    // Above this group size the schedules (n^2 steps for the direct algorithms) cost more to build than they tighten
    // the bound: what any algorithm must move is used instead.
    private const int ScheduledBoundRanks = 64;

    /// <summary>
    /// Elements each position receives, per element of a rank's buffer, without building an n^2-step schedule: for the
    /// executor's reductions (ring and one-shot all-reduce, ring and direct reduce-scatter) what their schedules move;
    /// otherwise what any algorithm must move: all-gather, every other member's part (n - 1); all-reduce, one value per
    /// element (1); reduce-scatter, its reduced part (1/n); all-to-all, the others' parts for it ((n - 1)/n);
    /// broadcast, the root's buffer at every other member (1). Nothing is claimed of the sends.
    /// </summary>
    internal static (double[] In, double[] Out) LargeGroupFractions(CollectiveOperation operation, CollectiveAlgorithm algorithm, int n, int root)
    {
        var received = new double[n];
        double each = (operation, algorithm) switch
        {
            // The executor's algorithms, whose schedules move exactly this (tested against the schedules).
            (CollectiveOperation.AllReduce, CollectiveAlgorithm.Ring) => 2.0 * (n - 1) / n,
            (CollectiveOperation.AllReduce, CollectiveAlgorithm.OneShot) => n - 1,
            (CollectiveOperation.ReduceScatter, CollectiveAlgorithm.Ring or CollectiveAlgorithm.Direct) => (n - 1.0) / n,
            _ => Universal(operation, n),
        };
        Array.Fill(received, each);
        if (operation == CollectiveOperation.Broadcast) received[root] = 0;
        return (received, new double[n]);
    }

    private static double Universal(CollectiveOperation operation, int n) => operation switch
    {
        CollectiveOperation.AllGather => n - 1,
        CollectiveOperation.AllReduce => 1,
        CollectiveOperation.ReduceScatter => 1.0 / n,
        CollectiveOperation.AllToAll => (n - 1.0) / n,
        CollectiveOperation.Broadcast => 1,
        _ => 0,
    };

    /// <summary>Per device: the summed bandwidth of its links by class and the shortest latency among them.</summary>
    private sealed class LinkBound
    {
        private readonly double[] _scaleUp, _scaleOut, _latency;

        private LinkBound(SystemSpec system)
        {
            int count = system.DeviceCount;
            _scaleUp = new double[count];
            _scaleOut = new double[count];
            _latency = new double[count];
            Array.Fill(_latency, double.PositiveInfinity);
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (DeviceSpec d in system.Devices) index[d.Id] = d.Index;
            foreach (LinkSpec link in system.Links)
            {
                foreach (string end in (string[])[link.From, link.To])
                {
                    if (!index.TryGetValue(end, out int d)) continue;
                    if (link.Network == LinkNetwork.ScaleOut) _scaleOut[d] += link.BandwidthBytesPerSecond;
                    else _scaleUp[d] += link.BandwidthBytesPerSecond;
                    _latency[d] = Math.Min(_latency[d], link.LatencySeconds);
                }
            }
        }

        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SystemSpec, LinkBound> Cache = [];

        public static LinkBound For(SystemSpec system) => Cache.GetValue(system, s => new LinkBound(s));

        // The fastest protocol for these bytes: its bound plus its launch cost.
        public double Fastest(IEnumerable<CollectiveFabric> variants, ByteTally tally)
        {
            double fastest = double.PositiveInfinity;
            foreach (CollectiveFabric v in variants) fastest = Math.Min(fastest, Seconds(v, tally) + (v.Protocol?.LaunchSeconds ?? 0));
            return fastest;
        }

        // The variant's network derates the link classes itself (ByteScale 1) or scales the bytes (ByteScale 1/eff).
        private double Seconds(CollectiveFabric variant, ByteTally tally)
        {
            double up = 1, down = 1;
            if (variant.Protocol is { } p && variant.ByteScale == 1)
            {
                up = p.ScaleUp.BandwidthEfficiency;
                down = p.ScaleOut.BandwidthEfficiency;
            }

            double worst = 0;
            foreach (int device in tally.Devices)
            {
                double bytes = Math.Max(tally.In[device], tally.Out[device]);
                if (bytes <= 0) continue;
                double capacity = (_scaleUp[device] * up) + (_scaleOut[device] * down);
                double latency = double.IsPositiveInfinity(_latency[device]) ? 0 : _latency[device];
                worst = Math.Max(worst, Math.Max(bytes * variant.ByteScale / capacity, latency));
            }

            return worst;
        }
    }

    private static double GemmSeconds(ExecutionPlan plan, GemmTask t, NpuSpec npu, TimingOptions options)
    {
        double bytes = BFloat16Bytes * (((double)t.M * t.K) + ((double)t.K * t.N))
            + (plan.Slots[t.C].ElementBytes * (double)t.M * t.N * (t.Accumulate ? 2 : 1));
        return options.LaunchSeconds + Math.Max(
            t.Flops / (npu.Bf16FlopsPerSecond * options.ComputeEfficiency),
            bytes / (npu.HbmBytesPerSecond * options.HbmEfficiency));
    }

    /// <summary>
    /// Replaces every Auto algorithm by the fastest on the model for the call's first group (reductions: among Ring
    /// and OneShot/Direct, the orders the executor implements), so that what runs is what is timed.
    /// </summary>
    /// <param name="plan">The plan.</param>
    /// <returns>The plan with concrete algorithms.</returns>
    public static ExecutionPlan ResolveAlgorithms(ExecutionPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var cache = new Dictionary<string, CollectiveAlgorithm>();
        var steps = plan.Steps.Select(s => s is CollectiveStep c
            ? c with { Calls = c.Calls.Select(call => call.Algorithm == CollectiveAlgorithm.Auto ? call with { Algorithm = Choose(plan, call, cache) } : call).ToArray() }
            : s).ToArray();
        return new ExecutionPlan(plan.Mesh, plan.Slots, steps, plan.Inputs, plan.Output);
    }

    internal static long ElementsPerRank(ExecutionPlan plan, CollectiveCall call, int[] group) => call.Operation switch
    {
        CollectiveOperation.AllGather or CollectiveOperation.AllToAll or CollectiveOperation.AllReduce or CollectiveOperation.ReduceScatter =>
            group.Max(p => plan.Slots[call.Source].Extents[p].Elements),
        _ => plan.Slots[call.Source].Extents[group[0]].Elements,
    };

    // Choices depend only on the system, the operation, the size and the group's devices: shared by every plan.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SystemSpec, System.Collections.Concurrent.ConcurrentDictionary<string, CollectiveAlgorithm>> Choices = [];

    private static CollectiveAlgorithm Choose(ExecutionPlan plan, CollectiveCall call, Dictionary<string, CollectiveAlgorithm> cache)
    {
        if (call.Operation == CollectiveOperation.SendReceive) return CollectiveAlgorithm.Direct;
        int[] group = call.Groups[0];
        if (group.Length < 2) return CollectiveAlgorithm.Ring;
        long elements = ElementsPerRank(plan, call, group);
        SystemSpec system = plan.Mesh.System;
        var devices = group.Select(p => plan.Mesh.Devices[p]).ToArray();
        int rootDevice = call.Roots is null ? devices[0] : plan.Mesh.Devices[call.Roots[0]];
        string key = $"{call.Operation}|{elements}|{rootDevice}|{string.Join(",", devices)}";
        var shared = Choices.GetValue(system, _ => new());
        if (shared.TryGetValue(key, out var known)) return known;
        if (cache.TryGetValue(key, out var cached)) return cached;
        int root = call.Roots is null ? devices[0] : plan.Mesh.Devices[call.Roots[0]];
        var options = new CollectiveOptions { Group = devices, Root = call.Operation == CollectiveOperation.Broadcast ? root : null };
        CollectiveAlgorithm[] candidates = call.Operation switch
        {
            CollectiveOperation.AllReduce => [CollectiveAlgorithm.Ring, CollectiveAlgorithm.OneShot],
            CollectiveOperation.ReduceScatter => [CollectiveAlgorithm.Ring, CollectiveAlgorithm.Direct],
            _ => [.. Collectives.Collective.SupportedAlgorithms(call.Operation)],
        };
        CollectiveAlgorithm best = candidates
            .Select(a => (a, t: Collectives.Collective.Estimate(system, call.Operation, Math.Max(1, elements), CollectiveDataType.Bf16, a, options).SimulatedSeconds))
            .OrderBy(x => x.t).First().a;
        cache[key] = best;
        shared[key] = best;
        return best;
    }

    private static (double Seconds, double Bytes, string Detail, List<(int, double)> Sent, List<(string, double)> Links) TimeCollectives(
        ExecutionPlan plan, CollectiveFabric fabric, CollectiveStep step, TimingOptions options)
    {
        DeviceMesh mesh = plan.Mesh;
        if (TooLargeToSimulateJointly(step, options))
        {
            return TimeGroupsApart(plan, step);
        }

        var details = new List<string>();
        var resolved = step.Calls.Select(call => call.Algorithm == CollectiveAlgorithm.Auto ? call with { Algorithm = Choose(plan, call, []) } : call).ToArray();
        foreach (CollectiveCall call in resolved)
        {
            details.Add(call.Operation == CollectiveOperation.SendReceive
                ? $"ppermute x{call.Pairs!.Count}"
                : $"{Redistribution.Name(call.Operation)} {call.Algorithm} x{call.Groups.Count} groups of {call.Groups[0].Length}");
        }

        // Every protocol of the system is timed, all the step's collectives together, and the fastest kept (as each
        // collective alone is timed): the same chunks, channels, byte scale, step latencies and launch cost.
        (double Seconds, List<(int, double)> Sent, double Bytes, List<(string, double)> Links)? best = null;
        foreach (CollectiveFabric variant in fabric.TimingVariants(CollectiveAlgorithm.Ring))
        {
            var lists = new List<TimedTransfer[]>();
            var timers = new List<(ScheduleTimer Timer, double Scale, int Start, int Count)>();
            int offset = 0;
            foreach (CollectiveCall call in resolved)
            {
                if (call.Operation == CollectiveOperation.SendReceive)
                {
                    double latency = variant.Protocol?.ScaleUp.StepLatencySeconds ?? 0;
                    TimedTransfer[] list = [.. call.Pairs!
                        .Where(pair => pair.From != pair.To)
                        .Select(pair => new TimedTransfer(mesh.Devices[pair.From], mesh.Devices[pair.To],
                            (double)plan.Slots[call.Source].Extents[pair.From].Elements * BFloat16Bytes * variant.ByteScale, [], latency))];
                    lists.Add(list);
                    offset += list.Length;
                    continue;
                }

                for (int g = 0; g < call.Groups.Count; g++)
                {
                    int[] group = call.Groups[g];
                    int[] devices = group.Select(p => mesh.Devices[p]).ToArray();
                    int root = call.Roots is null ? 0 : Math.Max(0, Array.IndexOf(group, call.Roots[g]));
                    var timer = ConcurrentCollectives.Timer(variant, call.Operation, call.Algorithm, devices, ElementsPerRank(plan, call, group), BFloat16Bytes, root);
                    if (timer is null) continue;
                    TimedTransfer[] list = timer.Value.Timer.Transfers(timer.Value.Scale);
                    lists.Add(list);
                    timers.Add((timer.Value.Timer, timer.Value.Scale, offset, list.Length));
                    offset += list.Length;
                }
            }

            if (offset == 0) return (0, 0, string.Join("; ", details), [], []);
            TransferTimes times = ConcurrentCollectives.Simulate(variant, lists);
            double total = times.TotalSeconds;
            foreach (var (timer, scale, start, count) in timers)
            {
                total = Math.Max(total, timer.TailOf(times.FinishSeconds.AsSpan(start, count), scale));
            }

            total += variant.Protocol?.LaunchSeconds ?? 0;
            if (best is null || total < best.Value.Seconds)
            {
                var sent = new List<(int, double)>();
                foreach (var t in lists.SelectMany(l => l)) if (t.Bytes > 0) sent.Add((t.Source, t.Bytes / variant.ByteScale));
                best = (total, sent, sent.Sum(x => x.Item2), times.Links.Where(l => l.Bytes > 0).Select(l => (l.Name, l.Bytes / variant.ByteScale)).ToList());
            }
        }

        return (best!.Value.Seconds, best.Value.Bytes, string.Join("; ", details) + "; simulated together", best.Value.Sent, best.Value.Links);
    }

    // A step's transfer count, from the algorithms' step counts (ring-like: 2n per member; direct: n per member).
    private static bool TooLargeToSimulateJointly(CollectiveStep step, TimingOptions options)
    {
        long transfers = 0;
        foreach (CollectiveCall call in step.Calls)
        {
            if (call.Operation == CollectiveOperation.SendReceive)
            {
                transfers += call.Pairs!.Count;
                continue;
            }

            foreach (int[] g in call.Groups) transfers += 2L * g.Length * g.Length;
        }

        return transfers > options.MaxJointTransfers && step.Calls.All(c => c.Operation != CollectiveOperation.SendReceive);
    }

    /// <summary>Each distinct group timed alone by the collective model (with its round-by-round mode for huge
    /// schedules and its plan cache); the step takes as long as its slowest group. Contention between groups is ignored.</summary>
    private static (double Seconds, double Bytes, string Detail, List<(int, double)> Sent, List<(string, double)> Links) TimeGroupsApart(ExecutionPlan plan, CollectiveStep step)
    {
        DeviceMesh mesh = plan.Mesh;
        double worst = 0, bytes = 0;
        var sent = new List<(int, double)>();
        var details = new List<string>();
        var seen = new Dictionary<string, CollectiveTiming>();
        foreach (CollectiveCall call in step.Calls)
        {
            for (int g = 0; g < call.Groups.Count; g++)
            {
                int[] group = call.Groups[g];
                // The slowest group is the one with the most data (uneven shards): time every group at that size.
                long elements = call.Groups.Max(x => ElementsPerRank(plan, call, x));
                int rootPosition = call.Roots is null ? 0 : Math.Max(0, Array.IndexOf(group, call.Roots[g]));
                string shape = $"{call.Operation}|{call.Algorithm}|{group.Length}|{elements}|{rootPosition}";
                if (!seen.TryGetValue(shape, out CollectiveTiming? timing))
                {
                    int[] devices = group.Select(p => mesh.Devices[p]).ToArray();
                    var options = new CollectiveOptions { Group = devices, Root = call.Operation == CollectiveOperation.Broadcast ? devices[rootPosition] : null };
                    timing = group.Length < 2 || elements == 0
                        ? null!
                        : Collectives.Collective.Estimate(mesh.System, call.Operation, elements, CollectiveDataType.Bf16, call.Algorithm, options);
                    seen[shape] = timing;
                }

                if (timing is null) continue;
                worst = Math.Max(worst, timing.SimulatedSeconds);
                // Bytes each member sends: the bus bytes of the operation, S x busbw factor, spread over the members.
                double perMember = timing.Bytes * Collectives.Collective.BusBandwidthFactor(call.Operation, group.Length);
                foreach (int p in group) sent.Add((mesh.Devices[p], perMember));
                bytes += perMember * group.Length;
            }

            details.Add($"{Redistribution.Name(call.Operation)} {call.Algorithm} x{call.Groups.Count} groups of {call.Groups[0].Length}");
        }

        return (worst, bytes, string.Join("; ", details) + "; groups timed one at a time (contention between groups ignored)", sent, []);
    }

    private static string Key(ExecutionPlan plan, CollectiveStep step) => string.Join(";", step.Calls.Select(c =>
        $"{c.Operation}|{c.Algorithm}|{(c.Pairs is null ? "" : string.Join(",", c.Pairs.Take(4)) + c.Pairs.Count)}|" +
        $"{string.Join("/", c.Groups.Select(g => string.Join(",", g)))}|{string.Join(",", c.Roots ?? [])}|" +
        $"{string.Join(",", plan.Slots[c.Source].Extents.Select(e => e.Elements))}"));

    private static string Tier(string link)
    {
        int i = 0;
        while (i < link.Length && !char.IsDigit(link[i])) i++;
        return i == 0 ? link : link[..i].TrimEnd('-', '_', '.');
    }
}
