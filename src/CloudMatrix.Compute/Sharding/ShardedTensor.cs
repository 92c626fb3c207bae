using CloudMatrix.Compute.Backends;
using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Execution;
using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Tensors;

namespace CloudMatrix.Compute.Sharding;

/// <summary>
/// A bfloat16 matrix sharded over a <see cref="DeviceMesh"/>: its global shape and spec (<see cref="Layout"/>) and
/// each mesh position's block resident on a backend. Replicas of a distributed input alias one read-only buffer
/// (host memory grows with the data, not with the device count); what a collective writes is a real copy per device.
/// Dispose it to free the buffers.
/// </summary>
public sealed class ShardedTensor : IDisposable
{
    private readonly DeviceBuffer<BFloat16>[] _buffers;

    internal ShardedTensor(TensorSharding layout, ComputeBackend backend, DeviceBuffer<BFloat16>[] buffers)
    {
        Layout = layout;
        Backend = backend;
        _buffers = buffers;
    }

    /// <summary>Global shape, mesh and spec.</summary>
    public TensorSharding Layout { get; }

    /// <summary>The backend holding the blocks.</summary>
    public ComputeBackend Backend { get; }

    /// <summary>The mesh.</summary>
    public DeviceMesh Mesh => Layout.Mesh;

    /// <summary>The spec.</summary>
    public PartitionSpec Spec => Layout.Spec;

    /// <summary>Bytes of backend memory the distinct buffers take (aliased replicas counted once).</summary>
    public long ResidentBytes => _buffers.Distinct().Sum(b => b.SizeInBytes);

    /// <summary>Number of distinct buffers (fewer than the mesh size when replicas alias).</summary>
    public int DistinctBuffers => _buffers.Distinct().Count();

    internal DeviceBuffer<BFloat16>[] Buffers => _buffers;

    /// <summary>The block mesh position <paramref name="position"/> holds (row-major, <see cref="Extent"/>'s shape).</summary>
    /// <param name="position">A mesh position.</param>
    /// <returns>Its buffer; shared with other positions when it is an aliased replica.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is outside 0..<see cref="DeviceMesh.Size"/> - 1.</exception>
    public DeviceBuffer<BFloat16> Local(int position) => _buffers[CheckPosition(position, nameof(position))];

    /// <summary>The global block mesh position <paramref name="position"/> holds.</summary>
    /// <param name="position">A mesh position.</param>
    /// <returns>The extent.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is outside 0..<see cref="DeviceMesh.Size"/> - 1.</exception>
    public ShardExtent Extent(int position) => Layout.Extent(CheckPosition(position, nameof(position)));

    /// <summary>Whether positions <paramref name="p"/> and <paramref name="q"/> share one buffer.</summary>
    /// <param name="p">A mesh position.</param>
    /// <param name="q">Another.</param>
    /// <returns>True when aliased.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> or <paramref name="q"/> is outside 0..<see cref="DeviceMesh.Size"/> - 1.</exception>
    public bool IsAliased(int p, int q) => ReferenceEquals(_buffers[CheckPosition(p, nameof(p))], _buffers[CheckPosition(q, nameof(q))]);

    private int CheckPosition(int position, string name) =>
        (uint)position < (uint)_buffers.Length
            ? position
            : throw new ArgumentOutOfRangeException(name, position, $"{Mesh} has {_buffers.Length} positions; valid: 0..{_buffers.Length - 1}.");

    /// <summary>
    /// Shards <paramref name="dense"/> (a bfloat16 matrix) over <paramref name="mesh"/> by <paramref name="spec"/>
    /// onto <paramref name="backend"/>. Replicas alias one buffer. For a spec with partial axes the value is placed on
    /// coordinate 0 of those axes and zeros elsewhere (DTensor's convention), so the partial sum is the value.
    /// </summary>
    /// <param name="dense">The matrix, rank 2.</param>
    /// <param name="mesh">The mesh.</param>
    /// <param name="spec">The spec.</param>
    /// <param name="backend">Where the blocks live.</param>
    /// <param name="uneven">Allow shapes that do not divide (torch.chunk semantics).</param>
    /// <returns>The sharded tensor; the caller disposes it.</returns>
    /// <exception cref="ArgumentException">The tensor is not a matrix, or as for <see cref="TensorSharding"/>.</exception>
    public static ShardedTensor Distribute(DenseTensor<BFloat16> dense, DeviceMesh mesh, PartitionSpec spec, ComputeBackend backend, bool uneven = false)
    {
        ArgumentNullException.ThrowIfNull(dense);
        ArgumentNullException.ThrowIfNull(backend);
        if (dense.Rank != 2)
        {
            throw new ArgumentException($"Distribute takes a matrix; the tensor has rank {dense.Rank}.", nameof(dense));
        }

        var layout = new TensorSharding("the tensor", dense.Shape[0], dense.Shape[1], mesh, spec, uneven);
        return Distribute(dense.Span, layout, backend);
    }

