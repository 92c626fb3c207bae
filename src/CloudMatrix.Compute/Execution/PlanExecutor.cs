using CloudMatrix.Compute.Backends;
using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Sharding;

namespace CloudMatrix.Compute.Execution;

/// <summary>
/// The functional interpreter: runs a plan's steps in order on backend buffers. GEMM steps go to the backend as one
/// batch of views; collectives move and reduce backend buffers; a slot is freed after the last step that reads it.
/// </summary>
internal static class PlanExecutor
{
    /// <summary>Runs the plan's steps on the state's positions.</summary>
    /// <param name="plan">The plan.</param>
    /// <param name="state">Its buffers.</param>
    /// <param name="progress">Receives each step's name as it starts.</param>
    /// <param name="collectives">Runs a collective step instead of <see cref="DeviceCollectives"/> (a distributed run
    /// moves data between processes there); GEMM and local steps run only on the state's local positions.</param>
    public static void Run(ExecutionPlan plan, PlanState state, IProgress<string>? progress = null, Action<CollectiveStep>? collectives = null)
    {
        var lastUse = new Dictionary<string, int>();
        foreach (PlanStep step in plan.Steps)
        {
            foreach (string s in Reads(step)) lastUse[s] = step.Id;
        }

        foreach (PlanStep step in plan.Steps)
        {
            progress?.Report(step.Name);
            switch (step)
            {
                case GemmStep g:
                    RunGemm(plan, state, g);
                    break;
                case CollectiveStep c when collectives is not null:
                    collectives(c);
                    break;
                case CollectiveStep c:
                    foreach (CollectiveCall call in c.Calls) DeviceCollectives.Run(state, call);
                    break;
                case LocalStep l:
                    RunLocal(plan, state, l);
                    break;
            }

            foreach (string s in Reads(step))
            {
                if (lastUse[s] == step.Id && s != plan.Output && !plan.Inputs.Contains(s)) state.Free(s);
            }
        }

        state.Backend.Synchronize();
    }

    /// <summary>Runs one GEMM or local step on the state's local positions (a distributed run schedules these itself).</summary>
    internal static void RunCompute(ExecutionPlan plan, PlanState state, PlanStep step)
    {
        switch (step)
        {
            case GemmStep g:
                RunGemm(plan, state, g);
                break;
            case LocalStep l:
                RunLocal(plan, state, l);
                break;
            default:
                throw new ArgumentException($"Step {step.Id} ({step.Name}) is a {step.GetType().Name}, not a GEMM or local step.", nameof(step));
        }
    }

    public static ShardedTensor Redistribute(ExecutionPlan plan, ShardedTensor input, TensorSharding layout)
    {
        using var state = new PlanState(input.Backend, plan.Slots);
        state.Bind(plan.Inputs[0], input);
        Run(plan, state);
        return new ShardedTensor(layout, input.Backend, state.Detach(plan.Output));
    }

    // The slots a GEMM step's tasks write (C) or read (A, B and C), each once, in first-seen order: tasks of one
    // step mostly share their slots, so a short list beats hashing every task's names.
    private static List<string> DistinctSlots(IReadOnlyList<GemmTask> tasks, bool write)
    {
        var slots = new List<string>(3);
        foreach (GemmTask t in tasks)
        {
            if (!write)
            {
                AddOnce(slots, t.A);
                AddOnce(slots, t.B);
            }

            AddOnce(slots, t.C);
        }

        return slots;

        static void AddOnce(List<string> list, string name)
        {
            foreach (string s in list)
            {
                if (ReferenceEquals(s, name) || s == name) return;
            }

            list.Add(name);
        }
    }

    internal static IEnumerable<string> Writes(PlanStep step) => step switch
    {
        GemmStep g => DistinctSlots(g.Tasks, write: true),
        CollectiveStep c => c.Calls.Select(x => x.Destination),
        LocalStep l => [l.Destination],
        _ => [],
    };

    /// <summary>
    /// Each slot's lifetime in step ids: from the step that first writes it (inputs: 0) to the last step that reads it;
    /// inputs and the output live to the end (<c>Steps.Count</c>).
    /// </summary>
    internal static (Dictionary<string, int> First, Dictionary<string, int> Last) Lifetimes(ExecutionPlan plan)
    {
        var first = new Dictionary<string, int>();
        var last = new Dictionary<string, int>();
        foreach (string s in plan.Inputs) first[s] = 0;
        foreach (PlanStep step in plan.Steps)
        {
            foreach (string w in Writes(step)) first.TryAdd(w, step.Id);
            foreach (string r in Reads(step)) last[r] = step.Id;
        }

        last[plan.Output] = plan.Steps.Count;
        foreach (string s in plan.Inputs) last[s] = plan.Steps.Count;
        return (first, last);
    }

    internal static IEnumerable<string> Reads(PlanStep step) => step switch
    {
        GemmStep g => DistinctSlots(g.Tasks, write: false),
        CollectiveStep c => c.Calls.Select(x => x.Source),
        LocalStep l => [l.Source],
        _ => [],
    };

    private static void RunGemm(ExecutionPlan plan, PlanState state, GemmStep step)
    {
        GemmTask[] local = step.Tasks.Where(t => state.IsLocal(t.Position)).ToArray();
        var tasks = new DeviceGemmTask[local.Length];
        for (int i = 0; i < tasks.Length; i++)
        {
            GemmTask t = local[i];
            ShardExtent ea = plan.Slots[t.A].Extents[t.Position], eb = plan.Slots[t.B].Extents[t.Position], ec = plan.Slots[t.C].Extents[t.Position];
            bool fp32 = plan.Slots[t.C].Fp32;
            tasks[i] = new DeviceGemmTask
            {
                M = t.M, N = t.N, K = t.K,
                A = state.Bf16(t.A, t.Position), AOffset = (t.ARow * ea.Cols) + t.ACol, Lda = ea.Cols,
                B = state.Bf16(t.B, t.Position), BOffset = (t.BRow * eb.Cols) + t.BCol, Ldb = eb.Cols,
                CFloat = fp32 ? state.Fp32(t.C, t.Position) : null,
                CBFloat16 = fp32 ? null : state.Bf16(t.C, t.Position),
                COffset = (t.CRow * ec.Cols) + t.CCol, Ldc = ec.Cols,
                Accumulate = t.Accumulate,
            };
        }

        GemmFusion.Run(state.Backend, tasks);
    }

    private static void RunLocal(ExecutionPlan plan, PlanState state, LocalStep step)
    {
        for (int p = 0; p < plan.Mesh.Size; p++)
        {
            if (!state.IsLocal(p)) continue;
            switch (step.Operation)
            {
                case LocalOperation.Slice:
                    DeviceCollectives.CopyOverlap(state, step.Source, p, step.Destination, p);
                    break;
                case LocalOperation.ToBFloat16:
                    state.Backend.Convert(state.Fp32(step.Source, p), state.Bf16(step.Destination, p));
                    break;
                case LocalOperation.ToPartial:
                    DeviceBuffer<BFloat16> dst = state.Bf16(step.Destination, p);
                    if (step.Axes!.All(a => plan.Mesh.Coordinate(p, plan.Mesh.AxisIndex(a)) == 0))
                    {
                        DeviceCollectives.CopyOverlap(state, step.Source, p, step.Destination, p);
                    }

                    break;
            }
        }
    }
}
