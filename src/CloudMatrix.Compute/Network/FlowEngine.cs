using System.Diagnostics;
using System.Runtime.InteropServices;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Network;

/// <summary>
/// The flow-level, event-driven simulation: routes every flow, then advances simulated time from one event (a
/// flow starting or its last byte leaving) to the next, re-computing max-min fair rates (progressive filling) over
/// the active flows at each event.
/// </summary>
/// <remarks>
/// Work per event is proportional to the active flows' resource entries (times a heap logarithm): each resource
/// keeps the list of its active entries, updated as flows start and end, and the progressive filling freezes each
/// active flow once, updating only the resources that flow crosses. Flows whose last bytes leave within a
/// relative 1e-12 of each other end at one event, so symmetric patterns (all-to-all) need few allocations.
/// </remarks>
internal sealed class FlowEngine
{
    private const double SameTime = 1e-12;

    // Rates within this relative distance are the same level of the progressive filling (rounding only).
    private const double TieTolerance = 1e-12;

    private readonly FabricGraph _g;
    private readonly IReadOnlyList<Flow> _flows;
    private readonly int _n;

    // Per-flow resource entries (CSR): bundle and fraction of the flow's rate it carries.
    private int[] _entryStart = [];
    private int[] _entryEnd = [];
    private int _entryCount;
    private int[] _entryRes = [];
    private double[] _entryCoef = [];
    private int[] _entryFlow = [];
    private int[] _entryPos = [];
    private double[] _latency = [];

    // Per-resource active entries.
    private int[] _resStart = [];
    private int[] _resList = [];
    private int[] _resCount = [];
    private readonly List<int> _activeRes = [];
    private int[] _activeResPos = [];

    private readonly bool _fullAllocationOnly;

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
        Validate(_flows, out int[][] dependents, out int[] depCount);
        RouteAll();
        BuildResourceLists();

        int n = _n;
        var start = new double[n];
        var txEnd = new double[n];
        var finish = new double[n];
        var ready = new double[n];
        var depsLeft = (int[])depCount.Clone();
        var active = new List<int>();
        var activePos = new int[n];
        // Flows released later (by dependencies) wait in a heap; flows free from the start wait in a sorted array.
        var pending = new PriorityQueue<int, double>();
        int[] initial = Enumerable.Range(0, n).Where(f => depsLeft[f] == 0).ToArray();
        double[] initialTime = initial.Select(f => _flows[f].DelaySeconds).ToArray();
        Array.Sort(initialTime, initial);
        int nextInitial = 0;

        // A flow's progress: rem0 bytes left at time t0, moving at rate since then; its predicted end sits in a heap.
        var rem0 = new double[n];
        var t0 = new double[n];
        var rate = new double[n];
        var newRate = new double[n];
        var flowVersion = new int[n];
        var ends = new PriorityQueue<(int Flow, int Version), double>();

        // Allocation state. load[r]: bytes/s on resource r from every active flow at its current rate.
        int resources = _g.BundleCount;
        var busy = new double[resources];
        var load = new double[resources];
        var frozenLoad = new double[resources];
        var weight = new double[resources];
        var unfrozen = new int[resources];
        var version = new int[resources];
        var dirty = new bool[resources];
        var dirtyList = new List<int>();
        var heap = new PriorityQueue<(int Res, int Version), double>();
        var frozen = new bool[n];

        // Which resource froze each flow (its bottleneck), and the flows each resource froze.
        var bottleneck = new int[n];
        Array.Fill(bottleneck, -1);
        var bottleneckPos = new int[n];
        var frozenBy = new List<int>[resources];
        var inComponent = new int[n];
        var resourceMark = new int[resources];
        var queue = new List<int>();

        // Scratch for partial re-allocation.
        var inSet = new int[n];
        var touchedMark = new int[resources];
        var partStart = new int[resources];
        var partCount = new int[resources];
        var partEntries = new List<int>();
        var set = new List<int>();
        var touched = new List<int>();
        var finished = new List<int>();
        int mark = 0;

        double now = 0;
        int epochs = 0;
        int done = 0;