    internal static ShardedTensor Distribute(ReadOnlySpan<BFloat16> dense, TensorSharding layout, ComputeBackend backend)
    {
        var buffers = new DeviceBuffer<BFloat16>[layout.Mesh.Size];
        int[] partialAxes = layout.Spec.PartialAxes.Select(layout.Mesh.AxisIndex).ToArray();
        try
        {
            var staging = new BFloat16[layout.MaxShardElements];
            for (int p = 0; p < buffers.Length; p++)
            {
                int key = layout.ReplicaKey(p);
                if (key != p)
                {
                    buffers[p] = buffers[key];
                    continue;
                }

                ShardExtent e = layout.Extent(p);
                buffers[p] = backend.Allocate<BFloat16>(checked((int)e.Elements));
                bool holdsValue = partialAxes.All(a => layout.Mesh.Coordinate(p, a) == 0);
                if (!holdsValue || e.Elements == 0) continue;
                for (int r = 0; r < e.Rows; r++)
                {
                    dense.Slice(((e.RowStart + r) * layout.Cols) + e.ColStart, e.Cols).CopyTo(staging.AsSpan(r * e.Cols));
                }

                buffers[p].CopyFrom(staging.AsSpan(0, (int)e.Elements));
            }
        }
        catch
        {
            foreach (var b in buffers.Where(b => b is not null).Distinct()) b.Dispose();
            throw;
        }

        return new ShardedTensor(layout, backend, buffers);
    }

    /// <summary>
    /// Gathers the global matrix to the host. Replicated blocks are read from the first position holding them; a
    /// partial tensor is summed over its partial axes in coordinate order in FP32 and rounded once to bfloat16.
    /// </summary>
    /// <returns>The dense matrix.</returns>
    public DenseTensor<BFloat16> ToDense()
    {
        var result = new DenseTensor<BFloat16>(Layout.Rows, Layout.Cols);
        Span<BFloat16> dst = result.Span;
        if (!Layout.IsPartial)
        {
            var done = new HashSet<ShardExtent>();
            for (int p = 0; p < Mesh.Size; p++)
            {
                ShardExtent e = Extent(p);
                if (e.Elements == 0 || !done.Add(e)) continue;
                BFloat16[] block = _buffers[p].ToArray();
                for (int r = 0; r < e.Rows; r++)
                {
                    block.AsSpan(r * e.Cols, e.Cols).CopyTo(dst.Slice(((e.RowStart + r) * Layout.Cols) + e.ColStart));
                }
            }

            return result;
        }

        var sum = new float[(long)Layout.Rows * Layout.Cols];
        var covered = new HashSet<(ShardExtent, string)>();
        int[] partialAxes = Layout.Spec.PartialAxes.Select(Mesh.AxisIndex).ToArray();
        for (int p = 0; p < Mesh.Size; p++)
        {
            ShardExtent e = Extent(p);
            string partialCoords = string.Join(",", partialAxes.Select(a => Mesh.Coordinate(p, a)));
            if (e.Elements == 0 || !covered.Add((e, partialCoords))) continue;
            BFloat16[] block = _buffers[p].ToArray();
            for (int r = 0; r < e.Rows; r++)
            {
                for (int c = 0; c < e.Cols; c++)
                {
                    sum[((long)(e.RowStart + r) * Layout.Cols) + e.ColStart + c] += (float)block[(r * e.Cols) + c];
                }
            }
        }

        for (int i = 0; i < sum.Length; i++) dst[i] = (BFloat16)sum[i];
        return result;
    }

