namespace CloudMatrix.Compute.Collectives;

/// <summary>
/// Builds a <see cref="CollectiveSchedule"/>, deriving dependencies so that algorithms state only what they send.
/// </summary>
/// <remarks>
/// Dependencies follow two rules. Data: a step sent by rank r on lane l waits for every step that delivered into r
/// on lane l since r's previous step on that lane, and for that previous step (which covers older deliveries).
/// Channel order: a transfer from r to t waits for the previous transfer from r to t (messages on one channel leave
/// in order; this is what makes chunked schedules pipeline). Lanes separate independent data (pipeline chunks, the
/// two trees of a double binary tree). Steps added between <see cref="BeginRound"/> and <see cref="EndRound"/> are
/// concurrent: each sees the dependencies as they stood when the round began.
/// </remarks>
internal sealed class ScheduleBuilder
{
    private readonly List<ScheduleStep> _steps = [];
    private readonly List<int> _dependencies = [];
    private readonly int _ranks;
    private readonly int _lanes;
    private readonly List<int>[] _frontier;
    private readonly Dictionary<long, int> _lastOnChannel = [];
    private readonly List<(int Slot, int Step)> _pendingFrontier = [];
    private readonly List<(int Slot, int Step)> _pendingSent = [];
    private bool _inRound;
    private int _round;

    public ScheduleBuilder(int ranks, int lanes = 1)
    {
        _ranks = ranks;
        _lanes = lanes;
        _frontier = new List<int>[ranks * lanes];
        for (int i = 0; i < _frontier.Length; i++)
        {
            _frontier[i] = [];
        }
    }

    public int Ranks => _ranks;

    public int Lanes => _lanes;

    public void BeginRound()
    {
        _inRound = true;
    }

    public void EndRound()
    {
        _inRound = false;
        _round++;
        // A sender's own step replaces its frontier (it covers what the sender had received); deliveries add.
        foreach ((int slot, _) in _pendingSent)
        {
            _frontier[slot].Clear();
        }

        foreach ((int slot, int step) in _pendingSent)
        {
            _frontier[slot].Add(step);
        }

        foreach ((int slot, int step) in _pendingFrontier)
        {
            _frontier[slot].Add(step);
        }

        _pendingSent.Clear();
        _pendingFrontier.Clear();
    }

    /// <summary>Adds a step (a transfer, or local work when <paramref name="source"/> equals <paramref name="destination"/>).</summary>
    /// <remarks>
    /// With <paramref name="rendezvous"/> the transfer also waits for the destination's frontier: an exchange
    /// (MPI sendrecv) starts when both sides are ready, so an idle rank cannot run ahead into a busy partner.
    /// </remarks>
    public int Add(int source, int destination, StepKind kind, StepSource from, int sourceOffset, int destinationOffset, int count, int lane = 0, bool rendezvous = false)
    {
        bool ownRound = !_inRound;
        if (ownRound) BeginRound();

        int id = _steps.Count;
        int depStart = _dependencies.Count;
        int srcSlot = source * _lanes + lane;
        foreach (int d in _frontier[srcSlot])
        {
            _dependencies.Add(d);
        }

        if (rendezvous && source != destination)
        {
            foreach (int d in _frontier[destination * _lanes + lane])
            {
                if (!_frontier[srcSlot].Contains(d)) _dependencies.Add(d);
            }
        }

        if (source != destination)
        {
            long channel = ((long)source << 32) | (uint)destination;
            if (_lastOnChannel.TryGetValue(channel, out int previous) && !_frontier[srcSlot].Contains(previous))
            {
                _dependencies.Add(previous);
            }

            _lastOnChannel[channel] = id;
        }

        _steps.Add(new ScheduleStep
        {
            Source = source,
            Destination = destination,
            Kind = kind,
            From = from,
            SourceOffset = sourceOffset,
            DestinationOffset = destinationOffset,
            Count = count,
            DependencyStart = depStart,
            DependencyCount = _dependencies.Count - depStart,
            Round = _round,
        });

        if (source != destination)
        {
            _pendingSent.Add((srcSlot, id));
        }

        _pendingFrontier.Add((destination * _lanes + lane, id));
        if (ownRound) EndRound();
        return id;
    }

    /// <summary>
    /// A local step with no data that waits for everything <paramref name="rank"/> has received on the lane: a
    /// barrier that lets many later sends depend on one step instead of on every delivery.
    /// </summary>
    public int Join(int rank, int lane = 0)
    {
        int id = Add(rank, rank, StepKind.Copy, StepSource.Work, 0, 0, 0, lane);
        _frontier[rank * _lanes + lane].Clear();
        _frontier[rank * _lanes + lane].Add(id);
        return id;
    }

    public CollectiveSchedule Build(CollectiveOperation operation, CollectiveAlgorithm algorithm, int inputLength, int[] workLengths, (int Offset, int Count)[] outputs) => new()
    {
        Operation = operation,
        Algorithm = algorithm,
        Ranks = _ranks,
        InputLength = inputLength,
        Steps = [.. _steps],
        Dependencies = [.. _dependencies],
        WorkLengths = workLengths,
        Outputs = outputs,
    };
}