        while (true)
        {
            // Start every flow due now (and local copies, which end at once and may release dependents now).
            bool started = false;
            while (NextPending(out int f, out double t) && t <= now * (1 + SameTime) + double.Epsilon)
            {
                TakePending();
                start[f] = t;
                int count = _entryEnd[f] - _entryStart[f];
                if (count == 0 || _flows[f].Bytes == 0)
                {
                    Complete(f, t);
                    continue;
                }

                rem0[f] = _flows[f].Bytes * _g.CapacityScale;
                t0[f] = now;
                rate[f] = 0;
                activePos[f] = active.Count;
                active.Add(f);
                for (int e = _entryStart[f]; e < _entryEnd[f]; e++)
                {
                    int r = _entryRes[e];
                    if (_resCount[r] == 0)
                    {
                        _activeResPos[r] = _activeRes.Count;
                        _activeRes.Add(r);
                    }

                    _entryPos[e] = _resCount[r];
                    _resList[_resStart[r] + _resCount[r]++] = e;
                }

                started = true;
            }

            if (active.Count == 0)
            {
                finished.Clear();
                if (!NextPending(out _, out double t))
                {
                    break;
                }

                now = Math.Max(now, t);
                continue;
            }

            if (started)
            {
                AllocateAll();
                epochs++;
            }
            else if (finished.Count > 0 && !_fullAllocationOnly)
            {
                AllocateAfterEnds();
                epochs++;
            }
            else if (finished.Count > 0)
            {
                AllocateAll();
                epochs++;
            }

            finished.Clear();

            double tEnd = double.PositiveInfinity;
            while (ends.TryPeek(out var top, out double te))
            {
                if (top.Version == flowVersion[top.Flow] && rate[top.Flow] > 0)
                {
                    tEnd = te;
                    break;
                }

                ends.Dequeue();
            }

            double tNext = NextPending(out _, out double tStart) ? Math.Min(tEnd, tStart) : tEnd;
            double dt = tNext - now;
            foreach (int r in _activeRes)
            {
                busy[r] += dt;
            }

            now = tNext;
            while (ends.TryPeek(out var top, out double te) && te <= now * (1 + SameTime))
            {
                ends.Dequeue();
                int f = top.Flow;
                if (top.Version != flowVersion[f] || rate[f] <= 0)
                {
                    continue;
                }

                finished.Add(f);
                RemoveActive(f);
                Complete(f, te);
            }
        }

        if (done != n)
        {
            throw new InvalidOperationException($"Only {done} of {n} flows ran; the dependency check should have caught this.");
        }

        // Bytes per resource from the flows' fractions (exact), then per link direction.
        var resBytes = new double[resources];
        for (int f = 0; f < n; f++)
        {
            for (int e = _entryStart[f]; e < _entryEnd[f]; e++)
            {
                resBytes[_entryRes[e]] += _flows[f].Bytes * _entryCoef[e];
            }
        }

        SystemSpec s = _g.System;
        var links = new LinkUsage[2 * s.Links.Count];
        for (int i = 0; i < s.Links.Count; i++)
        {
            LinkSpec l = s.Links[i];
            for (int dir = 0; dir < 2; dir++)
            {
                int b = _g.ArcBundle[2 * i + dir];
                double bytes = b < 0 ? 0 : resBytes[b] / _g.ArcCount[b];
                double busyS = b < 0 ? 0 : busy[b];
                links[2 * i + dir] = dir == 0
                    ? new LinkUsage(l.Id, l.From, l.To, bytes, busyS)
                    : new LinkUsage(l.Id, l.To, l.From, bytes, busyS);
            }
        }

        var timings = new FlowTiming[n];
        for (int f = 0; f < n; f++)
        {
            timings[f] = new FlowTiming(_flows[f].Id, start[f], txEnd[f], finish[f], _latency[f], _flows[f].Tag);
        }

        return new SimulationResult(timings, links, epochs, clock.Elapsed);

        bool NextPending(out int f, out double t)
        {
            bool fromHeap = pending.TryPeek(out f, out t);
            if (nextInitial < initial.Length && (!fromHeap || initialTime[nextInitial] <= t))
            {
                f = initial[nextInitial];
                t = initialTime[nextInitial];
                return true;
            }

            return fromHeap;
        }

