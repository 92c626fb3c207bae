using System.Diagnostics;
using CloudMatrix.Compute.Backends;
using CloudMatrix.Compute.Execution;
using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Tensors;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Sharding;

/// <summary>
/// A planned sharded product: the layouts of A, B and C and the DAG of device GEMMs and collective steps.
/// <see cref="Execute"/> runs it on real data and verifies C; <see cref="Estimate"/> times it on the mesh's system.
/// </summary>
public sealed class MatMulPlan
{
    internal MatMulPlan(Strategy strategy, int m, int n, int k, TensorSharding a, TensorSharding b, TensorSharding c, ExecutionPlan plan, MatMulOptions options)
    {
        Strategy = strategy;
        M = m;
        N = n;
        K = k;
        A = a;
        B = b;
        C = c;
        _raw = plan;
        _resolved = new Lazy<ExecutionPlan>(() => PlanEstimator.ResolveAlgorithms(plan));
        Options = options;
        _memory = new Lazy<(long PerDevice, long Host)>(Memory);
    }

    // Computed on first use: the planner builds hundreds of candidates and needs the memory only of those it times.
    private readonly Lazy<(long PerDevice, long Host)> _memory;

    /// <summary>The strategy.</summary>
    public Strategy Strategy { get; }

    /// <summary>Rows of A and C.</summary>
    public int M { get; }

    /// <summary>Columns of B and C.</summary>
    public int N { get; }

    /// <summary>The contracting dimension.</summary>
    public int K { get; }

    /// <summary>A's input layout.</summary>
    public TensorSharding A { get; }

    /// <summary>B's input layout.</summary>
    public TensorSharding B { get; }

    /// <summary>C's output layout.</summary>
    public TensorSharding C { get; }

    /// <summary>The DAG.</summary>
    /// <remarks>Collective algorithms left to Auto are resolved (on the model) the first time this is read.</remarks>
    public ExecutionPlan Plan => _resolved.Value;

    private readonly ExecutionPlan _raw;
    private readonly Lazy<ExecutionPlan> _resolved;

    /// <summary>The DAG before Auto algorithms are resolved (same steps and slots).</summary>
    internal ExecutionPlan Unresolved => _raw;

    /// <summary>The mesh.</summary>
    public DeviceMesh Mesh => _raw.Mesh;

    /// <summary>The options it was planned with.</summary>
    public MatMulOptions Options { get; }

    /// <summary>The steps in order.</summary>
    public IReadOnlyList<PlanStep> Steps => Plan.Steps;

    /// <summary>Peak bytes any one device holds at once (inputs, received panels, partials, outputs), from the slots' lifetimes.</summary>
    public long MemoryPerDeviceBytes => _memory.Value.PerDevice;

    /// <summary>Bytes of backend memory a real run needs at its peak (replicated inputs stored once), plus the host copies of A, B and C.</summary>
    public long HostBytes => _memory.Value.Host;

    /// <summary>Total floating-point operations of the product, 2·M·N·K.</summary>
    public double Flops => 2.0 * M * N * K;

    /// <summary>FLOPs of the devices' GEMM tasks beyond the product's (work of padded, uneven shards counted at the largest shard's size).</summary>
    public double PaddingWasteFlops
    {
        get
        {
            double max = 0, sum = 0;
            var perDevice = new double[Mesh.Size];
            foreach (GemmStep g in _raw.Steps.OfType<GemmStep>())
            {
                foreach (GemmTask t in g.Tasks) perDevice[t.Position] += t.Flops;
            }

            foreach (double f in perDevice)
            {
                max = Math.Max(max, f);
                sum += f;
            }

            return Math.Max(0, (max * Mesh.Size) - sum);
        }
    }

    /// <summary>Bytes the inputs and output would need as padding to equal shards (0 when the shapes divide).</summary>
    public long PaddingWasteBytes => Saturate(2 * ((Int128)A.PaddingElements + B.PaddingElements + C.PaddingElements));

