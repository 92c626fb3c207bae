using System.Collections.Concurrent;

namespace CloudMatrix.Compute.Mpi;

/// <summary>
/// A transport between threads of one process standing in for MPI processes: each message is copied into a queue
/// per (sender, receiver, tag) and taken in order. For tests, and to run a placement without MPI installed.
/// </summary>
public sealed class InProcessTransport : IProcessTransport
{
    private readonly Hub _hub;
    private long _bytesSent;

    private InProcessTransport(Hub hub, int rank)
    {
        _hub = hub;
        Rank = rank;
    }

    /// <inheritdoc/>
    public int Rank { get; }

    /// <inheritdoc/>
    public int Size => _hub.Size;

    /// <inheritdoc/>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Transports for <paramref name="size"/> ranks that talk to each other; run each on its own thread.</summary>
    /// <param name="size">Number of ranks, at least 1.</param>
    /// <returns>One transport per rank, in rank order.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is below 1.</exception>
    public static IReadOnlyList<InProcessTransport> Create(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var hub = new Hub(size);
        return Enumerable.Range(0, size).Select(r => new InProcessTransport(hub, r)).ToArray();
    }

    /// <inheritdoc/>
    public IPendingExchange Start(IReadOnlyList<TransportMessage> sends, IReadOnlyList<TransportMessage> receives)
    {
        ArgumentNullException.ThrowIfNull(sends);
        ArgumentNullException.ThrowIfNull(receives);
        foreach (TransportMessage m in sends)
        {
            _hub.Queue(Rank, m.Peer, m.Tag).Add((ushort[])m.Data.Clone());
            Interlocked.Add(ref _bytesSent, 2L * m.Data.Length);
        }

        return new Pending(this, [.. receives]);
    }

    /// <summary>The receives of one exchange: each taken from its queue in order, by <see cref="Test"/> when already
    /// there, by <see cref="Wait"/> blocking.</summary>
    private sealed class Pending(InProcessTransport owner, TransportMessage[] receives) : IPendingExchange
    {
        private int _next;

        public bool Test()
        {
            while (_next < receives.Length && owner.TryTake(receives[_next], block: false)) _next++;
            return _next == receives.Length;
        }

        public void Wait()
        {
            while (_next < receives.Length)
            {
                owner.TryTake(receives[_next], block: true);
                _next++;
            }
        }
    }

    private bool TryTake(TransportMessage m, bool block)
    {
        BlockingCollection<ushort[]> queue = _hub.Queue(m.Peer, Rank, m.Tag);
        ushort[]? data;
        if (block)
        {
            data = queue.Take();
        }
        else if (!queue.TryTake(out data))
        {
            return false;
        }

        if (data.Length != m.Data.Length)
        {
            throw new InvalidOperationException($"rank {Rank} expected {m.Data.Length} elements from rank {m.Peer} (tag {m.Tag}) and got {data.Length}.");
        }

        data.CopyTo(m.Data, 0);
        return true;
    }

    /// <inheritdoc/>
    public double[] AllGather(double[] local)
    {
        ArgumentNullException.ThrowIfNull(local);
        _hub.Slots[Rank] = local;
        _hub.Barrier.SignalAndWait();
        double[] all = _hub.Slots.SelectMany(s => s!).ToArray();
        _hub.Barrier.SignalAndWait(); // nobody overwrites a slot before everyone has read it
        return all;
    }

    private sealed class Hub(int size)
    {
        private readonly ConcurrentDictionary<(int, int, int), BlockingCollection<ushort[]>> _queues = new();

        public int Size { get; } = size;

        public double[]?[] Slots { get; } = new double[]?[size];

        public Barrier Barrier { get; } = new(size);

        public BlockingCollection<ushort[]> Queue(int from, int to, int tag) => _queues.GetOrAdd((from, to, tag), _ => []);
    }
}