        void TakePending()
        {
            bool fromHeap = pending.TryPeek(out _, out double t);
            if (nextInitial < initial.Length && (!fromHeap || initialTime[nextInitial] <= t))
            {
                nextInitial++;
            }
            else
            {
                pending.Dequeue();
            }
        }

        void Complete(int f, double t)
        {
            txEnd[f] = t;
            finish[f] = _entryEnd[f] == _entryStart[f] ? t : t + _latency[f];
            if (!double.IsFinite(finish[f]))
            {
                throw TimeOutOfRange(f);
            }

            done++;
            foreach (int g in dependents[f])
            {
                ready[g] = Math.Max(ready[g], finish[f]);
                if (--depsLeft[g] == 0)
                {
                    double due = ready[g] + _flows[g].DelaySeconds;
                    if (!double.IsFinite(due))
                    {
                        throw TimeOutOfRange(g);
                    }

                    pending.Enqueue(g, due);
                }
            }
        }

        void RemoveActive(int f)
        {
            int last = active[^1];
            active[activePos[f]] = last;
            activePos[last] = activePos[f];
            active.RemoveAt(active.Count - 1);
            flowVersion[f]++;
            UnlinkBottleneck(f);
            for (int e = _entryStart[f]; e < _entryEnd[f]; e++)
            {
                int r = _entryRes[e];
                load[r] -= _entryCoef[e] * rate[f];
                int baseIdx = _resStart[r];
                int lastEntry = _resList[baseIdx + _resCount[r] - 1];
                _resList[baseIdx + _entryPos[e]] = lastEntry;
                _entryPos[lastEntry] = _entryPos[e];
                if (--_resCount[r] == 0)
                {
                    load[r] = 0;
                    int lr = _activeRes[^1];
                    _activeRes[_activeResPos[r]] = lr;
                    _activeResPos[lr] = _activeResPos[r];
                    _activeRes.RemoveAt(_activeRes.Count - 1);
                }
            }
        }

        void UnlinkBottleneck(int f)
        {
            int r = bottleneck[f];
            if (r < 0)
            {
                return;
            }

            List<int> list = frozenBy[r];
            int moved = list[^1];
            list[bottleneckPos[f]] = moved;
            bottleneckPos[moved] = bottleneckPos[f];
            list.RemoveAt(list.Count - 1);
            bottleneck[f] = -1;
        }

        // Freezes flow g at level on resource r: its rate is now level, and r is its bottleneck.
        void Freeze(int g, int r, double level)
        {
            frozen[g] = true;
            newRate[g] = level;
            bottleneck[g] = r;
            List<int> list = frozenBy[r] ??= [];
            bottleneckPos[g] = list.Count;
            list.Add(g);
            for (int e = _entryStart[g]; e < _entryEnd[g]; e++)
            {
                int r2 = _entryRes[e];
                frozenLoad[r2] += _entryCoef[e] * level;
                weight[r2] -= _entryCoef[e];
                unfrozen[r2]--;
                if (!dirty[r2])
                {
                    dirty[r2] = true;
                    dirtyList.Add(r2);
                }
            }
        }

        void Rekey(double level)
        {
            foreach (int r2 in dirtyList)
            {
                dirty[r2] = false;
                version[r2]++;
                if (unfrozen[r2] > 0)
                {
                    double key = (_g.Capacity[r2] - frozenLoad[r2]) / weight[r2];
                    heap.Enqueue((r2, version[r2]), key > level ? key : level);
                }
            }

            dirtyList.Clear();
        }

        void SetRate(int f, double value)
        {
            // A re-fill can reproduce a rate up to rounding; keeping the old one spares the end-time heap.
            if (Math.Abs(value - rate[f]) <= 1e-15 * value)
            {
                return;
            }

            rem0[f] -= rate[f] * (now - t0[f]);
            t0[f] = now;
            rate[f] = value;
            flowVersion[f]++;
            double end = now + rem0[f] / value;
            if (!double.IsFinite(end))
            {
                throw TimeOutOfRange(f);
            }

            ends.Enqueue((f, flowVersion[f]), end);
        }

