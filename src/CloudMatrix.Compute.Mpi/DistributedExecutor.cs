using CloudMatrix.Compute.Execution;

namespace CloudMatrix.Compute.Mpi;

/// <summary>
/// Runs a plan's steps on one process of a distributed run, overlapping the transfers between processes with the
/// computation the DAG allows to run meanwhile. A copy collective step (all-gather, broadcast, send/receive,
/// all-to-all: one message phase) whose data cross processes is posted, nonblocking, as soon as the steps it depends on are done and no earlier
/// unfinished step touches its slots, up to <see cref="Lookahead"/> steps ahead of the step about to run; the GEMM and
/// local steps that neither depend on it nor touch its slots run while its messages are in flight; it completes (the
/// wait, then its local copies and unpacks) just before the first step that needs it or touches its slots.
/// Reductions (several phases, each waiting for the last) run when they are reached.
/// Only steps with disjoint slots trade places, so every buffer goes through the same operations in the same order as
/// in the plan's list order: the bits are those of the single-process run. Every process takes the same scheduling
/// decisions (they depend on the plan alone), so the n-th exchange of one process meets the n-th of every other.
/// </summary>
internal sealed class DistributedExecutor
{
    /// <summary>Steps scanned past the one about to run for a copy collective to post.</summary>
    public const int Lookahead = 3;

    /// <summary>At most this many copy steps in flight at once (each holds its received messages).</summary>
    public const int MaxInFlight = 2;

    private readonly ExecutionPlan _plan;
    private readonly PlanState _state;
    private readonly DistributedCollectives _collectives;
    private readonly bool[] _done;
    private readonly List<(CollectiveStep Step, DistributedCollectives.PendingCopy Copy)> _pending = [];
    private readonly Dictionary<string, int> _readers = [];
    private readonly HashSet<string>[] _reads;
    private readonly HashSet<string>[] _writes;
    private readonly bool?[] _postable;

    public DistributedExecutor(ExecutionPlan plan, PlanState state, DistributedCollectives collectives)
    {
        _plan = plan;
        _state = state;
        _collectives = collectives;
        _done = new bool[plan.Steps.Count];
        _postable = new bool?[plan.Steps.Count];
        _reads = plan.Steps.Select(s => PlanExecutor.Reads(s).ToHashSet()).ToArray();
        _writes = plan.Steps.Select(s => PlanExecutor.Writes(s).ToHashSet()).ToArray();
        foreach (HashSet<string> reads in _reads)
        {
            foreach (string s in reads) _readers[s] = _readers.GetValueOrDefault(s) + 1;
        }
    }

    /// <summary>GEMM and local steps that ran while a transfer between processes was in flight (the same on every
    /// process: a copy step is posted ahead when some of its data cross processes, whichever they are).</summary>
    public int OverlappedSteps { get; private set; }

    /// <summary>Copy steps posted before the step ahead of them in the plan's list order had run.</summary>
    public int PostedAhead { get; private set; }

    /// <summary>Runs every step.</summary>
    /// <param name="progress">Receives each step's name as it starts (a copy step's when it is posted).</param>
    public void Run(IProgress<string>? progress)
    {
        IReadOnlyList<PlanStep> steps = _plan.Steps;
        for (int i = 0; i < steps.Count; i++)
        {
            PlanStep step = steps[i];
            if (_done[i] || IsPending(i)) continue;
            CompleteFor(step);
            if (step is CollectiveStep c)
            {
                progress?.Report(step.Name);
                if (Postable(c))
                {
                    if (_pending.Count >= MaxInFlight) CompleteFirst();
                    _pending.Add((c, _collectives.Post(c)));
                }
                else
                {
                    _collectives.Run(c);
                    Finish(c);
                }

                continue;
            }

            PostAhead(i, progress);
            progress?.Report(step.Name);
            Compute(step);
            Finish(step);
        }

        while (_pending.Count > 0) CompleteFirst();
        _state.Backend.Synchronize();
    }

    private bool Postable(CollectiveStep c) => _postable[c.Id] ??= _collectives.CanPost(c);

    private bool IsPending(int id) => _pending.Exists(p => p.Step.Id == id);

    /// <summary>Completes, oldest first, the pending copies the step depends on or shares a slot with.</summary>
    private void CompleteFor(PlanStep step)
    {
        int last = -1;
        for (int k = 0; k < _pending.Count; k++)
        {
            int id = _pending[k].Step.Id;
            if (step.DependsOn.Contains(id) || Conflict(id, step.Id)) last = k;
        }

        for (int k = 0; k <= last; k++) CompleteFirst();
    }

    /// <summary>Posts the copy steps among the next few that may start before step <paramref name="current"/>, in list order.</summary>
    private void PostAhead(int current, IProgress<string>? progress)
    {
        IReadOnlyList<PlanStep> steps = _plan.Steps;
        for (int j = current + 1; j < steps.Count && j <= current + Lookahead && _pending.Count < MaxInFlight; j++)
        {
            if (_done[j] || IsPending(j) || steps[j] is not CollectiveStep c) continue;
            if (!Postable(c) || !c.DependsOn.All(d => _done[d]) || !MayStartBefore(j, current)) return;
            progress?.Report(c.Name);
            _pending.Add((c, _collectives.Post(c)));
            PostedAhead++;
        }
    }

    /// <summary>Whether step <paramref name="j"/> shares no slot with an unfinished step before it (from <paramref name="current"/> on, or in flight).</summary>
    private bool MayStartBefore(int j, int current)
    {
        for (int k = current; k < j; k++)
        {
            if (!_done[k] && Conflict(k, j)) return false;
        }

        return !_pending.Exists(p => Conflict(p.Step.Id, j));
    }

    /// <summary>One of the steps writes a slot the other reads or writes.</summary>
    private bool Conflict(int a, int b) =>
        _writes[a].Overlaps(_reads[b]) || _writes[a].Overlaps(_writes[b]) || _writes[b].Overlaps(_reads[a]);

    /// <summary>Runs a GEMM or local step; while copies are in flight on a thread-safe backend it runs on a worker thread
    /// and this thread lets the transport progress (MPI moves large messages only inside its calls, made from here).</summary>
    private void Compute(PlanStep step)
    {
        if (_pending.Count == 0)
        {
            PlanExecutor.RunCompute(_plan, _state, step);
            return;
        }

        OverlappedSteps++;
        if (!_state.Backend.IsThreadSafe)
        {
            PlanExecutor.RunCompute(_plan, _state, step);
            return;
        }

        Task work = Task.Factory.StartNew(() => PlanExecutor.RunCompute(_plan, _state, step), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        bool transfersDone = false;
        while (!work.Wait(TimeSpan.FromMilliseconds(1)))
        {
            if (transfersDone) continue;
            transfersDone = true;
            foreach (var p in _pending) transfersDone &= p.Copy.Test();
        }

        work.GetAwaiter().GetResult();
    }

    private void CompleteFirst()
    {
        var (step, copy) = _pending[0];
        _pending.RemoveAt(0);
        copy.Complete();
        Finish(step);
    }

    /// <summary>Marks a step done and frees the slots no step will read again (inputs and the output stay).</summary>
    private void Finish(PlanStep step)
    {
        _done[step.Id] = true;
        foreach (string s in _reads[step.Id])
        {
            if (--_readers[s] == 0 && s != _plan.Output && !_plan.Inputs.Contains(s)) _state.Free(s);
        }
    }
}