    /// <summary>Times the plan on the mesh's system (simulated time only; any size).</summary>
    /// <param name="timing">Roofline constants; null for the plan's options.</param>
    /// <returns>The report, with no numeric fields.</returns>
    public RunReport Estimate(Timing.TimingOptions? timing = null)
    {
        var clock = Stopwatch.StartNew();
        Timeline t = PlanEstimator.Estimate(Plan, timing ?? Options.Timing);
        return RunReport.From(this, t, null, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Runs the plan on real data: distributes <paramref name="a"/> and <paramref name="b"/> onto
    /// <paramref name="backend"/> by the plan's layouts, runs every step there, and compares C with an FP64 product of
    /// the same BF16 inputs (every element, or seeded tiles for large shapes). Also times the plan.
    /// </summary>
    /// <param name="a">A, M x K.</param>
    /// <param name="b">B, K x N.</param>
    /// <param name="backend">The backend.</param>
    /// <param name="options">Verification and progress; null for the defaults.</param>
    /// <returns>The report (both clocks, error) and C; dispose the result to free C.</returns>
    /// <exception cref="ArgumentException">A or B has another shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative <see cref="ExecuteOptions.SpotCheckTiles"/> or
    /// <see cref="ExecuteOptions.MemoryBudgetBytes"/> (<c>ParamName</c> is <c>options</c>).</exception>
    /// <exception cref="PlanMemoryException">The run needs more memory than the budget; nothing was allocated.</exception>
    public MatMulRun Execute(DenseTensor<BFloat16> a, DenseTensor<BFloat16> b, ComputeBackend backend, ExecuteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(backend);
        options ??= ExecuteOptions.Default;
        CheckRunOptions(options.SpotCheckTiles, options.MemoryBudgetBytes, nameof(options));

        if (a.Rank != 2 || a.Shape[0] != M || a.Shape[1] != K) throw new ArgumentException($"a has shape {Shapes.Format(a.Shape)}; the plan multiplies an {M} x {K} A.", nameof(a));
        if (b.Rank != 2 || b.Shape[0] != K || b.Shape[1] != N) throw new ArgumentException($"b has shape {Shapes.Format(b.Shape)}; the plan multiplies a {K} x {N} B.", nameof(b));
        CheckMemory(backend, options.MemoryBudgetBytes);

        var total = Stopwatch.StartNew();
        options.Progress?.Report(ExecuteOptions.DistributePhase);
        using ShardedTensor sa = ShardedTensor.Distribute(a.Span, A, backend);
        using ShardedTensor sb = ShardedTensor.Distribute(b.Span, B, backend);
        var clock = Stopwatch.StartNew();
        ShardedTensor c;
        using (var state = new PlanState(backend, Plan.Slots))
        {
            state.Bind("A", sa);
            state.Bind("B", sb);
            PlanExecutor.Run(Plan, state, options.Progress);
            c = new ShardedTensor(C, backend, state.Detach(Plan.Output));
        }

        double execute = clock.Elapsed.TotalSeconds;
        clock.Restart();
        NumericCheck check;
        options.Progress?.Report(ExecuteOptions.VerifyPhase);
        try
        {
            check = Verification.Check(this, a, b, c, options);
        }
        catch
        {
            c.Dispose();
            throw;
        }

        double verify = clock.Elapsed.TotalSeconds;
        Timeline timeline = PlanEstimator.Estimate(Plan, Options.Timing);
        var host = new HostTimes(total.Elapsed.TotalSeconds, execute, verify, backend.Name);
        return new MatMulRun(RunReport.From(this, timeline, check with { Host = host }, total.Elapsed.TotalSeconds), timeline, c);
    }

    /// <summary>Refuses a real run above the memory budget, naming the need, the budget and the ways out.</summary>
    /// <param name="backend">The backend that would run it.</param>
    /// <param name="budgetBytes">The budget in bytes; 0 for the library's host budget (<see cref="Memory.MemoryBudget.Bytes"/>,
    /// set with <c>CMX_MEMORY_BUDGET</c>) on the host backends, 75 % of the device's memory on a GPU.</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative budget.</exception>
    /// <exception cref="PlanMemoryException">The need exceeds the budget.</exception>
    public void CheckMemory(ComputeBackend backend, long budgetBytes = 0)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentOutOfRangeException.ThrowIfNegative(budgetBytes);
        // On the host the library's one budget (Memory.MemoryBudget, CMX_MEMORY_BUDGET); on a GPU 75 % of its memory.
        bool host = backend.Name is "cpu-simd" or "ilgpu-cpu";
        long budget = budgetBytes > 0 ? budgetBytes : host ? CloudMatrix.Compute.Memory.MemoryBudget.Bytes : (long)(backend.MemoryBytes * 0.75);
        if (HostBytes > budget)
        {
            throw new PlanMemoryException(HostBytes, budget,
                $"The real run of {M} x {N} x {K} with {Strategy.Name} on {Mesh} needs {ByteSize.FormatExact(HostBytes)} on {backend.Name} but the budget is {ByteSize.FormatExact(budget)}; " +
                $"use --estimate (timing only, any size), a smaller shape, a strategy that holds less (the report's memory per device){(host ? $", or a larger {CloudMatrix.Compute.Memory.MemoryBudget.EnvironmentVariable} (e.g. 16G)" : "")}.");
        }
    }

    private (long PerDevice, long Host) Memory()
    {
        // Each slot is live from the step that first writes it (inputs: from the start) to the last step that reads it
        // (inputs and the output: to the end). Sweep the steps, adding and removing per-device byte vectors.
        IReadOnlyList<PlanStep> rawSteps = _raw.Steps;
        int steps = rawSteps.Count, size = Mesh.Size;
        var (first, last) = PlanExecutor.Lifetimes(_raw);
        var starts = new List<string>[steps + 1];
        var ends = new List<string>[steps + 2];
        for (int i = 0; i < starts.Length; i++) starts[i] = [];
        for (int i = 0; i < ends.Length; i++) ends[i] = [];
        foreach (var (slot, f) in first)
        {
            starts[f].Add(slot);
            ends[Math.Max(f, last.GetValueOrDefault(slot, f)) + 1].Add(slot);
        }

        // In Int128: shapes near 2^31 on few devices give sums beyond a long; the figures saturate at long.MaxValue.
        var device = new Int128[size];
        Int128 host = 0, peakDevice = 0, peakHost = 0;
        for (int i = 0; i <= steps; i++)
        {
            foreach (string s in ends[i]) Add(s, -1);
            foreach (string s in starts[i]) Add(s, +1);
            for (int p = 0; p < size; p++) peakDevice = Int128.Max(peakDevice, device[p]);
            peakHost = Int128.Max(peakHost, host);
        }

        void Add(string name, int sign)
        {
            PlanSlot slot = _raw.Slots[name];
            bool aliased = _raw.Inputs.Contains(name) && slot.Layout is not null;
            for (int p = 0; p < size; p++)
            {
                Int128 b = (Int128)slot.Extents[p].Elements * slot.ElementBytes * sign;
                device[p] += b;
                if (!aliased || slot.Layout!.ReplicaKey(p) == p) host += b;
            }
        }

        // Reductions hold scratch (a reduce-scatter's packed copy per member when its blocks are not rows, a ring's
        // running sums per group): at most one more copy of the largest slot. The host keeps A, B and C dense.
        Int128 largest = _raw.Slots.Where(kv => !_raw.Inputs.Contains(kv.Key))
            .Select(kv => Enumerable.Range(0, size).Aggregate(Int128.Zero, (acc, p) => acc + ((Int128)kv.Value.Extents[p].Elements * kv.Value.ElementBytes)))
            .DefaultIfEmpty(Int128.Zero).Max();
        Int128 dense = 2 * (((Int128)M * K) + ((Int128)K * N) + ((Int128)M * N));
        return (Saturate(peakDevice), Saturate(peakHost + largest + dense));
    }

    private static long Saturate(Int128 bytes) => bytes > long.MaxValue ? long.MaxValue : (long)bytes;

    /// <summary>
    /// Refuses a negative spot-check tile count or memory budget of a real run (<see cref="ExecuteOptions"/> here,
    /// the distributed options in the MPI package), naming <paramref name="paramName"/> (the caller's options parameter), the field and what is valid.
    /// </summary>
    internal static void CheckRunOptions(int spotCheckTiles, long memoryBudgetBytes, string paramName)
    {
        if (spotCheckTiles < 0)
        {
            throw new ArgumentOutOfRangeException(paramName, spotCheckTiles,
                $"options.SpotCheckTiles is {spotCheckTiles}; give 0 (every element up to 2^31 multiply-adds, else 32 tiles) or a positive number of 16 x 16 tiles.");
        }

        if (memoryBudgetBytes < 0)
        {
            throw new ArgumentOutOfRangeException(paramName, memoryBudgetBytes,
                $"options.MemoryBudgetBytes is {memoryBudgetBytes}; give 0 for the default budget or a positive number of bytes.");
        }
    }
}
