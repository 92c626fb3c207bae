namespace CloudMatrix.Compute.Network;

/// <summary>
/// Raises a flow's proportional split to the maximum flow of its shortest-path DAG, so that a flow alone always
/// runs at its max flow: a faster link never slows it and a slower one never speeds it up.
/// </summary>
/// <remarks>
/// The proportional split (<see cref="Router"/>) spreads a flow by heuristic weights that need not use every path
/// to capacity: a first hop faster than the fabric behind it drew more than its share, and a bottleneck at the
/// receiving end went unseen by the bundles that converge on it. Here the split, scaled to the rate it allows, is a
/// feasible flow of value R0; while the residual network still carries flow, more is added, first in proportional
/// phases (each spreads the extra over every residual path in proportion to its bottleneck-sum capacity, so it stays
/// spread as the first split is), then by shortest augmenting paths with cancellation (Edmonds-Karp) until none is
/// left: the result is a maximum flow of the DAG, and its arc values divided by its value are the new fractions.
/// When the split is already a maximum flow (every symmetric case, e.g. CloudMatrix384 without faults) it is left
/// bit for bit as it was. Capacities are the bundles' summed capacities (a max flow of the merged graph is one of
/// the link-level graph: the merging is an equitable partition).
/// </remarks>
internal sealed class MaxFlowCompletion
{
    // Residual capacity below this fraction of an arc's capacity is rounding of a saturated arc.
    private const double Saturated = 1e-12;

    // Flow that could be gained below this fraction of the flow's value is not worth a different split.
    private const double Negligible = 1e-9;

    private const int MaxProportionalPhases = 16;

    private readonly double[] _onward;
    private readonly double[] _phi;
    private readonly int[] _stamp;
    private readonly int[] _parentEntry;
    private readonly bool[] _parentBackward;
    private readonly int[] _inHead;
    private readonly List<int> _queue = [];
    private int _epoch;

    private FabricGraph _g = null!;
    private List<int> _order = null!;
    private int[] _entryStart = [];
    private int[] _entryEnd = [];
    private int _first;
    private int _count;
    private int _source;
    private int _destination;
    private int[] _bundle = new int[64];
    private double[] _flow = new double[64];
    private double[] _residual = new double[64];
    private double[] _capacity = new double[64];
    private int[] _nextIn = new int[64];
    private double[] _phase = new double[64];
    private double _value;

    public MaxFlowCompletion(int vertices)
    {
        _onward = new double[vertices];
        _phi = new double[vertices];
        _stamp = new int[vertices];
        _parentEntry = new int[vertices];
        _parentBackward = new bool[vertices];
        _inHead = new int[vertices];
    }

    /// <summary>
    /// Takes the split of one flow: entries <paramref name="first"/>..<paramref name="count"/>-1 of
    /// <paramref name="bundles"/> / <paramref name="fractions"/>, with the DAG's vertices in the order the split
    /// visited them (the source first) and each vertex's range of entries.
    /// </summary>
    public void Fill(FabricGraph g, int first, int count, int[] bundles, double[] fractions, List<int> order, int[] entryStart, int[] entryEnd, int destination)
    {
        _g = g;
        _order = order;
        _entryStart = entryStart;
        _entryEnd = entryEnd;
        _first = first;
        _count = count - first;
        _source = order.Count > 0 ? order[0] : destination;
        _destination = destination;
        if (_bundle.Length < _count)
        {
            int size = Math.Max(_count, 2 * _bundle.Length);
            _bundle = new int[size];
            _flow = new double[size];
            _residual = new double[size];
            _capacity = new double[size];
            _nextIn = new int[size];
            _phase = new double[size];
        }

        // The split scaled to the largest rate its most loaded bundle allows.
        double rate = double.PositiveInfinity;
        for (int j = 0; j < _count; j++)
        {
            int b = bundles[first + j];
            _bundle[j] = b;
            _capacity[j] = g.Capacity[b];
            double f = fractions[first + j];
            if (f > 0)
            {
                rate = Math.Min(rate, _capacity[j] / f);
            }
        }

        _value = double.IsFinite(rate) ? rate : 0;
        for (int j = 0; j < _count; j++)
        {
            _flow[j] = _value * fractions[first + j];
            UpdateResidual(j);
        }
    }

    /// <summary>Adds flow until the split is a maximum flow; false when it already was one (nothing changed).</summary>
    public bool Run()
    {
        if (_count == 0 || !(_value > 0) || !double.IsFinite(_value))
        {
            return false;
        }

        double start = _value;
        for (int phase = 0; phase < MaxProportionalPhases; phase++)
        {
            if (!ProportionalPhase())
            {
                break;
            }
        }

        int limit = 4 * _count + 16;
        while (limit-- > 0 && AugmentingPath())
        {
        }

        return _value > start;
    }

