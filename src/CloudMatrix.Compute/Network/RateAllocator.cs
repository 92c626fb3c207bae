using System.Runtime.InteropServices;

namespace CloudMatrix.Compute.Network;

/// <summary>
/// Max-min fair rates of the active flows by progressive filling, and each active flow's progress (bytes left at the
/// time of its last rate change). Each resource keeps the list of its active entries, updated as flows start and
/// end; the filling freezes each flow once, updating only the resources it crosses. When flows only end, the
/// allocation is updated in place (<see cref="AllocateAfterEnds(List{int}, double)"/>). A rate change schedules the flow's new end on
/// the event queue.
/// </summary>
internal sealed class RateAllocator
{
    // Rates within this relative distance are the same level of the progressive filling (rounding only).
    private const double TieTolerance = 1e-12;

    private readonly FabricGraph _g;
    private readonly FlowRoutes _routes;
    private readonly FlowEventQueue _events;
    private readonly Func<int, Exception> _timeOutOfRange;

    // Per-resource active entries.
    private readonly int[] _resStart;
    private readonly int[] _resList;
    private readonly int[] _resCount;
    private readonly List<int> _activeRes = [];
    private readonly int[] _activeResPos;
    private readonly int[] _entryPos;

    private readonly List<int> _active = [];
    private readonly int[] _activePos;

    // A flow's progress: rem0 bytes (scaled as the capacities are) left at time t0, moving at rate since then.
    private readonly double[] _rem0;
    private readonly double[] _t0;
    private readonly double[] _rate;
    private readonly double[] _newRate;
    private readonly int[] _flowVersion;

    // Allocation state. load[r]: bytes/s on resource r from every active flow at its current rate.
    private readonly double[] _load;
    private readonly double[] _frozenLoad;
    private readonly double[] _weight;
    private readonly int[] _unfrozen;
    private readonly int[] _version;
    private readonly bool[] _dirty;
    private readonly List<int> _dirtyList = [];
    private readonly PriorityQueue<(int Res, int Version), double> _heap = new();
    private readonly bool[] _frozen;

    // Which resource froze each flow (its bottleneck), and the flows each resource froze.
    private readonly int[] _bottleneck;
    private readonly int[] _bottleneckPos;
    private readonly List<int>[] _frozenBy;
    private readonly int[] _inComponent;
    private readonly int[] _resourceMark;
    private readonly List<int> _queue = [];

    // Scratch for partial re-allocation.
    private readonly int[] _inSet;
    private readonly int[] _touchedMark;
    private readonly int[] _partStart;
    private readonly int[] _partCount;
    private readonly List<int> _partEntries = [];
    private readonly List<int> _set = [];
    private readonly List<int> _touched = [];
    private List<int> _finished = [];
    private int _mark;
    private double _now;

    public RateAllocator(FabricGraph graph, FlowRoutes routes, int flows, FlowEventQueue events, Func<int, Exception> timeOutOfRange)
    {
        _g = graph;
        _routes = routes;
        _events = events;
        _timeOutOfRange = timeOutOfRange;
        int resources = graph.BundleCount;
        var refs = new int[resources];
        for (int e = 0; e < routes.Count; e++)
        {
            refs[routes.Resource[e]]++;
        }

        _resStart = new int[resources + 1];
        for (int i = 0; i < resources; i++)
        {
            _resStart[i + 1] = _resStart[i] + refs[i];
        }

        _resList = new int[routes.Count];
        _resCount = new int[resources];
        _activeResPos = new int[resources];
        _entryPos = new int[routes.Count];
        _activePos = new int[flows];
        _rem0 = new double[flows];
        _t0 = new double[flows];
        _rate = new double[flows];
        _newRate = new double[flows];
        _flowVersion = new int[flows];
        _load = new double[resources];
        _frozenLoad = new double[resources];
        _weight = new double[resources];
        _unfrozen = new int[resources];
        _version = new int[resources];
        _dirty = new bool[resources];
        _frozen = new bool[flows];
        _bottleneck = new int[flows];
        Array.Fill(_bottleneck, -1);
        _bottleneckPos = new int[flows];
        _frozenBy = new List<int>[resources];
        _inComponent = new int[flows];
        _resourceMark = new int[resources];
        _inSet = new int[flows];
        _touchedMark = new int[resources];
        _partStart = new int[resources];
        _partCount = new int[resources];
        Busy = new double[resources];
    }

