using CloudMatrix.Compute.Network;

namespace CloudMatrix.Compute.Collectives;

/// <summary>How a schedule was timed.</summary>
internal enum TimingModel
{
    /// <summary>Every transfer with its dependencies in one network simulation (exact for the flow model).</summary>
    FlowGraph,

    /// <summary>
    /// Rounds one after another, each simulated on its own with all its transfers concurrent (bulk-synchronous);
    /// used for schedules with many transfers that are unchunked or whose rounds are pipeline wavefronts (every
    /// step waits only for earlier rounds, as in the double binary tree). Identical rounds are simulated once.
    /// </summary>
    Rounds,
}

/// <summary>Simulated time of one schedule: the total, the model used and the link loads.</summary>
internal sealed record ScheduleTiming(double Seconds, TimingModel Model, IReadOnlyList<LinkUsage> Links, int TransferCount);

/// <summary>
/// Turns a schedule into transfers for the network model and adds the devices' reduction time.
/// </summary>
/// <remarks>
/// Model: a device adds what it receives serially, at its reduce roofline (<see cref="DeviceReduceModel"/>). A step
/// starts after its dependencies have arrived plus the reductions they imply on its device (the reduce times of the
/// incoming steps it waits for). Reductions nothing waits for run on the device's clock after their data arrived;
/// the collective ends when the network and every device's clock are done. Local steps are instant (on a device
/// they alias buffers). Every time scales exactly with the element scale: transfer bytes and reduce times are
/// proportional to it, latencies are not, so one plan serves every size of a sweep.
/// </remarks>
internal sealed class ScheduleTimer
{
    /// <summary>Above this many transfers an unchunked schedule is timed round by round.</summary>
    public const int RoundsThreshold = 4096;

    private readonly CollectiveSchedule _schedule;
    private readonly int[] _group;
    private readonly CollectiveFabric _fabric;
    private readonly TimedTransfer[] _transfers;
    private readonly double[] _roundDelay;
    private readonly double[] _reduceSeconds;
    private readonly bool[] _hasDependents;
    private readonly double[] _stepLatency;
    private readonly List<double> _roundStepLatency = [];
    private readonly int _transferCount;
    private readonly bool _wavefronts;
    private List<RoundShape>? _rounds;
    private LinkUsage[] _roundLinks = [];

    private sealed record RoundShape(TimedTransfer[] Transfers, double[] Scaled, double[] Fixed, LinkUsage[] Links);

    /// <remarks>
    /// The fabric's protocol (if any) adds its step latency, by link class, to every transfer (not scaled with the
    /// size), and its <see cref="Topology.CommunicationCosts.ReducePipelineSlices"/> leaves only that fraction of each
    /// reduction exposed (the rest overlaps the transfer that brings the data).
    /// </remarks>
    public ScheduleTimer(CollectiveSchedule schedule, IReadOnlyList<int> group, int wireElementBytes, int bufferElementBytes, CollectiveFabric fabric)
    {
        _schedule = schedule;
        _group = [.. group];
        _fabric = fabric;
        ScheduleStep[] steps = schedule.Steps;
        _reduceSeconds = new double[steps.Length];
        _hasDependents = new bool[steps.Length];
        _stepLatency = new double[steps.Length];
        double exposed = 1.0 / Math.Max(1, fabric.Costs.ReducePipelineSlices);
        for (int i = 0; i < steps.Length; i++)
        {
            if (steps[i].IsTransfer)
            {
                _transferCount++;
                if (fabric.Protocol is { } protocol)
                {
                    bool scaleOut = fabric.SupernodeOfDevice[_group[steps[i].Source]] != fabric.SupernodeOfDevice[_group[steps[i].Destination]];
                    _stepLatency[i] = protocol.For(scaleOut ? Topology.LinkNetwork.ScaleOut : Topology.LinkNetwork.ScaleUp).StepLatencySeconds;
                }
            }

            _reduceSeconds[i] = steps[i].Kind == StepKind.Reduce && steps[i].Count > 0
                ? fabric.Reduce.Seconds(steps[i].Count, bufferElementBytes) * schedule.ReduceConcurrency * exposed
                : 0;
            foreach (int dep in schedule.DependenciesOf(steps[i])) _hasDependents[dep] = true;
        }

        // Wavefronts: every dependency lies in an earlier round, except channel order between two messages of one
        // round on one channel (the two trees of a double binary tree can share a channel), which the round model
        // lets share the link instead of queueing: the later of the two ends at the same time either way.
        _wavefronts = true;
        for (int i = 0; i < steps.Length && _wavefronts; i++)
        {
            ref readonly ScheduleStep s = ref steps[i];
            foreach (int dep in schedule.DependenciesOf(s))
            {
                ref readonly ScheduleStep d = ref steps[dep];
                bool sameChannel = d.Source == s.Source && d.Destination == s.Destination && d.IsTransfer;
                if (d.Round > s.Round || (d.Round == s.Round && !sameChannel)) _wavefronts = false;
            }
        }

        _transfers = new TimedTransfer[steps.Length];
        for (int i = 0; i < steps.Length; i++)
        {
            ref readonly ScheduleStep s = ref steps[i];
            ReadOnlySpan<int> deps = schedule.DependenciesOf(s);
            double delay = 0;
            foreach (int d in deps)
            {
                if (steps[d].Destination == s.Source) delay += _reduceSeconds[d];
            }

            double bytes = s.IsTransfer ? (double)s.Count * wireElementBytes * schedule.WireScale * fabric.ByteScale : 0;
            _transfers[i] = new TimedTransfer(_group[s.Source], _group[s.Destination], bytes, deps.ToArray(), delay);
        }

        // Round by round, local steps (joins) vanish: a transfer then carries the reductions they waited for.
        _roundDelay = new double[steps.Length];
        for (int i = 0; i < steps.Length; i++)
        {
            double d = _transfers[i].DelaySeconds;
            foreach (int dep in schedule.DependenciesOf(steps[i]))
            {
                if (!steps[dep].IsTransfer && steps[dep].Destination == steps[i].Source) d += _roundDelay[dep];
            }

            _roundDelay[i] = d;
        }
    }