        // Progressive filling over every active flow: all unfrozen flows rise together; when a resource fills, its
        // flows freeze at that level.
        void AllocateAll()
        {
            heap.Clear();
            foreach (int f in active)
            {
                frozen[f] = false;
                UnlinkBottleneck(f);
            }

            foreach (int r in _activeRes)
            {
                double w = 0;
                int baseIdx = _resStart[r];
                for (int i = 0; i < _resCount[r]; i++)
                {
                    w += _entryCoef[_resList[baseIdx + i]];
                }

                weight[r] = w;
                frozenLoad[r] = 0;
                unfrozen[r] = _resCount[r];
                version[r]++;
                heap.Enqueue((r, version[r]), _g.Capacity[r] / w);
            }

            while (heap.TryDequeue(out var item, out double level))
            {
                int r = item.Res;
                if (item.Version != version[r] || unfrozen[r] == 0)
                {
                    continue;
                }

                int baseIdx = _resStart[r];
                for (int i = 0; i < _resCount[r]; i++)
                {
                    int f = _entryFlow[_resList[baseIdx + i]];
                    if (!frozen[f])
                    {
                        Freeze(f, r, level);
                    }
                }

                Rekey(level);
            }

            foreach (int r in _activeRes)
            {
                load[r] = frozenLoad[r];
            }

            foreach (int f in active)
            {
                SetRate(f, newRate[f]);
            }
        }