    /// <summary>Active flows.</summary>
    public int ActiveCount => _active.Count;

    /// <summary>Each flow's current rate (0 until its first allocation), in scaled bytes/s.</summary>
    public double[] Rate => _rate;

    /// <summary>Each flow's rate version: bumped at every rate change and when it ends.</summary>
    public int[] FlowVersion => _flowVersion;

    /// <summary>Seconds each resource had at least one active flow.</summary>
    public double[] Busy { get; }

    /// <summary>Makes <paramref name="f"/> active at <paramref name="now"/> with <paramref name="bytes"/> (scaled) to move, at rate 0 until the next allocation.</summary>
    public void Activate(int f, double bytes, double now)
    {
        _rem0[f] = bytes;
        _t0[f] = now;
        _rate[f] = 0;
        _activePos[f] = _active.Count;
        _active.Add(f);
        for (int e = _routes.Start[f]; e < _routes.End[f]; e++)
        {
            int r = _routes.Resource[e];
            if (_resCount[r] == 0)
            {
                _activeResPos[r] = _activeRes.Count;
                _activeRes.Add(r);
            }

            _entryPos[e] = _resCount[r];
            _resList[_resStart[r] + _resCount[r]++] = e;
        }
    }

    /// <summary>Ends active flow <paramref name="f"/>: takes its load off its resources.</summary>
    public void Deactivate(int f) => RemoveActive(f);

    /// <summary>Adds <paramref name="seconds"/> to the busy time of every resource an active flow crosses.</summary>
    public void AccumulateBusy(double seconds)
    {
        foreach (int r in _activeRes)
        {
            Busy[r] += seconds;
        }
    }

    /// <summary>Re-fills every active flow's rate at <paramref name="now"/>.</summary>
    public void AllocateAll(double now)
    {
        _now = now;
        FillAll();
    }

    /// <summary>Updates the rates at <paramref name="now"/> after <paramref name="finished"/> ended (and none started).</summary>
    public void AllocateAfterEnds(List<int> finished, double now)
    {
        _now = now;
        _finished = finished;
        RefillAfterEnds();
    }

    private void RemoveActive(int f)
    {
        int last = _active[^1];
        _active[_activePos[f]] = last;
        _activePos[last] = _activePos[f];
        _active.RemoveAt(_active.Count - 1);
        _flowVersion[f]++;
        UnlinkBottleneck(f);
        for (int e = _routes.Start[f]; e < _routes.End[f]; e++)
        {
            int r = _routes.Resource[e];
            _load[r] -= _routes.Coefficient[e] * _rate[f];
            int baseIdx = _resStart[r];
            int lastEntry = _resList[baseIdx + _resCount[r] - 1];
            _resList[baseIdx + _entryPos[e]] = lastEntry;
            _entryPos[lastEntry] = _entryPos[e];
            if (--_resCount[r] == 0)
            {
                _load[r] = 0;
                int lr = _activeRes[^1];
                _activeRes[_activeResPos[r]] = lr;
                _activeResPos[lr] = _activeResPos[r];
                _activeRes.RemoveAt(_activeRes.Count - 1);
            }
        }
    }

    private void UnlinkBottleneck(int f)
    {
        int r = _bottleneck[f];
        if (r < 0)
        {
            return;
        }

        List<int> list = _frozenBy[r];
        int moved = list[^1];
        list[_bottleneckPos[f]] = moved;
        _bottleneckPos[moved] = _bottleneckPos[f];
        list.RemoveAt(list.Count - 1);
        _bottleneck[f] = -1;
    }

