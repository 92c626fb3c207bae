namespace CloudMatrix.Compute.Topology;

/// <summary>Dinic's maximum flow over a system's links (each direction its own capacity), for bisection bandwidth.</summary>
internal sealed class MaxFlow
{
    private readonly int _n;
    private readonly List<int> _to = [], _next = [];
    private readonly List<double> _cap = [];
    private readonly int[] _head;
    private int[] _level = [], _it = [];

    private MaxFlow(int vertices)
    {
        _n = vertices;
        _head = Enumerable.Repeat(-1, vertices).ToArray();
    }

    /// <summary>Max flow from the first half of the devices (by index) to the second half, bytes/s one way.</summary>
    public static double Bisection(SystemSpec s, bool scaleUpOnly)
    {
        int v = s.DeviceCount + s.Switches.Count;
        var g = new MaxFlow(v + 2);
        int source = v, sink = v + 1, half = s.DeviceCount / 2;
        if (half == 0)
        {
            return 0;
        }

        foreach (LinkSpec l in s.Links)
        {
            if (scaleUpOnly && l.Network != LinkNetwork.ScaleUp)
            {
                continue;
            }

            int a = s.VertexIndex(l.From), b = s.VertexIndex(l.To);
            g.Add(a, b, l.BandwidthBytesPerSecond);
            g.Add(b, a, l.BandwidthBytesPerSecond);
        }

        for (int i = 0; i < s.DeviceCount; i++)
        {
            if (i < half)
            {
                g.Add(source, i, double.PositiveInfinity);
            }
            else if (i >= s.DeviceCount - half)
            {
                g.Add(i, sink, double.PositiveInfinity);
            }
        }

        return g.Run(source, sink);
    }

    private void Add(int a, int b, double capacity)
    {
        _to.Add(b); _cap.Add(capacity); _next.Add(_head[a]); _head[a] = _to.Count - 1;
        _to.Add(a); _cap.Add(0); _next.Add(_head[b]); _head[b] = _to.Count - 1;
    }

    private double Run(int s, int t)
    {
        double total = 0;
        _level = new int[_n];
        _it = new int[_n];
        while (Bfs(s, t))
        {
            Array.Copy(_head, _it, _n);
            double f;
            while ((f = Dfs(s, t, double.PositiveInfinity)) > 0)
            {
                total += f;
            }
        }

        return total;
    }

    private bool Bfs(int s, int t)
    {
        Array.Fill(_level, -1);
        var queue = new Queue<int>();
        _level[s] = 0;
        queue.Enqueue(s);
        while (queue.Count > 0)
        {
            int u = queue.Dequeue();
            for (int e = _head[u]; e >= 0; e = _next[e])
            {
                if (_cap[e] > 0 && _level[_to[e]] < 0)
                {
                    _level[_to[e]] = _level[u] + 1;
                    queue.Enqueue(_to[e]);
                }
            }
        }

        return _level[t] >= 0;
    }

    private double Dfs(int u, int t, double pushed)
    {
        if (u == t)
        {
            return pushed;
        }

        for (; _it[u] >= 0; _it[u] = _next[_it[u]])
        {
            int e = _it[u], w = _to[e];
            if (_cap[e] > 0 && _level[w] == _level[u] + 1)
            {
                double d = Dfs(w, t, Math.Min(pushed, _cap[e]));
                if (d > 0)
                {
                    _cap[e] -= d;
                    _cap[e ^ 1] += d;
                    return d;
                }
            }
        }

        return 0;
    }
}
