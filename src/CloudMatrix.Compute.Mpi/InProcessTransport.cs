namespace CloudMatrix.Compute.Mpi;

/// <summary>
/// A transport between threads of one process standing in for MPI processes: each message is copied into a queue
/// per (sender, receiver, tag) and fills the receives posted for that sender and tag in posting order (MPI's
/// matching rule). For tests, and to run a placement without MPI installed. Each rank's transport is used from one
/// thread at a time. When every rank is blocked (waiting for a message or in <see cref="AllGather"/>) nothing can
/// wake any of them, so each throws an <see cref="InvalidOperationException"/> saying what every rank waits for,
/// instead of hanging. A rank whose thread is done (it returned or threw) disposes its transport: the rank has then
/// left, and a rank waiting for a message it never sent, or for it in <see cref="AllGather"/>, throws instead of
/// waiting for ever (<c>using var transport = transports[rank];</c> on each rank's thread).
/// </summary>
public sealed class InProcessTransport : IProcessTransport, IDisposable
{
    /// <summary>The most ranks <see cref="Create"/> gives (the participant limit of a .NET barrier).</summary>
    public const int MaxSize = 32767;

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
    /// <param name="size">Number of ranks, 1 to <see cref="MaxSize"/>.</param>
    /// <returns>One transport per rank, in rank order.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is below 1 or above <see cref="MaxSize"/>.</exception>
    public static IReadOnlyList<InProcessTransport> Create(int size)
    {
        if (size < 1 || size > MaxSize)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, $"size is {size}; give 1 to {MaxSize} ranks.");
        }

        var hub = new Hub(size);
        return Enumerable.Range(0, size).Select(r => new InProcessTransport(hub, r)).ToArray();
    }

    /// <summary>
    /// This rank leaves: the others can no longer wait for it. A rank blocked on a message from it that has not
    /// arrived, or in <see cref="AllGather"/>, throws an <see cref="InvalidOperationException"/> that says so; messages
    /// it sent before leaving are still delivered. Calling it again does nothing.
    /// </summary>
    public void Dispose() => _hub.Leave(Rank);

    /// <inheritdoc/>
    /// <exception cref="ArgumentNullException"><paramref name="sends"/> or <paramref name="receives"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">This rank's transport was disposed.</exception>
    /// <exception cref="ArgumentException">A message is null, has null data, a peer outside 0 to <see cref="Size"/> - 1
    /// or a tag outside 0 to 32767 (<c>ParamName</c> is <c>sends</c> or <c>receives</c>, the message names the index);
    /// nothing was posted.</exception>
    public IPendingExchange Start(IReadOnlyList<TransportMessage> sends, IReadOnlyList<TransportMessage> receives)
    {
        TransportMessage.CheckAll(sends, receives, Size);
        ObjectDisposedException.ThrowIf(_hub.HasLeft(Rank), this);
        foreach (TransportMessage m in sends)
        {
            _hub.Post(Rank, m.Peer, m.Tag, (ushort[])m.Data.Clone());
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
        while (!target.Filled)
        {
            PostedReceive head = posted.Peek();
            ushort[]? data = _hub.Take(m.Peer, Rank, m.Tag, block, head.Message.Data.Length);
            if (data is null) return false;
            posted.Dequeue();
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
    /// <exception cref="ArgumentNullException"><paramref name="local"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The ranks gave different counts (every rank throws), every
    /// rank is blocked and none can go on, or a rank has left.</exception>
    /// <exception cref="ObjectDisposedException">This rank's transport was disposed.</exception>
    public double[] AllGather(double[] local)
    {
        ArgumentNullException.ThrowIfNull(local);
        ObjectDisposedException.ThrowIf(_hub.HasLeft(Rank), this);
        return _hub.AllGather(Rank, local);
    }

    /// <summary>The queues and the gather of every rank, under one lock, with what each rank is blocked on.</summary>
    private sealed class Hub(int size)
    {
        private readonly object _lock = new();
        private readonly Dictionary<(int, int, int), Queue<ushort[]>> _queues = [];
        private readonly string?[] _waiting = new string?[size];
        private readonly bool[] _isBlocked = new bool[size];
        private readonly bool[] _left = new bool[size];
        private int _leftCount;
        private readonly double[]?[] _slots = new double[]?[size];
        private int _blocked;
        private string? _deadlock;
        private int _arrived;
        private long _generation;
        private double[]? _gathered;
        private string? _gatherError;

        public int Size { get; } = size;

        public void Post(int from, int to, int tag, ushort[] data)
        {
            lock (_lock)
            {
                if (!_queues.TryGetValue((from, to, tag), out var queue)) _queues[(from, to, tag)] = queue = new Queue<ushort[]>();
                queue.Enqueue(data);
                WakeAll();
            }
        }

        /// <summary>The oldest message from <paramref name="from"/> to <paramref name="to"/> with the tag; null when
        /// there is none and <paramref name="block"/> is false.</summary>
        public ushort[]? Take(int from, int to, int tag, bool block, int expected)
        {
            lock (_lock)
            {
                while (true)
                {
                    if (_queues.TryGetValue((from, to, tag), out var queue) && queue.Count > 0) return queue.Dequeue();
                    if (_left[from])
                    {
                        throw new InvalidOperationException(
                            $"rank {to} waits for {expected} elements from rank {from} (tag {tag}), which has left (its transport was disposed) without sending them.");
                    }

                    if (!block) return null;
                    Block(to, $"rank {to} waits for {expected} elements from rank {from} (tag {tag})");
                }
            }
        }

        public double[] AllGather(int rank, double[] local)
        {
            lock (_lock)
            {
                long generation = _generation;
                _slots[rank] = local;
                if (++_arrived == Size)
                {
                    int[] counts = _slots.Select(s => s!.Length).ToArray();
                    _gatherError = counts.Distinct().Count() == 1 ? null
                        : $"AllGather: the ranks gave different counts ({string.Join(", ", counts.Select((c, r) => $"rank {r}: {c}"))}); every rank must give the same.";
                    _gathered = _gatherError is null ? _slots.SelectMany(s => s!).ToArray() : null;
                    Array.Clear(_slots);
                    _arrived = 0;
                    _generation++;
                    WakeAll();
                }
                else
                {
                    while (_generation == generation)
                    {
                        if (_leftCount > 0)
                        {
                            throw new InvalidOperationException(
                                $"rank {rank} waits in AllGather, but rank(s) {string.Join(", ", Enumerable.Range(0, Size).Where(r => _left[r]))} left (their transports were disposed) and will never come.");
                        }

                        Block(rank, $"rank {rank} waits in AllGather ({_arrived} of {Size} ranks there)");
                    }
                }

                if (_gatherError is not null) throw new InvalidOperationException(_gatherError);
                return (double[])_gathered!.Clone();
            }
        }

        /// <summary>Counts every waiting rank as able to go on again (each re-blocks if what it waits for is not
        /// there), then wakes them: a rank woken but not yet running must not count as blocked.</summary>
        private void WakeAll()
        {
            for (int r = 0; r < Size; r++)
            {
                if (!_isBlocked[r]) continue;
                _isBlocked[r] = false;
                _waiting[r] = null;
                _blocked--;
            }

            Monitor.PulseAll(_lock);
        }

        public bool HasLeft(int rank)
        {
            lock (_lock)
            {
                return _left[rank];
            }
        }

        /// <summary>Marks <paramref name="rank"/> as gone and wakes every waiting rank to look again.</summary>
        public void Leave(int rank)
        {
            lock (_lock)
            {
                if (_left[rank]) return;
                _left[rank] = true;
                _leftCount++;
                WakeAll();
            }
        }

        /// <summary>Waits for a pulse (the lock held) as <paramref name="rank"/>; throws when every rank that has not
        /// left is blocked.</summary>
        private void Block(int rank, string what)
        {
            if (_deadlock is null && _blocked + _leftCount == Size - 1)
            {
                _waiting[rank] = what;
                _deadlock = $"Every rank is blocked and none can go on: {string.Join("; ", _waiting.Where(w => w is not null))}.";
                Monitor.PulseAll(_lock);
            }

            if (_deadlock is not null) throw new InvalidOperationException(_deadlock);
            _waiting[rank] = what;
            _isBlocked[rank] = true;
            _blocked++;
            try
            {
                Monitor.Wait(_lock);
            }
            finally
            {
                if (_isBlocked[rank])
                {
                    _isBlocked[rank] = false;
                    _waiting[rank] = null;
                    _blocked--;
                }
            }

            if (_deadlock is not null) throw new InvalidOperationException(_deadlock);
        }
    }
}