    public int TransferCount => _transferCount;

    public int StepCount => _transfers.Length;

    /// <summary>
    /// Whether every step waits only for steps of earlier rounds, so that timing the rounds one after another keeps
    /// every dependency (pipelined schedules whose rounds are wavefronts).
    /// </summary>
    public bool RoundsAreWavefronts => _wavefronts;

    public TimingModel Model(int chunks) =>
        _transferCount > RoundsThreshold && (chunks == 1 || _wavefronts) ? TimingModel.Rounds : TimingModel.FlowGraph;

    /// <summary>Times the schedule with every element count multiplied by <paramref name="scale"/>.</summary>
    public ScheduleTiming Time(double scale, int chunks) => Time(scale, Model(chunks));

    /// <summary>Times the schedule with the given model (tests compare the two).</summary>
    public ScheduleTiming Time(double scale, TimingModel model) =>
        model == TimingModel.Rounds ? TimeRounds(scale) : TimeFlowGraph(scale);

    /// <summary>The transfers the flow-graph model simulates, scaled (for simulating several schedules together).</summary>
    public TimedTransfer[] Transfers(double scale)
    {
        var scaled = new TimedTransfer[_transfers.Length];
        for (int i = 0; i < scaled.Length; i++)
        {
            TimedTransfer t = _transfers[i];
            scaled[i] = t with { Bytes = t.Bytes * scale, DelaySeconds = (t.DelaySeconds * scale) + _stepLatency[i] };
        }

        return scaled;
    }

    /// <summary>When this schedule's last reduction ends, given its transfers' finish times (a slice of a joint run).</summary>
    public double TailOf(ReadOnlySpan<double> finish, double scale) => Tail(finish.ToArray(), scale);

    private ScheduleTiming TimeFlowGraph(double scale)
    {
        var scaled = new TimedTransfer[_transfers.Length];
        for (int i = 0; i < scaled.Length; i++)
        {
            TimedTransfer t = _transfers[i];
            scaled[i] = t with { Bytes = t.Bytes * scale, DelaySeconds = (t.DelaySeconds * scale) + _stepLatency[i] };
        }

        TransferTimes times = _fabric.Network.Simulate(scaled);
        double total = Math.Max(times.TotalSeconds, Tail(times.FinishSeconds, scale));
        return new ScheduleTiming(total, TimingModel.FlowGraph, times.Links, _transferCount);
    }

    // Reductions nothing waits for: serial on each device's clock, each after its data arrived.
    private double Tail(double[] finish, double scale)
    {
        var tails = new List<(int Rank, double Arrival, double Seconds)>();
        ScheduleStep[] steps = _schedule.Steps;
        for (int i = 0; i < steps.Length; i++)
        {
            if (_hasDependents[i] || _reduceSeconds[i] == 0) continue;
            tails.Add((steps[i].Destination, finish[i], _reduceSeconds[i] * scale));
        }

        double total = 0;
        var clock = new Dictionary<int, double>();
        foreach (var (rank, arrival, seconds) in tails.OrderBy(x => x.Arrival))
        {
            double c = Math.Max(clock.GetValueOrDefault(rank), arrival) + seconds;
            clock[rank] = c;
            total = Math.Max(total, c);
        }

        return total;
    }

