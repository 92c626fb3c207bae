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
    /// <exception cref="ArgumentOutOfRangeException">An option out of range.</exception>
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
    public static double ComputeLowerBound(ExecutionPlan plan, TimingOptions? options)
    {
        ArgumentNullException.ThrowIfNull(plan);
        options ??= TimingOptions.Default;
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
