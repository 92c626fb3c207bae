using System.Diagnostics;
using CloudMatrix.Compute.Backends;
using CloudMatrix.Compute.Execution;
using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Sharding;
using CloudMatrix.Compute.Tensors;

namespace CloudMatrix.Compute.Mpi;

/// <summary>
/// Runs a <see cref="MatMulPlan"/> across processes: each process hosts a block of the virtual devices
/// (<see cref="ProcessPlacement.Contiguous"/>), generates its shards of A and B from the seeds, runs its devices' GEMMs
/// and its share of every collective (messages where data cross processes), and verifies the blocks of C it holds;
/// the error report is reduced over the processes. Every process calls it with the same plan and arguments.
/// </summary>
public static class DistributedMatMul
{
    /// <summary>Runs the plan on this process's devices; a collective call: every process of the transport must call it.</summary>
    /// <param name="plan">The plan (the same on every process).</param>
    /// <param name="inputs">The seeds of A and B.</param>
    /// <param name="backend">This process's backend.</param>
    /// <param name="transport">The processes (<see cref="MpiTransport"/>, or <see cref="InProcessTransport"/> in tests).</param>
    /// <param name="options">Verification, memory budget, placement; null for the defaults.</param>
    /// <returns>The report (the same on every process) and this process's blocks of C; dispose it.</returns>
    /// <exception cref="PlanMemoryException">Some process would need more than its budget; every process throws, nothing was allocated.</exception>
    /// <exception cref="NotSupportedException">C's spec is partial (verification sums partials across processes: not done yet).</exception>
    /// <exception cref="ArgumentOutOfRangeException">The transport's <see cref="IProcessTransport.Size"/> is below 1 or
    /// above the mesh size, or its <see cref="IProcessTransport.Rank"/> is outside 0 to Size - 1 (<c>ParamName</c> is
    /// <c>transport</c>); a negative <see cref="DistributedOptions.SpotCheckTiles"/> or
    /// <see cref="DistributedOptions.MemoryBudgetBytes"/> (<c>ParamName</c> is <c>options</c>).</exception>
    /// <exception cref="ArgumentException">The placement would split a node and <see cref="DistributedOptions.AllowNodeSplit"/>
    /// was not set (<c>ParamName</c> is <c>transport</c>).</exception>
    public static DistributedRun ExecuteDistributed(this MatMulPlan plan, SeededInputs inputs, ComputeBackend backend, IProcessTransport transport, DistributedOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(transport);
        options ??= DistributedOptions.Default;
        MatMulPlan.CheckRunOptions(options.SpotCheckTiles, options.MemoryBudgetBytes, nameof(options));

        int size = transport.Size, me = transport.Rank;
        if (size < 1 || size > plan.Mesh.Size)
        {
            throw new ArgumentOutOfRangeException(nameof(transport), size,
                $"transport.Size is {size} processes for the {plan.Mesh.Size} devices of {plan.Mesh}; valid: 1 to {plan.Mesh.Size} processes.");
        }

        if (me < 0 || me >= size)
        {
            throw new ArgumentOutOfRangeException(nameof(transport), me, $"transport.Rank is {me}; valid: 0 to {size - 1} (transport.Size is {size}).");
        }

        if (plan.C.IsPartial)
        {
            throw new NotSupportedException($"C is {plan.C}: a partial output is not verified across processes yet; give C a spec without partial axes.");
        }

        var total = Stopwatch.StartNew();
        ProcessPlacement placement;
        try
        {
            placement = ProcessPlacement.Contiguous(plan.Mesh, size, options.AllowNodeSplit);
        }
        catch (ArgumentException ex) when (ex is not ArgumentOutOfRangeException)
        {
            throw new ArgumentException($"transport.Size is {size}: {ex.Message.Replace($" (Parameter '{ex.ParamName}')", "", StringComparison.Ordinal).Replace("allow node splits", "set options.AllowNodeSplit", StringComparison.Ordinal)}", nameof(transport), ex);
        }

        var checkPlan = DistributedVerification.Select(plan, placement, me, options);
        long need = ProcessMemory.Need(plan, placement, me) + checkPlan.HostBytes;
        // The single-process rule (MatMulPlan.CheckMemory), per process: the library's host budget (CMX_MEMORY_BUDGET)
        // on the host backends, 75 % of the device's memory on a GPU.
        bool hostBackend = backend.Name is "cpu-simd" or "ilgpu-cpu";
        long budget = options.MemoryBudgetBytes > 0 ? options.MemoryBudgetBytes : hostBackend ? Memory.MemoryBudget.Bytes : (long)(backend.MemoryBytes * 0.75);
        double[] needs = transport.AllGather([need, budget]);
        for (int r = 0; r < transport.Size; r++)
        {
            if (needs[2 * r] > needs[(2 * r) + 1])
            {
                throw new PlanMemoryException((long)needs[2 * r], (long)needs[(2 * r) + 1],
                    $"Process {r} of {transport.Size} would need {ByteSize.FormatExact(needs[2 * r])} for its {placement.Positions(r).Count} devices of the real run of {plan.M} x {plan.N} x {plan.K} " +
                    $"with {plan.Strategy.Name} on {plan.Mesh}, but its budget is {ByteSize.FormatExact(needs[(2 * r) + 1])}; use more processes, a smaller shape, a spot check, or the estimate (timing only).");
            }
        }

        var clock = Stopwatch.StartNew();
        DeviceBuffer<BFloat16>?[] a = Generate(plan.A, inputs.SeedA, inputs.Distribution, placement, me, backend);
        DeviceBuffer<BFloat16>?[] b;
        try
        {
            b = Generate(plan.B, inputs.SeedB, inputs.Distribution, placement, me, backend);
        }
        catch
        {
            Free(a);
            throw;
        }

        double generate = clock.Elapsed.TotalSeconds;
        clock.Restart();
        DeviceBuffer<BFloat16>?[] c;
        int overlapped;
        try
        {
            using var state = new PlanState(backend, plan.Plan.Slots, p => placement.RankOf(p) == me);
            state.Bind(plan.Plan.Inputs[0], a);
            state.Bind(plan.Plan.Inputs[1], b);
            var executor = new DistributedExecutor(plan.Plan, state, new DistributedCollectives(state, placement, transport));
            executor.Run(options.Progress);
            overlapped = executor.OverlappedSteps;
            c = state.Detach(plan.Plan.Output);
        }
        finally
        {
            Free(a);
            Free(b);
        }

        double execute = clock.Elapsed.TotalSeconds;
        clock.Restart();
        try
        {
            var (check, digest) = DistributedVerification.Check(plan, placement, transport, c, checkPlan, inputs);
            double verify = clock.Elapsed.TotalSeconds;
            double[] figures = transport.AllGather([transport.BytesSent, need, generate, execute, verify, total.Elapsed.TotalSeconds]);
            double Field(int r, int i) => figures[(r * 6) + i];
            var host = new HostTimes(
                Enumerable.Range(0, size).Max(r => Field(r, 5)),
                Enumerable.Range(0, size).Max(r => Field(r, 3)),
                Enumerable.Range(0, size).Max(r => Field(r, 4)),
                $"{backend.Name} x {size} processes");
            Timeline timeline = PlanEstimator.Estimate(plan.Plan, plan.Options.Timing);
            var report = new DistributedReport
            {
                Run = RunReport.From(plan, timeline, check with { Host = host }, host.TotalSeconds),
                Processes = size,
                Placement = placement.ToString(),
                MpiBytesPerProcess = Enumerable.Range(0, size).Select(r => (long)Field(r, 0)).ToArray(),
                MemoryNeedPerProcessBytes = Enumerable.Range(0, size).Select(r => (long)Field(r, 1)).ToArray(),
                HostGenerateSeconds = Enumerable.Range(0, size).Select(r => Field(r, 2)).ToArray(),
                HostExecuteSeconds = Enumerable.Range(0, size).Select(r => Field(r, 3)).ToArray(),
                HostVerifySeconds = Enumerable.Range(0, size).Select(r => Field(r, 4)).ToArray(),
                CChecksum = digest,
                OverlappedSteps = overlapped,
                PlanBytesPerProcess = CrossProcessTraffic.BytesPerProcess(plan, placement),
            };
            return new DistributedRun(report, timeline, placement, c);
        }
        catch
        {
            Free(c);
            throw;
        }
    }