    /// <summary>Writes the new fractions (arc flow / flow value) back, dropping arcs the completion emptied; returns the new end.</summary>
    public int Write(int first, int[] bundles, double[] fractions)
    {
        int k = first;
        for (int j = 0; j < _count; j++)
        {
            if (_flow[j] > 0)
            {
                bundles[k] = _bundle[j];
                fractions[k++] = _flow[j] / _value;
            }
        }

        return k;
    }

    private void UpdateResidual(int j)
    {
        double r = _capacity[j] - _flow[j];
        _residual[j] = r > Saturated * _capacity[j] ? r : 0;
    }

    /// <summary>One proportional phase over the residual network; false when it would add a negligible amount.</summary>
    private bool ProportionalPhase()
    {
        // Bottleneck-sum capacity towards the destination, nearest vertices first.
        _onward[_destination] = double.PositiveInfinity;
        for (int i = _order.Count - 1; i >= 0; i--)
        {
            int v = _order[i];
            double c = 0;
            for (int e = _entryStart[v]; e < _entryEnd[v]; e++)
            {
                int j = e - _first;
                c += Math.Min(_residual[j], _onward[_g.To[_bundle[j]]]);
            }

            _onward[v] = c;
            _phi[v] = 0;
        }

        if (!(_onward[_source] > Negligible * _value) || !double.IsFinite(_onward[_source]))
        {
            return false;
        }

        _phi[_source] = 1;
        double rate = double.PositiveInfinity;
        foreach (int v in _order)
        {
            if (_phi[v] <= 0)
            {
                continue;
            }

            for (int e = _entryStart[v]; e < _entryEnd[v]; e++)
            {
                int j = e - _first;
                int w = _g.To[_bundle[j]];
                double y = _phi[v] * Math.Min(_residual[j], _onward[w]) / _onward[v];
                _phase[j] = y;
                if (y > 0)
                {
                    rate = Math.Min(rate, _residual[j] / y);
                    if (w != _destination)
                    {
                        _phi[w] += y;
                    }
                }
            }
        }

        if (!(rate > Negligible * _value) || !double.IsFinite(rate))
        {
            return false;
        }

        foreach (int v in _order)
        {
            for (int e = _entryStart[v]; e < _entryEnd[v]; e++)
            {
                int j = e - _first;
                if (_phi[v] > 0 && _phase[j] > 0)
                {
                    _flow[j] = Math.Min(_capacity[j], _flow[j] + rate * _phase[j]);
                    UpdateResidual(j);
                }
            }
        }

        _value += rate;
        return true;
    }

    /// <summary>Finds a shortest augmenting path (forward residual or backward flow) and pushes its bottleneck; false when none is worth it.</summary>
    private bool AugmentingPath()
    {
        _epoch++;
        foreach (int v in _order)
        {
            _inHead[v] = -1;
        }

        _inHead[_destination] = -1;
        for (int j = 0; j < _count; j++)
        {
            int w = _g.To[_bundle[j]];
            _nextIn[j] = _inHead[w];
            _inHead[w] = j;
        }

        _queue.Clear();
        _queue.Add(_source);
        _stamp[_source] = _epoch;
        bool found = false;
        for (int head = 0; head < _queue.Count && !found; head++)
        {
            int v = _queue[head];
            if (v != _destination)
            {
                for (int e = _entryStart[v]; e < _entryEnd[v] && !found; e++)
                {
                    int j = e - _first;
                    found = _residual[j] > 0 && Visit(_g.To[_bundle[j]], j, backward: false);
                }
            }

            for (int j = _inHead[v]; j >= 0 && !found; j = _nextIn[j])
            {
                found = _flow[j] > Saturated * _capacity[j] && Visit(_g.From[_bundle[j]], j, backward: true);
            }
        }

        if (!found)
        {
            return false;
        }

        double delta = double.PositiveInfinity;
        for (int v = _destination; v != _source;)
        {
            int j = _parentEntry[v];
            delta = Math.Min(delta, _parentBackward[v] ? _flow[j] : _residual[j]);
            v = _parentBackward[v] ? _g.To[_bundle[j]] : _g.From[_bundle[j]];
        }

        if (!(delta > Negligible * _value))
        {
            return false;
        }

        for (int v = _destination; v != _source;)
        {
            int j = _parentEntry[v];
            _flow[j] = _parentBackward[v] ? Math.Max(0, _flow[j] - delta) : Math.Min(_capacity[j], _flow[j] + delta);
            UpdateResidual(j);
            v = _parentBackward[v] ? _g.To[_bundle[j]] : _g.From[_bundle[j]];
        }

        _value += delta;
        return true;

        bool Visit(int w, int j, bool backward)
        {
            if (_stamp[w] == _epoch)
            {
                return false;
            }

            _stamp[w] = _epoch;
            _parentEntry[w] = j;
            _parentBackward[w] = backward;
            _queue.Add(w);
            return w == _destination;
        }
    }
}
