namespace CloudMatrix.Compute.Network;

/// <summary>
/// The α-β reference network: every device has one port of <c>B</c> bytes/s each way into a single non-blocking
/// switch, and a transfer pays latency α once. Concurrent transfers share ports max-min fairly (progressive
/// filling); a transfer's bytes move at its fair rate and it finishes α after its last byte. On this network every
/// algorithm's time has a closed form, which is what the tests pin.
/// </summary>
internal sealed class IdealSwitchSimulator : ITransferSimulator
{
    private const double RelativeTolerance = 1e-12;

    public IdealSwitchSimulator(int deviceCount, double bytesPerSecond, double latencySeconds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(deviceCount, 1);
        if (!(bytesPerSecond > 0) || double.IsInfinity(bytesPerSecond))
        {
            throw new ArgumentOutOfRangeException(nameof(bytesPerSecond), bytesPerSecond, "Port bandwidth must be finite and > 0 bytes/s.");
        }

        if (!(latencySeconds >= 0) || double.IsInfinity(latencySeconds))
        {
            throw new ArgumentOutOfRangeException(nameof(latencySeconds), latencySeconds, "Latency must be finite and >= 0 s.");
        }

        DeviceCount = deviceCount;
        BytesPerSecond = bytesPerSecond;
        LatencySeconds = latencySeconds;
    }

    public int DeviceCount { get; }

    public double BytesPerSecond { get; }

    public double LatencySeconds { get; }