    /// <summary>The digest <see cref="DistributedReport.CChecksum"/> of a single-process C: FNV-1a over the bits of each
    /// distinct block (the first position holding it) in mesh order.</summary>
    /// <param name="c">The product of <see cref="MatMulPlan.Execute"/>.</param>
    /// <returns>16 hex digits.</returns>
    public static string Checksum(ShardedTensor c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var hashes = new ulong[c.Mesh.Size];
        for (int p = 0; p < hashes.Length; p++) hashes[p] = DistributedVerification.Hash(c.Local(p));
        return DistributedVerification.Digest(c.Layout, hashes);
    }


    /// <summary>This process's blocks of a seeded input: one buffer per distinct block (replicas alias), zeros where a
    /// partial axis's coordinate is not 0 (the convention of <see cref="ShardedTensor.Distribute(DenseTensor{BFloat16}, DeviceMesh, PartitionSpec, ComputeBackend, bool)"/>).</summary>
    private static DeviceBuffer<BFloat16>?[] Generate(TensorSharding layout, ulong seed, RandomDistribution? distribution, ProcessPlacement placement, int me, ComputeBackend backend)
    {
        var buffers = new DeviceBuffer<BFloat16>?[layout.Mesh.Size];
        int[] partialAxes = layout.Spec.PartialAxes.Select(layout.Mesh.AxisIndex).ToArray();
        var byKey = new Dictionary<(ShardExtent, bool), DeviceBuffer<BFloat16>>();
        var valued = new List<(ShardExtent Extent, DeviceBuffer<BFloat16> Buffer)>();
        try
        {
            foreach (int p in placement.Positions(me))
            {
                ShardExtent e = layout.Extent(p);
                bool holdsValue = partialAxes.All(a => layout.Mesh.Coordinate(p, a) == 0);
                if (!byKey.TryGetValue((e, holdsValue), out var buffer))
                {
                    buffer = backend.Allocate<BFloat16>(checked((int)e.Elements));
                    byKey[(e, holdsValue)] = buffer;
                    if (holdsValue && e.Elements > 0) valued.Add((e, buffer));
                }

                buffers[p] = buffer;
            }

            BFloat16[][] blocks = DenseTensor.RandomBlocks<BFloat16>(layout.Rows, layout.Cols, seed,
                valued.Select(v => (v.Extent.RowStart, v.Extent.Rows, v.Extent.ColStart, v.Extent.Cols)).ToArray(), distribution);
            for (int i = 0; i < valued.Count; i++) valued[i].Buffer.CopyFrom(blocks[i]);
        }
        catch
        {
            Free(buffers);
            throw;
        }

        return buffers;
    }

    private static void Free(DeviceBuffer<BFloat16>?[] buffers)
    {
        foreach (var b in buffers.Distinct()) b?.Dispose();
    }
}