        // After flows end (none start): max-min allocations split over connected components (of flows sharing
        // resources), and inside the ended flows' component the progressive filling below the lowest rate x of the
        // ended flows is unchanged. So only the component's flows above x, and flows frozen at x by a resource an
        // ended flow crossed, can change: they are re-filled from level x with everything else held at its rate,
        // which gives the allocation a full re-filling would.
        void AllocateAfterEnds()
        {
            double x = double.PositiveInfinity;
            foreach (int f in finished)
            {
                x = Math.Min(x, rate[f]);
            }

            mark++;
            set.Clear();
            queue.Clear();
            foreach (int f in finished)
            {
                for (int e = _entryStart[f]; e < _entryEnd[f]; e++)
                {
                    int r = _entryRes[e];
                    if (frozenBy[r] is { } list)
                    {
                        foreach (int g in list)
                        {
                            if (inSet[g] != mark)
                            {
                                inSet[g] = mark;
                                set.Add(g);
                            }
                        }
                    }

                    if (resourceMark[r] != mark)
                    {
                        resourceMark[r] = mark;
                        queue.Add(r);
                    }
                }
            }

            // The component: every active flow reachable from the ended flows' resources.
            double above = x * (1 + TieTolerance);
            for (int head = 0; head < queue.Count; head++)
            {
                int r = queue[head];
                int baseIdx = _resStart[r];
                for (int i = 0; i < _resCount[r]; i++)
                {
                    int g = _entryFlow[_resList[baseIdx + i]];
                    if (inComponent[g] == mark)
                    {
                        continue;
                    }

                    inComponent[g] = mark;
                    if (rate[g] > above && inSet[g] != mark)
                    {
                        inSet[g] = mark;
                        set.Add(g);
                    }

                    for (int e = _entryStart[g]; e < _entryEnd[g]; e++)
                    {
                        int r2 = _entryRes[e];
                        if (resourceMark[r2] != mark)
                        {
                            resourceMark[r2] = mark;
                            queue.Add(r2);
                        }
                    }
                }
            }

            if (set.Count == 0)
            {
                return;
            }


            foreach (int g in set)
            {
                if (rate[g] < x * (1 - TieTolerance))
                {
                    AllocateAll();   // cannot happen in exact arithmetic; stay safe
                    return;
                }
            }

            // Hold everything outside the set at its rate; count the set's weight on every resource it crosses.
            heap.Clear();
            touched.Clear();
            foreach (int g in set)
            {
                frozen[g] = false;
                UnlinkBottleneck(g);
                for (int e = _entryStart[g]; e < _entryEnd[g]; e++)
                {
                    int r = _entryRes[e];
                    if (touchedMark[r] != mark)
                    {
                        touchedMark[r] = mark;
                        touched.Add(r);
                        frozenLoad[r] = load[r];
                        weight[r] = 0;
                        unfrozen[r] = 0;
                    }

                    frozenLoad[r] -= _entryCoef[e] * rate[g];
                    weight[r] += _entryCoef[e];
                    unfrozen[r]++;
                }
            }

            int offset = 0;
            foreach (int r in touched)
            {
                partStart[r] = offset;
                partCount[r] = 0;
                offset += unfrozen[r];
            }

            CollectionsMarshal.SetCount(partEntries, offset);
            Span<int> entries = CollectionsMarshal.AsSpan(partEntries);
            foreach (int g in set)
            {
                for (int e = _entryStart[g]; e < _entryEnd[g]; e++)
                {
                    int r = _entryRes[e];
                    entries[partStart[r] + partCount[r]++] = e;
                }
            }

            foreach (int r in touched)
            {
                version[r]++;
                double key = Math.Max(0, _g.Capacity[r] - frozenLoad[r]) / weight[r];
                heap.Enqueue((r, version[r]), key > x ? key : x);
            }

            while (heap.TryDequeue(out var item, out double level))
            {
                int r = item.Res;
                if (item.Version != version[r] || unfrozen[r] == 0)
                {
                    continue;
                }

                for (int i = partStart[r]; i < partStart[r] + partCount[r]; i++)
                {
                    int g = _entryFlow[partEntries[i]];
                    if (!frozen[g])
                    {
                        Freeze(g, r, level);
                    }
                }

                Rekey(level);
            }

            foreach (int r in touched)
            {
                load[r] = frozenLoad[r];
            }

            foreach (int g in set)
            {
                SetRate(g, newRate[g]);
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

    private void RouteAll()
    {
        SystemSpec s = _g.System;
        var router = new Router(_g);
        var order = new int[_n];
        var keys = new long[_n];
        for (int i = 0; i < _n; i++)
        {
            Flow f = _flows[i];
            bool scaleOut = s.Devices[f.Source].SupernodeIndex != s.Devices[f.Destination].SupernodeIndex;
            keys[i] = ((long)f.Destination << 1) | (scaleOut ? 1L : 0L);
            order[i] = i;
        }

        Array.Sort(keys, order);
        _latency = new double[_n];
        _entryStart = new int[_n];
        _entryEnd = new int[_n];
        int[] bundles = new int[Math.Max(16, 4 * _n)];
        double[] fractions = new double[bundles.Length];
        int count = 0;
        foreach (int i in order)
        {
            Flow f = _flows[i];
            _entryStart[i] = _entryEnd[i] = count;
            if (f.Source == f.Destination)
            {
                continue;
            }

            bool scaleOut = s.Devices[f.Source].SupernodeIndex != s.Devices[f.Destination].SupernodeIndex;
            LinkNetwork network = scaleOut ? LinkNetwork.ScaleOut : LinkNetwork.ScaleUp;
            int src = _g.GroupOf[f.Source], dst = _g.GroupOf[f.Destination];
            router.SetDestination(dst, network);
            if (!router.Reaches(src))
            {
                throw new NetworkUnreachableException(f.Id, s.Devices[f.Source].Id, s.Devices[f.Destination].Id,
                    scaleOut ? "scale-out" : "scale-up");
            }

            _latency[i] = router.Route(src, ref bundles, ref fractions, ref count);
            _entryEnd[i] = count;
        }

        _entryRes = bundles;
        _entryCoef = fractions;
        _entryCount = count;
        _entryFlow = new int[count];
        _entryPos = new int[count];
        for (int i = 0; i < _n; i++)
        {
            for (int e = _entryStart[i]; e < _entryEnd[i]; e++)
            {
                _entryFlow[e] = i;
            }
        }
    }

    private void BuildResourceLists()
    {
        int r = _g.BundleCount;
        var refs = new int[r];
        for (int e = 0; e < _entryCount; e++)
        {
            refs[_entryRes[e]]++;
        }

        _resStart = new int[r + 1];
        for (int i = 0; i < r; i++)
        {
            _resStart[i + 1] = _resStart[i] + refs[i];
        }

        _resList = new int[_entryCount];
        _resCount = new int[r];
        _activeResPos = new int[r];
    }
}
