using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Network;

/// <summary>
/// Multipath routing over shortest paths (in hops) of one network (scale-up inside a supernode, scale-out between
/// supernodes). A flow is split at every vertex over all next hops that lie on a shortest path:
/// <list type="bullet">
/// <item>at a switch, in proportion to k x min(b, c(w)), where k x b is the bandwidth of the next-hop bundle and
/// c(w) the onward capacity of the next vertex: c(w) = sum over its next hops of k x min(b, c(next)), and
/// c(destination) = infinity (a bottleneck-sum, the max flow of a series-parallel route);</item>
/// <item>at the source device, in proportion to k x b x c(w): the device's own link and the shared fabric behind it
/// both count, so a fault deep in the fabric moves exactly its share of traffic off the affected plane.</item>
/// </list>
/// On CloudMatrix384 this spreads a flow evenly over the 7 planes and the 16 L2 chips of each plane when nothing is
/// faulty. Where these weights leave capacity unused (a first hop faster than the fabric behind it, a bottleneck at
/// the receiving end that the converging bundles do not see), <see cref="MaxFlowCompletion"/> adds flow until the
/// split is a maximum flow of the shortest-path DAG: a flow alone always runs at its max flow, so a faster link never
/// slows it and a degraded one never speeds it up. The path latency of a flow is that of its slowest path in the
/// DAG (sum of the hop latencies).
/// </summary>
internal sealed class Router
{
    private readonly FabricGraph _g;
    private readonly int[] _dist;
    private readonly double[] _onward;
    private readonly int[] _stamp;
    private readonly double[] _phi;
    private readonly double[] _lat;
    private readonly List<int> _frontier = [];
    private readonly List<int> _next = [];
    private readonly List<int> _bfs = [];
    private readonly int[] _hopStart;
    private readonly int[] _hopEnd;
    private int[] _hopBundle = new int[64];
    private double[] _hopShare = new double[64];
    private double[] _hopSourceShare = new double[64];
    private int _epoch;
    private readonly List<int> _vertexOrder = [];
    private readonly int[] _vertexEntryStart;
    private readonly int[] _vertexEntryEnd;
    private readonly MaxFlowCompletion _augment;

    // Routes already computed towards the current destination, by source: entries in the caller's arrays, latency.
    private readonly int[] _cacheStamp;
    private readonly int[] _cacheStart;
    private readonly int[] _cacheEnd;
    private readonly double[] _cacheLatency;
    private int _destinationEpoch;
    private LinkNetwork _network;
    private int _destination = -1;

    public Router(FabricGraph graph)
    {
        _g = graph;
        int n = graph.VertexCount;
        _dist = new int[n];
        _onward = new double[n];
        _stamp = new int[n];
        _phi = new double[n];
        _lat = new double[n];
        _hopStart = new int[n];
        _hopEnd = new int[n];
        _vertexEntryStart = new int[n];
        _vertexEntryEnd = new int[n];
        _augment = new MaxFlowCompletion(n);
        _cacheStamp = new int[n];
        _cacheStart = new int[n];
        _cacheEnd = new int[n];
        _cacheLatency = new double[n];
    }

    /// <summary>Prepares distances and onward capacities towards <paramref name="destination"/> (a group vertex).</summary>
    public void SetDestination(int destination, LinkNetwork network)
    {
        if (destination == _destination && network == _network)
        {
            return;
        }

        _destination = destination;
        _network = network;
        _destinationEpoch++;
        Array.Fill(_dist, -1);
        _bfs.Clear();
        _dist[destination] = 0;
        _onward[destination] = double.PositiveInfinity;
        _bfs.Add(destination);
        for (int head = 0; head < _bfs.Count; head++)
        {
            int v = _bfs[head];
            for (int i = _g.InStart[v]; i < _g.InStart[v + 1]; i++)
            {
                int b = _g.InBundles[i];
                int u = _g.From[b];
                if (_g.Network[b] == network && _dist[u] < 0)
                {
                    _dist[u] = _dist[v] + 1;
                    _bfs.Add(u);
                }
            }
        }

        // Onward capacity in increasing distance (every next hop is already done).
        for (int idx = 1; idx < _bfs.Count; idx++)
        {
            int v = _bfs[idx];
            double c = 0;
            for (int i = _g.OutStart[v]; i < _g.OutStart[v + 1]; i++)
            {
                int b = _g.OutBundles[i];
                int w = _g.To[b];
                if (_g.Network[b] == network && _dist[w] == _dist[v] - 1)
                {
                    c += _g.PerMemberCount[b] * Math.Min(_g.MemberCapacity[b], _onward[w]);
                }
            }

            _onward[v] = c;
        }

        BuildHops(network);
    }

    /// <summary>Whether <paramref name="source"/> reaches the current destination.</summary>
    public bool Reaches(int source) => _dist[source] >= 0;

    /// <summary>
    /// Appends the bundles of a flow from <paramref name="source"/> to the current destination with the fraction of
    /// the flow each carries; returns the path latency in seconds.
    /// </summary>
    public double Route(int source, ref int[] bundles, ref double[] fractions, ref int count)
    {
        int first = count;
        if (_cacheStamp[source] == _destinationEpoch)
        {
            // The same source and destination as an earlier flow (collective steps repeat their pairs): same route.
            int start = _cacheStart[source], length = _cacheEnd[source] - start;
            while (count + length > bundles.Length)
            {
                Array.Resize(ref bundles, bundles.Length * 2);
                Array.Resize(ref fractions, fractions.Length * 2);
            }

            Array.Copy(bundles, start, bundles, count, length);
            Array.Copy(fractions, start, fractions, count, length);
            count += length;
            return _cacheLatency[source];
        }

        double latency = Split(source, ref bundles, ref fractions, ref count);
        _augment.Fill(_g, first, count, bundles, fractions, _vertexOrder, _vertexEntryStart, _vertexEntryEnd, _destination);
        if (_augment.Run())
        {
            count = _augment.Write(first, bundles, fractions);
        }

        _cacheStamp[source] = _destinationEpoch;
        _cacheStart[source] = first;
        _cacheEnd[source] = count;
        _cacheLatency[source] = latency;
        return latency;
    }

