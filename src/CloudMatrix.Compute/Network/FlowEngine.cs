using System.Diagnostics;

namespace CloudMatrix.Compute.Network;

/// <summary>
/// The flow-level, event-driven simulation: routes every flow (<see cref="FlowRoutes"/>), then advances simulated
/// time from one event (a flow starting or its last byte leaving; <see cref="FlowEventQueue"/>) to the next,
/// re-computing max-min fair rates over the active flows at each (<see cref="RateAllocator"/>), and assembles the
/// result (<see cref="FlowResultAssembly"/>).
/// </summary>
/// <remarks>
/// Work per event is proportional to the active flows' resource entries (times a heap logarithm). Flows whose last
/// bytes leave within a relative 1e-12 of each other end at one event, so symmetric patterns (all-to-all) need few
/// allocations.
/// </remarks>
internal sealed class FlowEngine
{
    private const double SameTime = 1e-12;

    private readonly FabricGraph _g;
    private readonly IReadOnlyList<Flow> _flows;
    private readonly int _n;
    private readonly bool _fullAllocationOnly;

    // The run's state: routes, events, rates, and each flow's times and dependencies.
    private FlowRoutes _routes = null!;
    private FlowEventQueue _events = null!;
    private RateAllocator _rates = null!;
    private int[][] _dependents = [];
    private int[] _depsLeft = [];
    private double[] _start = [];
    private double[] _txEnd = [];
    private double[] _finish = [];
    private double[] _ready = [];
    private int _done;

    public FlowEngine(FabricGraph graph, IReadOnlyList<Flow> flows, bool fullAllocationOnly = false)
    {
        _g = graph;
        _flows = flows;
        _n = flows.Count;
        _fullAllocationOnly = fullAllocationOnly;
    }

    public SimulationResult Run()
    {
        var clock = Stopwatch.StartNew();
        Validate(_flows, out _dependents, out int[] depCount);
        _routes = FlowRoutes.Build(_g, _flows);
        _depsLeft = (int[])depCount.Clone();
        _start = new double[_n];
        _txEnd = new double[_n];
        _finish = new double[_n];
        _ready = new double[_n];
        _events = new FlowEventQueue([.. Enumerable.Range(0, _n).Where(f => _depsLeft[f] == 0)], f => _flows[f].DelaySeconds);
        _rates = new RateAllocator(_g, _routes, _n, _events, TimeOutOfRange);

        var finished = new List<int>();
        double now = 0;
        int epochs = 0;
        while (true)
        {
            bool started = StartDue(now);
            if (_rates.ActiveCount == 0)
            {
                finished.Clear();
                if (!_events.NextStart(out _, out double t))
                {
                    break;
                }

                now = Math.Max(now, t);
                continue;
            }

            if (started || (finished.Count > 0 && _fullAllocationOnly))
            {
                _rates.AllocateAll(now);
                epochs++;
            }
            else if (finished.Count > 0)
            {
                _rates.AllocateAfterEnds(finished, now);
                epochs++;
            }

            finished.Clear();
            double tEnd = _events.NextEnd(_rates.FlowVersion, _rates.Rate);
            double tNext = _events.NextStart(out _, out double tStart) ? Math.Min(tEnd, tStart) : tEnd;
            _rates.AccumulateBusy(tNext - now);
            now = tNext;
            while (_events.TakeEnd(now * (1 + SameTime), out int f, out int version, out double te))
            {
                if (version != _rates.FlowVersion[f] || _rates.Rate[f] <= 0)
                {
                    continue;
                }

                finished.Add(f);
                _rates.Deactivate(f);
                Complete(f, te);
            }
        }

        if (_done != _n)
        {
            throw new InvalidOperationException($"Only {_done} of {_n} flows ran; the dependency check should have caught this.");
        }

        return FlowResultAssembly.Assemble(_g, _flows, _routes, _rates.Busy, _start, _txEnd, _finish, epochs, clock.Elapsed);
    }

    /// <summary>Starts every flow due at <paramref name="now"/> (local copies and empty routes end at once and may release dependents now); true when one became active.</summary>
    private bool StartDue(double now)
    {
        bool started = false;
        while (_events.NextStart(out int f, out double t) && t <= now * (1 + SameTime) + double.Epsilon)
        {
            _events.TakeStart();
            _start[f] = t;
            if (_routes.End[f] == _routes.Start[f] || _flows[f].Bytes == 0)
            {
                Complete(f, t);
                continue;
            }

            _rates.Activate(f, _flows[f].Bytes * _g.CapacityScale, now);
            started = true;
        }

        return started;
    }