    // Freezes flow g at level on resource r: its rate is now level, and r is its bottleneck.
    private void Freeze(int g, int r, double level)
    {
        _frozen[g] = true;
        _newRate[g] = level;
        _bottleneck[g] = r;
        List<int> list = _frozenBy[r] ??= [];
        _bottleneckPos[g] = list.Count;
        list.Add(g);
        for (int e = _routes.Start[g]; e < _routes.End[g]; e++)
        {
            int r2 = _routes.Resource[e];
            _frozenLoad[r2] += _routes.Coefficient[e] * level;
            _weight[r2] -= _routes.Coefficient[e];
            _unfrozen[r2]--;
            if (!_dirty[r2])
            {
                _dirty[r2] = true;
                _dirtyList.Add(r2);
            }
        }
    }

    private void Rekey(double level)
    {
        foreach (int r2 in _dirtyList)
        {
            _dirty[r2] = false;
            _version[r2]++;
            if (_unfrozen[r2] > 0)
            {
                double key = (_g.Capacity[r2] - _frozenLoad[r2]) / _weight[r2];
                _heap.Enqueue((r2, _version[r2]), key > level ? key : level);
            }
        }

        _dirtyList.Clear();
    }

    private void SetRate(int f, double value)
    {
        // A re-fill can reproduce a rate up to rounding; keeping the old one spares the end-time heap.
        if (Math.Abs(value - _rate[f]) <= 1e-15 * value)
        {
            return;
        }

        _rem0[f] -= _rate[f] * (_now - _t0[f]);
        _t0[f] = _now;
        _rate[f] = value;
        _flowVersion[f]++;
        double end = _now + _rem0[f] / value;
        if (!double.IsFinite(end))
        {
            throw _timeOutOfRange(f);
        }

        _events.ScheduleEnd(f, _flowVersion[f], end);
    }

    // Progressive filling over every active flow: all unfrozen flows rise together; when a resource fills, its
    // flows freeze at that level.
    private void FillAll()
    {
        _heap.Clear();
        foreach (int f in _active)
        {
            _frozen[f] = false;
            UnlinkBottleneck(f);
        }

        foreach (int r in _activeRes)
        {
            double w = 0;
            int baseIdx = _resStart[r];
            for (int i = 0; i < _resCount[r]; i++)
            {
                w += _routes.Coefficient[_resList[baseIdx + i]];
            }

            _weight[r] = w;
            _frozenLoad[r] = 0;
            _unfrozen[r] = _resCount[r];
            _version[r]++;
            _heap.Enqueue((r, _version[r]), _g.Capacity[r] / w);
        }

        while (_heap.TryDequeue(out var item, out double level))
        {
            int r = item.Res;
            if (item.Version != _version[r] || _unfrozen[r] == 0)
            {
                continue;
            }

            int baseIdx = _resStart[r];
            for (int i = 0; i < _resCount[r]; i++)
            {
                int f = _routes.Flow[_resList[baseIdx + i]];
                if (!_frozen[f])
                {
                    Freeze(f, r, level);
                }
            }

            Rekey(level);
        }

        foreach (int r in _activeRes)
        {
            _load[r] = _frozenLoad[r];
        }

        foreach (int f in _active)
        {
            SetRate(f, _newRate[f]);
        }
    }