    public TransferTimes Simulate(IReadOnlyList<TimedTransfer> transfers)
    {
        int f = transfers.Count;
        int d = DeviceCount;
        var start = new double[f];
        var finish = new double[f];
        var transmitEnd = new double[f];
        var remaining = new double[f];
        var rate = new double[f];
        var pendingDeps = new int[f];
        var readyAt = new double[f];

        // Dependents in compressed rows.
        var dependentCount = new int[f + 1];
        for (int i = 0; i < f; i++)
        {
            pendingDeps[i] = transfers[i].DependsOn.Length;
            foreach (int dep in transfers[i].DependsOn) dependentCount[dep + 1]++;
        }

        for (int i = 0; i < f; i++) dependentCount[i + 1] += dependentCount[i];
        var dependents = new int[dependentCount[f]];
        var fill = (int[])dependentCount.Clone();
        for (int i = 0; i < f; i++)
        {
            foreach (int dep in transfers[i].DependsOn) dependents[fill[dep]++] = i;
        }

        var events = new PriorityQueue<int, double>();
        for (int i = 0; i < f; i++)
        {
            if (pendingDeps[i] == 0) events.Enqueue(i, transfers[i].DelaySeconds);
        }

        // Resources: egress port of device k is k, ingress port is d + k.
        var activeOnPort = new int[2 * d];
        var busySince = new double[2 * d];
        var busy = new double[2 * d];
        var portBytes = new double[2 * d];
        var active = new List<int>();
        var capacity = new double[2 * d];
        var unfrozen = new int[2 * d];
        var bottleneck = new bool[2 * d];
        double t = 0;
        double total = 0;
        bool dirty = false;

        while (true)
        {
            double nextEvent = events.Count > 0 ? PeekPriority(events) : double.PositiveInfinity;
            double nextDrain = double.PositiveInfinity;
            foreach (int i in active)
            {
                nextDrain = Math.Min(nextDrain, t + (remaining[i] / rate[i]));
            }

            double next = Math.Min(nextEvent, nextDrain);
            if (double.IsPositiveInfinity(next)) break;
            double dt = next - t;
            if (dt > 0)
            {
                foreach (int i in active) remaining[i] -= rate[i] * dt;
            }

            t = next;
            double slack = RelativeTolerance * Math.Max(t, 1e-9);

            // Last bytes: drain every transfer that ends now (within rounding).
            for (int k = active.Count - 1; k >= 0; k--)
            {
                int i = active[k];
                if (remaining[i] / rate[i] <= slack)
                {
                    active[k] = active[^1];
                    active.RemoveAt(active.Count - 1);
                    transmitEnd[i] = t;
                    Release(transfers[i], t);
                    events.Enqueue(~i, t + LatencySeconds);
                    dirty = true;
                }
            }

            while (events.Count > 0 && PeekPriority(events) <= t + slack)
            {
                int e = events.Dequeue();
                if (e >= 0)
                {
                    start[e] = t;
                    TimedTransfer tr = transfers[e];
                    if (tr.Source == tr.Destination)
                    {
                        // Local work: done at once, no port, no latency.
                        transmitEnd[e] = t;
                        events.Enqueue(~e, t);
                        continue;
                    }

                    if (tr.Bytes <= 0)
                    {
                        transmitEnd[e] = t;
                        events.Enqueue(~e, t + LatencySeconds);
                        continue;
                    }

                    remaining[e] = tr.Bytes;
                    active.Add(e);
                    Acquire(tr, t);
                    dirty = true;
                }
                else
                {
                    int i = ~e;
                    finish[i] = t;
                    total = Math.Max(total, t);
                    for (int k = dependentCount[i]; k < dependentCount[i + 1]; k++)
                    {
                        int j = dependents[k];
                        readyAt[j] = Math.Max(readyAt[j], t);
                        if (--pendingDeps[j] == 0) events.Enqueue(j, readyAt[j] + transfers[j].DelaySeconds);
                    }
                }
            }

            if (dirty && active.Count > 0)
            {
                AssignRates();
            }

            dirty = false;
        }

        var links = new List<LinkUsage>(2 * d);
        for (int k = 0; k < d; k++)
        {
            string port = "device" + k.ToString(System.Globalization.CultureInfo.InvariantCulture);
            links.Add(new LinkUsage(port, port, "switch", portBytes[k], busy[k]) { BytesPerSecond = BytesPerSecond });
            links.Add(new LinkUsage(port, "switch", port, portBytes[d + k], busy[d + k]) { BytesPerSecond = BytesPerSecond });
        }

        return new TransferTimes(start, transmitEnd, finish, total, links);

        void Acquire(in TimedTransfer tr, double now)
        {
            Touch(tr.Source, +1, now);
            Touch(d + tr.Destination, +1, now);
            portBytes[tr.Source] += tr.Bytes;
            portBytes[d + tr.Destination] += tr.Bytes;
        }

        void Release(in TimedTransfer tr, double now)
        {
            Touch(tr.Source, -1, now);
            Touch(d + tr.Destination, -1, now);
        }

        void Touch(int port, int delta, double now)
        {
            if (delta > 0 && activeOnPort[port]++ == 0) busySince[port] = now;
            if (delta < 0 && --activeOnPort[port] == 0) busy[port] += now - busySince[port];
        }

        // Max-min fair rates by progressive filling: repeatedly saturate the port with the smallest fair share.
        void AssignRates()
        {
            foreach (int i in active)
            {
                unfrozen[transfers[i].Source] = 0;
                unfrozen[d + transfers[i].Destination] = 0;
            }

            foreach (int i in active)
            {
                int a = transfers[i].Source;
                int b = d + transfers[i].Destination;
                unfrozen[a]++;
                unfrozen[b]++;
                capacity[a] = BytesPerSecond;
                capacity[b] = BytesPerSecond;
                rate[i] = -1;
            }

            int left = active.Count;
            while (left > 0)
            {
                double share = double.PositiveInfinity;
                foreach (int i in active)
                {
                    if (rate[i] >= 0) continue;
                    int a = transfers[i].Source;
                    int b = d + transfers[i].Destination;
                    share = Math.Min(share, Math.Min(capacity[a] / unfrozen[a], capacity[b] / unfrozen[b]));
                }

                double limit = share * (1 + RelativeTolerance);
                foreach (int i in active)
                {
                    if (rate[i] >= 0) continue;
                    int a = transfers[i].Source;
                    int b = d + transfers[i].Destination;
                    bottleneck[a] = capacity[a] / unfrozen[a] <= limit;
                    bottleneck[b] = capacity[b] / unfrozen[b] <= limit;
                }

                foreach (int i in active)
                {
                    if (rate[i] >= 0) continue;
                    int a = transfers[i].Source;
                    int b = d + transfers[i].Destination;
                    if (bottleneck[a] || bottleneck[b])
                    {
                        rate[i] = share;
                        capacity[a] -= share;
                        capacity[b] -= share;
                        left--;
                    }
                }

                foreach (int i in active)
                {
                    unfrozen[transfers[i].Source] = 0;
                    unfrozen[d + transfers[i].Destination] = 0;
                }

                foreach (int i in active)
                {
                    if (rate[i] >= 0) continue;
                    unfrozen[transfers[i].Source]++;
                    unfrozen[d + transfers[i].Destination]++;
                }
            }
        }
    }

    private static double PeekPriority(PriorityQueue<int, double> queue)
    {
        queue.TryPeek(out _, out double priority);
        return priority;
    }
}