    /// <summary>Records that <paramref name="f"/>'s last byte left at <paramref name="t"/> and releases the flows waiting only on it.</summary>
    private void Complete(int f, double t)
    {
        _txEnd[f] = t;
        _finish[f] = _routes.End[f] == _routes.Start[f] ? t : t + _routes.Latency[f];
        if (!double.IsFinite(_finish[f]))
        {
            throw TimeOutOfRange(f);
        }

        _done++;
        foreach (int g in _dependents[f])
        {
            _ready[g] = Math.Max(_ready[g], _finish[f]);
            if (--_depsLeft[g] == 0)
            {
                double due = _ready[g] + _flows[g].DelaySeconds;
                if (!double.IsFinite(due))
                {
                    throw TimeOutOfRange(g);
                }

                _events.Release(g, due);
            }
        }
    }

    /// <summary>The error for a flow whose start or end lies beyond the largest finite double of seconds.</summary>
    private ArgumentException TimeOutOfRange(int f) => TimeOutOfRange(f, _flows);

    private static ArgumentException TimeOutOfRange(int f, IReadOnlyList<Flow> flows) => new(
        $"flows[{f}] (id {flows[f].Id}) would end or start beyond {double.MaxValue:R} s of simulated time: its bytes over its bandwidth, " +
        "or the delays and transfer times along its dependencies, add up to more than a double holds; use smaller delays or sizes, or faster links.",
        nameof(flows));

    /// <summary>Checks the flow list; returns each flow's dependents and dependency count.</summary>
    private void Validate(IReadOnlyList<Flow> flows, out int[][] dependents, out int[] depCount)
    {
        int devices = _g.System.DeviceCount;
        bool dense = true;   // ids 0..n-1 in order: positions are ids, no dictionary needed
        bool anyDeps = false;
        for (int i = 0; i < _n; i++)
        {
            Flow f = flows[i] ?? throw new ArgumentException($"flows[{i}] is null.", nameof(flows));
            dense &= f.Id == i;
            anyDeps |= f.DependsOn is { Count: > 0 };
            if ((uint)f.Source >= (uint)devices)
            {
                throw new ArgumentOutOfRangeException(nameof(flows), f.Source, $"flows[{i}].Source must be a device index in 0..{devices - 1}, was {f.Source}.");
            }

            if ((uint)f.Destination >= (uint)devices)
            {
                throw new ArgumentOutOfRangeException(nameof(flows), f.Destination, $"flows[{i}].Destination must be a device index in 0..{devices - 1}, was {f.Destination}.");
            }

            if (!(double.IsFinite(f.Bytes) && f.Bytes >= 0))
            {
                throw new ArgumentOutOfRangeException(nameof(flows), f.Bytes, $"flows[{i}].Bytes must be finite and >= 0, was {f.Bytes}.");
            }

            if (!(double.IsFinite(f.DelaySeconds) && f.DelaySeconds >= 0))
            {
                throw new ArgumentOutOfRangeException(nameof(flows), f.DelaySeconds, $"flows[{i}].DelaySeconds must be finite and >= 0, was {f.DelaySeconds}.");
            }
        }

        Dictionary<int, int>? byId = null;
        if (!dense)
        {
            byId = new Dictionary<int, int>(_n);
            for (int i = 0; i < _n; i++)
            {
                if (!byId.TryAdd(flows[i].Id, i))
                {
                    throw new ArgumentException($"flows[{i}].Id {flows[i].Id} is a duplicate of flows[{byId[flows[i].Id]}].Id.", nameof(flows));
                }
            }
        }

        depCount = new int[_n];
        if (!anyDeps)
        {
            dependents = new int[_n][];
            Array.Fill(dependents, []);
            return;
        }

        var lists = new List<int>[_n];
        depCount = new int[_n];
        for (int i = 0; i < _n; i++)
        {
            foreach (int dep in flows[i].DependsOn ?? [])
            {
                int j = dep;
                if (byId is null ? (uint)dep >= (uint)_n : !byId.TryGetValue(dep, out j))
                {
                    throw new ArgumentException($"flows[{i}] (id {flows[i].Id}) depends on flow id {dep}, which is not in the list.", nameof(flows));
                }

                if (j == i)
                {
                    throw new ArgumentException($"flows[{i}] (id {flows[i].Id}) depends on itself.", nameof(flows));
                }

                (lists[j] ??= []).Add(i);
                depCount[i]++;
            }
        }

        dependents = lists.Select(l => l is null ? Array.Empty<int>() : l.ToArray()).ToArray();

        // Kahn's algorithm: whatever is left over sits on a cycle.
        var left = (int[])depCount.Clone();
        var queue = new Queue<int>(Enumerable.Range(0, _n).Where(i => left[i] == 0));
        int seen = 0;
        while (queue.Count > 0)
        {
            int f = queue.Dequeue();
            seen++;
            foreach (int g in dependents[f])
            {
                if (--left[g] == 0)
                {
                    queue.Enqueue(g);
                }
            }
        }

        if (seen != _n)
        {
            int stuck = Array.FindIndex(left, c => c > 0);
            throw new ArgumentException($"The dependencies of flows[{stuck}] (id {flows[stuck].Id}) form a cycle; no flow on it could start.", nameof(flows));
        }
    }
}
