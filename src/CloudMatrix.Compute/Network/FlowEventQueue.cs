namespace CloudMatrix.Compute.Network;

/// <summary>
/// The simulator's two kinds of event in time order: flows due to start (those free from the start in a sorted
/// array, those released later by their dependencies in a heap) and predicted ends of active flows (a heap of
/// (flow, version) entries; a rate change bumps the flow's version, which voids its older entries).
/// </summary>
internal sealed class FlowEventQueue
{
    private readonly PriorityQueue<int, double> _released = new();
    private readonly int[] _initial;
    private readonly double[] _initialTime;
    private int _nextInitial;
    private readonly PriorityQueue<(int Flow, int Version), double> _ends = new();

    /// <param name="initial">The flows with no dependency.</param>
    /// <param name="delay">Each flow's delay, seconds: the start time of a flow with no dependency.</param>
    public FlowEventQueue(int[] initial, Func<int, double> delay)
    {
        _initial = initial;
        _initialTime = [.. initial.Select(delay)];
        Array.Sort(_initialTime, _initial);
    }

    /// <summary>The next flow due to start and when, without taking it; false when none waits.</summary>
    public bool NextStart(out int flow, out double time)
    {
        bool fromHeap = _released.TryPeek(out flow, out time);
        if (_nextInitial < _initial.Length && (!fromHeap || _initialTime[_nextInitial] <= time))
        {
            flow = _initial[_nextInitial];
            time = _initialTime[_nextInitial];
            return true;
        }

        return fromHeap;
    }

    /// <summary>Takes the flow <see cref="NextStart"/> returned.</summary>
    public void TakeStart()
    {
        bool fromHeap = _released.TryPeek(out _, out double time);
        if (_nextInitial < _initial.Length && (!fromHeap || _initialTime[_nextInitial] <= time))
        {
            _nextInitial++;
        }
        else
        {
            _released.Dequeue();
        }
    }

    /// <summary>Releases a flow whose dependencies have all finished, due at <paramref name="time"/> seconds.</summary>
    public void Release(int flow, double time) => _released.Enqueue(flow, time);

    /// <summary>Records that version <paramref name="version"/> of <paramref name="flow"/>'s rate ends it at <paramref name="time"/> seconds.</summary>
    public void ScheduleEnd(int flow, int version, double time) => _ends.Enqueue((flow, version), time);

    /// <summary>
    /// The earliest end that is still valid (the flow's current version, with a positive rate), dropping void ones;
    /// infinity when none.
    /// </summary>
    public double NextEnd(int[] version, double[] rate)
    {
        while (_ends.TryPeek(out var top, out double time))
        {
            if (top.Version == version[top.Flow] && rate[top.Flow] > 0)
            {
                return time;
            }

            _ends.Dequeue();
        }

        return double.PositiveInfinity;
    }

    /// <summary>Takes the next end at or before <paramref name="limit"/> seconds, valid or not; false when none.</summary>
    public bool TakeEnd(double limit, out int flow, out int version, out double time)
    {
        if (_ends.TryPeek(out var top, out time) && time <= limit)
        {
            _ends.Dequeue();
            (flow, version) = top;
            return true;
        }

        flow = version = 0;
        return false;
    }
}