    // After flows end (none start): max-min allocations split over connected components (of flows sharing
    // resources), and inside the ended flows' component the progressive filling below the lowest rate x of the
    // ended flows is unchanged. So only the component's flows above x, and flows frozen at x by a resource an
    // ended flow crossed, can change: they are re-filled from level x with everything else held at its rate,
    // which gives the allocation a full re-filling would.
    private void RefillAfterEnds()
    {
        double x = CollectAffected();
        if (_set.Count == 0)
        {
            return;
        }

        foreach (int g in _set)
        {
            if (_rate[g] < x * (1 - TieTolerance))
            {
                FillAll();   // cannot happen in exact arithmetic; stay safe
                return;
            }
        }

        // Hold everything outside the set at its rate; count the set's weight on every resource it crosses.
        _heap.Clear();
        _touched.Clear();
        foreach (int g in _set)
        {
            _frozen[g] = false;
            UnlinkBottleneck(g);
            for (int e = _routes.Start[g]; e < _routes.End[g]; e++)
            {
                int r = _routes.Resource[e];
                if (_touchedMark[r] != _mark)
                {
                    _touchedMark[r] = _mark;
                    _touched.Add(r);
                    _frozenLoad[r] = _load[r];
                    _weight[r] = 0;
                    _unfrozen[r] = 0;
                }

                _frozenLoad[r] -= _routes.Coefficient[e] * _rate[g];
                _weight[r] += _routes.Coefficient[e];
                _unfrozen[r]++;
            }
        }

        int offset = 0;
        foreach (int r in _touched)
        {
            _partStart[r] = offset;
            _partCount[r] = 0;
            offset += _unfrozen[r];
        }

        CollectionsMarshal.SetCount(_partEntries, offset);
        Span<int> entries = CollectionsMarshal.AsSpan(_partEntries);
        foreach (int g in _set)
        {
            for (int e = _routes.Start[g]; e < _routes.End[g]; e++)
            {
                int r = _routes.Resource[e];
                entries[_partStart[r] + _partCount[r]++] = e;
            }
        }

        foreach (int r in _touched)
        {
            _version[r]++;
            double key = Math.Max(0, _g.Capacity[r] - _frozenLoad[r]) / _weight[r];
            _heap.Enqueue((r, _version[r]), key > x ? key : x);
        }

        while (_heap.TryDequeue(out var item, out double level))
        {
            int r = item.Res;
            if (item.Version != _version[r] || _unfrozen[r] == 0)
            {
                continue;
            }

            for (int i = _partStart[r]; i < _partStart[r] + _partCount[r]; i++)
            {
                int g = _routes.Flow[_partEntries[i]];
                if (!_frozen[g])
                {
                    Freeze(g, r, level);
                }
            }

            Rekey(level);
        }

        foreach (int r in _touched)
        {
            _load[r] = _frozenLoad[r];
        }

        foreach (int g in _set)
        {
            SetRate(g, _newRate[g]);
        }
    }

    /// <summary>
    /// Collects into the set the flows whose rate the ends may change (those above the ended flows' lowest rate x in
    /// their component, and those a resource they crossed froze); returns x.
    /// </summary>
    private double CollectAffected()
    {
        double x = double.PositiveInfinity;
        foreach (int f in _finished)
        {
            x = Math.Min(x, _rate[f]);
        }

        _mark++;
        _set.Clear();
        _queue.Clear();
        foreach (int f in _finished)
        {
            for (int e = _routes.Start[f]; e < _routes.End[f]; e++)
            {
                int r = _routes.Resource[e];
                if (_frozenBy[r] is { } list)
                {
                    foreach (int g in list)
                    {
                        if (_inSet[g] != _mark)
                        {
                            _inSet[g] = _mark;
                            _set.Add(g);
                        }
                    }
                }

                if (_resourceMark[r] != _mark)
                {
                    _resourceMark[r] = _mark;
                    _queue.Add(r);
                }
            }
        }

        // The component: every active flow reachable from the ended flows' resources.
        double above = x * (1 + TieTolerance);
        for (int head = 0; head < _queue.Count; head++)
        {
            int r = _queue[head];
            int baseIdx = _resStart[r];
            for (int i = 0; i < _resCount[r]; i++)
            {
                int g = _routes.Flow[_resList[baseIdx + i]];
                if (_inComponent[g] == _mark)
                {
                    continue;
                }

                _inComponent[g] = _mark;
                if (_rate[g] > above && _inSet[g] != _mark)
                {
                    _inSet[g] = _mark;
                    _set.Add(g);
                }

                for (int e = _routes.Start[g]; e < _routes.End[g]; e++)
                {
                    int r2 = _routes.Resource[e];
                    if (_resourceMark[r2] != _mark)
                    {
                        _resourceMark[r2] = _mark;
                        _queue.Add(r2);
                    }
                }
            }
        }

        return x;
    }
}