    /// <summary>
    /// Checks the declared layout against the data: replicated copies (positions that should hold the same block of
    /// the same value) must be bit-identical; with <paramref name="expected"/>, the blocks (summed over partial axes
    /// for a partial tensor) must equal it: bit for bit when not partial, within <paramref name="partialTolerance"/>
    /// relative to max |expected| when partial. JAX documents that it does not check replicated outputs; this does.
    /// </summary>
    /// <param name="expected">The value the tensor should hold, or null to check replicas only.</param>
    /// <param name="partialTolerance">Allowed error of a partial sum relative to max |expected| (summation order differs).</param>
    /// <returns>The findings.</returns>
    public VerificationReport Verify(DenseTensor<BFloat16>? expected = null, double partialTolerance = 1e-2)
    {
        var problems = new List<string>();
        int[] partialAxes = Layout.Spec.PartialAxes.Select(Mesh.AxisIndex).ToArray();
        var firstOf = new Dictionary<(ShardExtent, string), int>();
        var cache = new Dictionary<DeviceBuffer<BFloat16>, BFloat16[]>();
        BFloat16[] Data(int p) => cache.TryGetValue(_buffers[p], out var d) ? d : cache[_buffers[p]] = _buffers[p].ToArray();
        int replicaPairs = 0;
        for (int p = 0; p < Mesh.Size; p++)
        {
            var key = (Extent(p), string.Join(",", partialAxes.Select(a => Mesh.Coordinate(p, a))));
            if (!firstOf.TryGetValue(key, out int q))
            {
                firstOf[key] = p;
                continue;
            }

            replicaPairs++;
            if (IsAliased(p, q)) continue;
            BFloat16[] x = Data(q), y = Data(p);
            for (int i = 0; i < x.Length; i++)
            {
                if (x[i].ToBits() != y[i].ToBits())
                {
                    ShardExtent e = Extent(p);
                    problems.Add($"replica mismatch: positions {q} and {p} (block {e}) differ first at element ({e.RowStart + (i / e.Cols)}, {e.ColStart + (i % e.Cols)}): {x[i]} vs {y[i]}");
                    break;
                }
            }
        }

        double maxError = 0;
        if (expected is not null)
        {
            if (expected.Rank != 2 || expected.Shape[0] != Layout.Rows || expected.Shape[1] != Layout.Cols)
            {
                throw new ArgumentException($"expected has shape {Shapes.Format(expected.Shape)}; the tensor is {Layout.Rows} x {Layout.Cols}.", nameof(expected));
            }

            DenseTensor<BFloat16> actual = ToDense();
            Span<BFloat16> a = actual.Span, b = expected.Span;
            double scale = 0;
            for (int i = 0; i < b.Length; i++) scale = Math.Max(scale, Math.Abs((double)b[i]));
            for (int i = 0; i < b.Length; i++)
            {
                bool same = a[i].ToBits() == b[i].ToBits() || (BFloat16.IsNaN(a[i]) && BFloat16.IsNaN(b[i]));
                if (same) continue;
                double err = Math.Abs((double)a[i] - (double)b[i]);
                maxError = Math.Max(maxError, err);
                if (!Layout.IsPartial || !(err <= partialTolerance * Math.Max(scale, double.Epsilon)))
                {
                    problems.Add(Layout.IsPartial
                        ? $"partial sum wrong at ({i / Layout.Cols}, {i % Layout.Cols}): the shards sum to {a[i]}, the value is {b[i]} (error {err:G3} above {partialTolerance:G3} x max |value| {scale:G3})"
                        : $"value wrong at ({i / Layout.Cols}, {i % Layout.Cols}): {a[i]} instead of {b[i]}");
                    if (problems.Count > 16) break;
                }
            }
        }

        return new VerificationReport(problems.Count == 0, replicaPairs, maxError, problems);
    }

    /// <summary>
    /// Moves the data to <paramref name="target"/>'s layout with real collectives on the backend, one mesh axis at a
    /// time as DTensor does: Partial→Replicate all-reduce, Partial→Shard reduce-scatter, Shard→Replicate all-gather,
    /// Shard(d)→Shard(d') all-to-all, Replicate→Shard a local slice; and times the same steps on the network model.
    /// </summary>
    /// <param name="target">The spec to move to (same mesh).</param>
    /// <param name="algorithm">Algorithm of the reductions: Ring, OneShot, or Auto (the faster by the model).</param>
    /// <returns>The new tensor (the caller disposes it; this one is left as it was) with the steps and simulated time.</returns>
    /// <exception cref="ArgumentException">The target names an unknown axis or does not divide (and this tensor was not uneven).</exception>
    public RedistributeResult Redistribute(PartitionSpec target, CollectiveAlgorithm algorithm = CollectiveAlgorithm.Auto)
    {
        ArgumentNullException.ThrowIfNull(target);
        var layout = new TensorSharding(Layout.Name, Layout.Rows, Layout.Cols, Mesh, target, Layout.Uneven);
        ExecutionPlan plan = Redistribution.Plan(Layout, layout, algorithm);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        ShardedTensor result = PlanExecutor.Redistribute(plan, this, layout);
        double host = clock.Elapsed.TotalSeconds;
        Timeline estimate = PlanEstimator.Estimate(plan, null);
        return new RedistributeResult(result, plan.Steps, estimate.SimulatedSeconds, estimate.CommSeconds, host);
    }

    /// <summary>Frees the distinct buffers.</summary>
    public void Dispose()
    {
        foreach (var b in _buffers.Distinct()) b.Dispose();
    }

    /// <summary>The typed compact form, e.g. <c>bf16[8192@dp, 8192@tp]</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Layout.ToString();
}