    private ScheduleTiming TimeRounds(double scale)
    {
        lock (_transfers)
        {
            _rounds ??= SimulateRounds();
        }

        double total = 0;
        for (int k = 0; k < _rounds.Count; k++)
        {
            RoundShape round = _rounds[k];
            double longest = 0;
            for (int f = 0; f < round.Scaled.Length; f++)
            {
                longest = Math.Max(longest, (round.Scaled[f] * scale) + round.Fixed[f]);
            }

            total += longest + _roundStepLatency[k];
        }

        // Bytes scale exactly; busy time is taken as scaling too (it is transmission time once latency is excluded).
        LinkUsage[] links = [.. _roundLinks.Select(l => l with { Bytes = l.Bytes * scale, BusySeconds = l.BusySeconds * scale })];

        // Reductions after the last round: the busiest device's serial sum.
        var perDevice = new Dictionary<int, double>();
        ScheduleStep[] steps = _schedule.Steps;
        for (int i = 0; i < steps.Length; i++)
        {
            if (_hasDependents[i] || _reduceSeconds[i] == 0) continue;
            perDevice[steps[i].Destination] = perDevice.GetValueOrDefault(steps[i].Destination) + _reduceSeconds[i];
        }

        total += perDevice.Count > 0 ? perDevice.Values.Max() * scale : 0;
        return new ScheduleTiming(total, TimingModel.Rounds, links, _transferCount);
    }

    // Each round alone, all its transfers concurrent from time 0 (each after its own reduce delay). A round's
    // transmit times scale with the bytes (so do the delays); its path latencies do not.
    private List<RoundShape> SimulateRounds()
    {
        var byRound = new SortedDictionary<int, List<int>>();
        ScheduleStep[] steps = _schedule.Steps;
        for (int i = 0; i < steps.Length; i++)
        {
            if (!steps[i].IsTransfer) continue;
            if (!byRound.TryGetValue(steps[i].Round, out var list)) byRound[steps[i].Round] = list = [];
            list.Add(i);
        }

        var cache = new Dictionary<int, List<RoundShape>>();
        var rounds = new List<RoundShape>();
        foreach (List<int> members in byRound.Values)
        {
            double stepLatency = 0;
            foreach (int i in members) stepLatency = Math.Max(stepLatency, _stepLatency[i]);
            _roundStepLatency.Add(stepLatency);
            // Rounds that move the same bytes over the same pairs after the same delays are simulated once.
            var alone = members.Select(i => _transfers[i] with { DependsOn = [], DelaySeconds = _roundDelay[i] }).OrderBy(t => t.Source).ThenBy(t => t.Destination).ThenBy(t => t.Bytes).ToArray();
            var hash = new HashCode();
            foreach (TimedTransfer t in alone)
            {
                hash.Add(t.Source);
                hash.Add(t.Destination);
                hash.Add(t.Bytes);
                hash.Add(t.DelaySeconds);
            }

            int key = hash.ToHashCode();
            if (!cache.TryGetValue(key, out List<RoundShape>? candidates)) cache[key] = candidates = [];
            RoundShape? shape = candidates.FirstOrDefault(c => Same(c.Transfers, alone));
            if (shape is null)
            {
                TransferTimes times = _fabric.Network.Simulate(alone);
                var scaled = new double[alone.Length];
                var fixedPart = new double[alone.Length];
                for (int f = 0; f < alone.Length; f++)
                {
                    scaled[f] = times.TransmitEndSeconds[f];
                    fixedPart[f] = times.FinishSeconds[f] - times.TransmitEndSeconds[f];
                }

                shape = new RoundShape(alone, scaled, fixedPart, [.. times.Links.Where(l => l.Bytes > 0)]);
                candidates.Add(shape);
            }

            rounds.Add(shape);
        }

        var links = new Dictionary<string, LinkUsage>();
        foreach (RoundShape round in rounds)
        {
            foreach (LinkUsage l in round.Links)
            {
                links[l.Name] = links.TryGetValue(l.Name, out LinkUsage? sum)
                    ? sum with { Bytes = sum.Bytes + l.Bytes, BusySeconds = sum.BusySeconds + l.BusySeconds }
                    : l;
            }
        }

        _roundLinks = [.. links.Values];
        return rounds;
    }

    private static bool Same(TimedTransfer[] a, TimedTransfer[] b)
    {
        if (a.Length != b.Length) return false;
        for (int i = 0; i < a.Length; i++)
        {
            if (a[i].Source != b[i].Source || a[i].Destination != b[i].Destination || a[i].Bytes != b[i].Bytes || a[i].DelaySeconds != b[i].DelaySeconds) return false;
        }

        return true;
    }
}
