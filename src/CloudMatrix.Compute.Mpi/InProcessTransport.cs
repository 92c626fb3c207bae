using System.Collections.Concurrent;

namespace CloudMatrix.Compute.Mpi;

/// <summary>
/// A transport between threads of one process standing in for MPI processes: each message is copied into a queue
/// per (sender, receiver, tag) and fills the receives posted for that sender and tag in posting order (MPI's
/// matching rule). For tests, and to run a placement without MPI installed. Each rank's transport is used from one
/// thread at a time.
/// </summary>
public sealed class InProcessTransport : IProcessTransport
{
    private readonly Hub _hub;
    private readonly Dictionary<(int Peer, int Tag), Queue<PostedReceive>> _posted = [];
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

        var posted = new PostedReceive[receives.Count];
        for (int i = 0; i < posted.Length; i++)
        {
            posted[i] = new PostedReceive(receives[i]);
            if (!_posted.TryGetValue((receives[i].Peer, receives[i].Tag), out var queue)) _posted[(receives[i].Peer, receives[i].Tag)] = queue = new Queue<PostedReceive>();
            queue.Enqueue(posted[i]);
        }

        return new Pending(this, posted);
    }

    /// <summary>A receive posted and not yet filled.</summary>
    private sealed class PostedReceive(TransportMessage message)
    {
        public TransportMessage Message { get; } = message;

        public bool Filled { get; set; }
    }

    /// <summary>The receives of one exchange. As in MPI, messages from one peer with one tag fill the receives
    /// posted for them in posting order, across exchanges, whichever exchange is tested or waited for first.</summary>
    private sealed class Pending(InProcessTransport owner, PostedReceive[] receives) : IPendingExchange
    {
        public bool Test() => receives.All(r => owner.Deliver(r, block: false));

        public void Wait()
        {
            foreach (PostedReceive r in receives) owner.Deliver(r, block: true);
        }
    }

    /// <summary>Fills the posted receives of <paramref name="target"/>'s peer and tag, oldest first, until it is
    /// filled; false when a message has not arrived yet and <paramref name="block"/> is false.</summary>
    private bool Deliver(PostedReceive target, bool block)
    {
        TransportMessage m = target.Message;
        Queue<PostedReceive> posted = _posted[(m.Peer, m.Tag)];
        BlockingCollection<ushort[]> arrived = _hub.Queue(m.Peer, Rank, m.Tag);
        while (!target.Filled)
        {
            ushort[]? data;
            if (block)
            {
                data = arrived.Take();
            }
            else if (!arrived.TryTake(out data))
            {
                return false;
            }

            PostedReceive head = posted.Dequeue();
            if (data.Length != head.Message.Data.Length)
            {
                throw new InvalidOperationException($"rank {Rank} expected {head.Message.Data.Length} elements from rank {m.Peer} (tag {m.Tag}) and got {data.Length}.");
            }

            data.CopyTo(head.Message.Data, 0);
            head.Filled = true;
        }

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