    /// <summary>The proportional split (see the class summary): appends every bundle of the shortest-path DAG from <paramref name="source"/>.</summary>
    private double Split(int source, ref int[] bundles, ref double[] fractions, ref int count)
    {
        _epoch++;
        _vertexOrder.Clear();
        _frontier.Clear();
        _frontier.Add(source);
        _stamp[source] = _epoch;
        _phi[source] = 1;
        _lat[source] = 0;
        while (true)
        {
            _next.Clear();
            foreach (int v in _frontier)
            {
                if (v == _destination)
                {
                    return _lat[v];
                }

                _vertexOrder.Add(v);
                _vertexEntryStart[v] = count;
                double[] share = v == source ? _hopSourceShare : _hopShare;
                for (int i = _hopStart[v]; i < _hopEnd[v]; i++)
                {
                    double f = _phi[v] * share[i];
                    if (f <= 0)
                    {
                        continue;
                    }

                    int b = _hopBundle[i];
                    int w = _g.To[b];
                    if (count == bundles.Length)
                    {
                        Array.Resize(ref bundles, bundles.Length * 2);
                        Array.Resize(ref fractions, fractions.Length * 2);
                    }

                    bundles[count] = b;
                    fractions[count++] = f;
                    double arrive = _lat[v] + _g.Latency[b];
                    if (_stamp[w] != _epoch)
                    {
                        _stamp[w] = _epoch;
                        _phi[w] = f;
                        _lat[w] = arrive;
                        _next.Add(w);
                    }
                    else
                    {
                        _phi[w] += f;
                        _lat[w] = Math.Max(_lat[w], arrive);
                    }
                }

                _vertexEntryEnd[v] = count;
            }

            if (_next.Count == 0)
            {
                throw new InvalidOperationException("Routing lost its way: no next hop towards the destination.");
            }

            _frontier.Clear();
            _frontier.AddRange(_next);
        }
    }

    /// <summary>Re-computes the source weights k x b x c of hops <paramref name="from"/>..<paramref name="to"/>-1 as (k x b / max) x (c / max); returns their sum.</summary>
    private double SourceWeightsScaled(int from, int to)
    {
        double maxKb = 0, maxC = 0;
        for (int j = from; j < to; j++)
        {
            int b = _hopBundle[j];
            maxKb = Math.Max(maxKb, _g.PerMemberCount[b] * _g.MemberCapacity[b]);
            maxC = Math.Max(maxC, _onward[_g.To[b]]);
        }

        double total = 0;
        for (int j = from; j < to; j++)
        {
            int b = _hopBundle[j];
            double c = _onward[_g.To[b]];
            _hopSourceShare[j] = _hopShare[j] > 0 ? Math.Max(double.Epsilon, _g.PerMemberCount[b] * _g.MemberCapacity[b] / maxKb * (c / maxC)) : 0;
            total += _hopSourceShare[j];
        }

        return total;
    }

    /// <summary>Lists every reached vertex's next hops with the share of its traffic each takes, as a transit vertex and as the source.</summary>
    private void BuildHops(LinkNetwork network)
    {
        int count = 0;
        for (int idx = 1; idx < _bfs.Count; idx++)
        {
            int v = _bfs[idx];
            _hopStart[v] = count;
            int d = _dist[v] - 1;
            double total = 0, totalSource = 0;
            bool infinite = false;
            for (int i = _g.OutStart[v]; i < _g.OutStart[v + 1]; i++)
            {
                int b = _g.OutBundles[i];
                int w = _g.To[b];
                if (_g.Network[b] != network || _dist[w] != d)
                {
                    continue;
                }

                double c = _onward[w];
                double kb = _g.PerMemberCount[b] * _g.MemberCapacity[b];
                double ws, wsrc;
                if (double.IsPositiveInfinity(c))
                {
                    // The next vertex is the destination: split by bundle bandwidth, ignoring finite alternatives.
                    if (!infinite)
                    {
                        infinite = true;
                        total = totalSource = 0;
                        for (int j = _hopStart[v]; j < count; j++)
                        {
                            _hopShare[j] = _hopSourceShare[j] = 0;
                        }
                    }

                    ws = wsrc = kb;
                }
                else if (infinite)
                {
                    ws = wsrc = 0;
                }
                else
                {
                    ws = _g.PerMemberCount[b] * Math.Min(_g.MemberCapacity[b], c);
                    wsrc = kb * c;
                }

                if (count == _hopBundle.Length)
                {
                    Array.Resize(ref _hopBundle, count * 2);
                    Array.Resize(ref _hopShare, count * 2);
                    Array.Resize(ref _hopSourceShare, count * 2);
                }

                _hopBundle[count] = b;
                _hopShare[count] = ws;
                _hopSourceShare[count] = wsrc;
                total += ws;
                totalSource += wsrc;
                count++;
            }

            _hopEnd[v] = count;
            if (!(totalSource > 0 && double.IsFinite(totalSource)))
            {
                // k x b x c overflowed or underflowed (bandwidths near the ends of double's range): the same
                // weights as products of ratios to the largest factors, which stay within range.
                totalSource = SourceWeightsScaled(_hopStart[v], count);
            }

            for (int j = _hopStart[v]; j < count; j++)
            {
                _hopShare[j] /= total;
                _hopSourceShare[j] /= totalSource;
            }
        }
    }
}
