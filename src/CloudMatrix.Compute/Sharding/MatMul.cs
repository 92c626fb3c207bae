using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Execution;

namespace CloudMatrix.Compute.Sharding;

/// <summary>
/// Plans of a sharded BF16 matrix multiplication <c>C[M x N] = A[M x K] · B[K x N]</c> over a mesh: by a named
/// <see cref="Strategy"/> or from the operands' specs (the einsum rule of JAX's <c>dot_general</c> and DTensor's
/// <c>mk,kn-&gt;mn</c>). A plan is a DAG; <see cref="MatMulPlan.Execute"/> runs it on real data and
/// <see cref="MatMulPlan.Estimate"/> times it, walking the same steps.
/// </summary>
public static class MatMul
{
    /// <summary>Plans the product by a named strategy.</summary>
    /// <param name="mesh">The mesh.</param>
    /// <param name="m">Rows of A and C, at least 1.</param>
    /// <param name="n">Columns of B and C, at least 1.</param>
    /// <param name="k">Columns of A, rows of B, at least 1.</param>
    /// <param name="strategy">The strategy (not <see cref="Strategy.FromSpecs"/>: use the spec overload).</param>
    /// <param name="options">Null for the defaults.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="ArgumentException">The strategy cannot use the mesh (the message says why and what it needs), or a
    /// dimension does not divide (the message names it, the axis, both sizes and the nearest sizes that divide). <c>ParamName</c> is
    /// the parameter at fault: <c>mesh</c>, <c>m</c>, <c>n</c>, <c>k</c>, <c>strategy</c> (Auto found no feasible plan) or <c>options</c>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size below 1, or a <see cref="MatMulOptions.ReduceAlgorithm"/> that is not
    /// a reduction algorithm (<c>options</c>).</exception>
    public static MatMulPlan Plan(DeviceMesh mesh, int m, int n, int k, Strategy strategy, MatMulOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        ArgumentNullException.ThrowIfNull(strategy);
        Check(m, n, k);
        options ??= MatMulOptions.Default;
        CheckOptions(options);
        var ctx = new Context(mesh, m, n, k, options, FromSpecs: false);
        string[] axes = [.. mesh.AxisNames];
        string last = axes[^1];
        object? outer = axes.Length == 1 ? null : axes[..^1];
        if (strategy == Strategy.Auto)
        {
            var ranking = Planner.Rank(mesh.System, m, n, k, new PlannerOptions { Uneven = options.Uneven, Timing = options.Timing, Devices = mesh.Size == mesh.System.DeviceCount ? 0 : mesh.Size });
            return ranking.Candidates.Count > 0 ? ranking.Best.Plan : throw new ArgumentException(ranking.Why, nameof(strategy));
        }

        if (Refusal(mesh, k, strategy) is { } refusal) throw new ArgumentException(refusal.Message, refusal.Parameter);
        if (strategy == Strategy.Rows) return ctx.Specs(strategy, PartitionSpec.P(axes, null), PartitionSpec.P(null, null), null, null, null);
        if (strategy == Strategy.Columns) return ctx.Specs(strategy, PartitionSpec.P(null, null), PartitionSpec.P(null, axes), null, null, null);
        if (strategy == Strategy.RowParallel)
        {
            return ctx.Specs(strategy, PartitionSpec.P(outer, last), PartitionSpec.P(last, null), null, null, PartitionSpec.P(outer, null));
        }

        if (strategy == Strategy.RowParallelReduceScatter)
        {
            return ctx.Specs(strategy, PartitionSpec.P(outer, last), PartitionSpec.P(last, null), null, null, PartitionSpec.P(axes, null));
        }

        if (strategy == Strategy.ThreeD)
        {
            var (x, y, z) = (axes[0], axes[1], axes[2]);
            return ctx.Specs(strategy, PartitionSpec.P(x, new[] { z, y }), PartitionSpec.P(new[] { z, x }, y),
                PartitionSpec.P(x, z), PartitionSpec.P(z, y), PartitionSpec.P(x, new[] { y, z }));
        }

        if (strategy == Strategy.Summa) return ctx.Summa(strategy, axes[0], axes[1], null);
        if (strategy == Strategy.TwoPointFiveD) return ctx.Summa(strategy, axes[0], axes[1], axes[2]);
        if (strategy == Strategy.Cannon) return ctx.Cannon(strategy, axes[0], axes[1]);
        if (strategy == Strategy.CollectiveMatmul) return ctx.CollectiveMatmul(strategy, axes[..^1], last);
        throw new ArgumentException($"Strategy '{strategy.Name}' is planned from specs: call MatMul.Plan(mesh, m, n, k, aSpec, bSpec, cSpec).", nameof(strategy));
    }

    /// <summary>
    /// Why <paramref name="strategy"/> cannot plan a product of contracting dimension <paramref name="k"/> on
    /// <paramref name="mesh"/>, found without planning (the mesh's rank and shape, SUMMA's panel divisibility), with
    /// the parameter to blame; null when these checks pass. <see cref="Plan(DeviceMesh, int, int, int, Strategy, MatMulOptions?)"/>
    /// throws exactly this; the planner lists it without paying for an exception per refused mesh.
    /// </summary>
    internal static (string Message, string Parameter)? Refusal(DeviceMesh mesh, int k, Strategy strategy)
    {
        string need = $"Strategy '{strategy.Name}' needs {strategy.MeshNeeds}; {mesh} has {mesh.Rank} axes";
        if (strategy == Strategy.ThreeD && mesh.Rank != 3)
        {
            return ($"{need}; give a 3-D mesh such as x=8,y=8,z=6 (or a cube q x q x q over a subset of the devices).", nameof(mesh));
        }

        if (strategy == Strategy.Summa && mesh.Rank != 2)
        {
            return ($"{need}; give a 2-D mesh such as x=16,y=24 (or use 2.5d on a 3-D mesh).", nameof(mesh));
        }

        if (strategy == Strategy.TwoPointFiveD && (mesh.Rank != 3 || mesh.Shape[0] != mesh.Shape[1]))
        {
            return ($"{need} ({mesh}); give x=q,y=q,z=c with q x q x c devices, e.g. x=8,y=8,z=6 on 384.", nameof(mesh));
        }

        if (strategy == Strategy.Cannon && (mesh.Rank != 2 || mesh.Shape[0] != mesh.Shape[1]))
        {
            int q = (int)Math.Sqrt(mesh.Size);
            string subset = q * q == mesh.Size ? $"x={q},y={q} over these {mesh.Size} devices" : $"{mesh.Size} devices have no square mesh, so give a subset";
            return ($"{need} ({mesh}); Cannon needs a square q x q mesh: {subset} " +
                "(e.g. DeviceMesh.Create(system, [(\"x\", 16), (\"y\", 16)], devices: 0..255)) or use summa.", nameof(mesh));
        }

        if (strategy == Strategy.Summa || strategy == Strategy.TwoPointFiveD)
        {
            int r = mesh.Shape[0], c = mesh.Shape[1], layers = strategy == Strategy.Summa ? 1 : mesh.Shape[2];
            int l = (int)(r / (long)System.Numerics.BigInteger.GreatestCommonDivisor(r, c) * c); // lcm: panel steps per layer
            if (k % ((long)l * layers) != 0)
            {
                long lower = k / ((long)l * layers) * l * layers;
                return ($"Dimension K ({k}) does not divide into {(long)l * layers} SUMMA panels (lcm({r}, {c}) = {l} per layer x {layers} layers); nearest sizes that divide: {(lower > 0 ? $"{lower} or " : "")}{lower + ((long)l * layers)}.", nameof(k));
            }
        }

        return null;
    }

    /// <summary>
    /// Plans the product from the operands' specs by the einsum rule: C's rows are split as A's rows, its columns as
    /// B's columns; if K is split (the same way on both, as it must be) C is a partial sum, finished by the collective
    /// that reaches <paramref name="cSpec"/> (default: C replicated over the K axes, i.e. an all-reduce).
    /// </summary>
    /// <param name="mesh">The mesh.</param>
    /// <param name="m">Rows of A and C.</param>
    /// <param name="n">Columns of B and C.</param>
    /// <param name="k">The contracting dimension.</param>
    /// <param name="aSpec">A's spec (rank 2).</param>
    /// <param name="bSpec">B's spec (rank 2).</param>
    /// <param name="cSpec">C's spec, or null.</param>
    /// <param name="options">Null for the defaults.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="ArgumentException">An unknown axis, an axis used twice, K split differently on A and B, one axis
    /// splitting both A's rows and B's columns, a partial input, or a shape that does not divide. <c>ParamName</c> is the
    /// parameter at fault: <c>aSpec</c>, <c>bSpec</c>, <c>cSpec</c>, <c>m</c>, <c>n</c>, <c>k</c> or <c>options</c>.</exception>
    public static MatMulPlan Plan(DeviceMesh mesh, int m, int n, int k, PartitionSpec aSpec, PartitionSpec bSpec, PartitionSpec? cSpec = null, MatMulOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        ArgumentNullException.ThrowIfNull(aSpec);
        ArgumentNullException.ThrowIfNull(bSpec);
        Check(m, n, k);
        options ??= MatMulOptions.Default;
        CheckOptions(options);
        var ctx = new Context(mesh, m, n, k, options, FromSpecs: true);
        return ctx.Specs(Strategy.FromSpecs, aSpec, bSpec, null, null, cSpec);
    }

    private static void Check(int m, int n, int k)
    {
        if (m < 1) throw new ArgumentOutOfRangeException(nameof(m), m, "M must be at least 1.");
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "N must be at least 1.");
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "K must be at least 1.");
    }

    private static void CheckOptions(MatMulOptions options)
    {
        // The algorithms both reductions (all-reduce, reduce-scatter) implement; OneShot reduce-scatters as Direct.
        if (options.ReduceAlgorithm is not (CollectiveAlgorithm.Auto or CollectiveAlgorithm.Ring or CollectiveAlgorithm.OneShot or CollectiveAlgorithm.Direct
            or CollectiveAlgorithm.BidirectionalRing or CollectiveAlgorithm.HalvingDoubling))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.ReduceAlgorithm,
                $"options.ReduceAlgorithm is {options.ReduceAlgorithm}, which does not implement both all-reduce and reduce-scatter; " +
                "give Auto, Ring, OneShot, Direct, BidirectionalRing or HalvingDoubling.");
        }

        if (options.Timing is null) throw new ArgumentNullException(nameof(options), "options.Timing is null; leave it out for the defaults.");
    }

    private sealed class Context(DeviceMesh mesh, int m, int n, int k, MatMulOptions options, bool FromSpecs)
    {
        // The public entry points' parameter names (the analyzer wants literals only where they are the method's own).
        private static readonly string MParam = "m", NParam = "n", KParam = "k", ASpecParam = "aSpec", BSpecParam = "bSpec", CSpecParam = "cSpec", MeshParam = "mesh";

        private readonly PlanBuilder _b = new(mesh);

        /// <summary>A layout; its refusal is renamed to the public parameter at fault (a dimension, the spec given, or the mesh).</summary>
        private TensorSharding Layout(string name, int rows, int cols, PartitionSpec spec, string? specParam = null)
        {
            try
            {
                return new(name, rows, cols, mesh, spec, options.Uneven);
            }
            catch (ArgumentException ex) when (ex is not ArgumentNullException)
            {
                string param = ex.ParamName switch
                {
                    "rows" => name == "B" ? KParam : MParam,
                    "cols" => name == "A" ? KParam : NParam,
                    _ => FromSpecs && specParam is not null ? specParam : MeshParam,
                };
                throw ArgumentMessages.Rename(ex, param);
            }
        }

        public MatMulPlan Specs(Strategy strategy, PartitionSpec aIn, PartitionSpec bIn, PartitionSpec? aGemm, PartitionSpec? bGemm, PartitionSpec? cOut)
        {
            if (aIn.IsPartial || bIn.IsPartial) throw new ArgumentException($"Inputs are dense matrices; a_spec {aIn} / b_spec {bIn} may not be partial.", aIn.IsPartial ? ASpecParam : BSpecParam);
            TensorSharding a = Layout("A", m, k, aIn, ASpecParam), bl = Layout("B", k, n, bIn, BSpecParam);
            _b.AddSlot(PlanSlot.Of("A", a));
            _b.AddSlot(PlanSlot.Of("B", bl));
            aGemm ??= aIn;
            bGemm ??= bIn;
            TensorSharding ag = Layout("A", m, k, aGemm, ASpecParam), bg = Layout("B", k, n, bGemm, BSpecParam);
            var (aSlot, aStep) = Redistribution.Append(_b, a, "A", -1, ag, options.ReduceAlgorithm, "A.r", copyWhenEqual: false);
            var (bSlot, bStep) = Redistribution.Append(_b, bl, "B", -1, bg, options.ReduceAlgorithm, "B.r", copyWhenEqual: false);

            // The einsum rule mk,kn->mn.
            var aM = aGemm.Dims[0]; var aK = aGemm.Dims[1]; var bK = bGemm.Dims[0]; var bN = bGemm.Dims[1];
            if (!aK.SequenceEqual(bK))
            {
                // The example keeps B's N axes; when one of them is also a K axis of A no such b_spec exists, so none is offered.
                string example = aK.Intersect(bN).Any() ? "" : $" (e.g. b_spec {string.Join("+", aK)},{string.Join("+", bN)})";
                throw new ArgumentException(
                    $"The contracting dimension K is split over ({string.Join(", ", aK)}) in a_spec {aGemm} but over ({string.Join(", ", bK)}) in b_spec {bGemm}; " +
                    $"split it the same way on both{example}, or all-gather one operand first.", BSpecParam);
            }

            string? both = aM.Intersect(bN).FirstOrDefault();
            if (both is not null)
            {
                throw new ArgumentException($"Mesh axis '{both}' splits both A's rows (a_spec {aGemm}) and B's columns (b_spec {bGemm}); C cannot be split by one axis twice. All-gather one operand first (e.g. b_spec with N replicated) or pick another axis.", BSpecParam);
            }

            PartitionSpec natural = PartitionSpec.P(aM.Count == 0 ? null : aM.ToArray(), bN.Count == 0 ? null : bN.ToArray()).WithPartial([.. aK]);
            TensorSharding cp = Layout("C", m, n, natural, CSpecParam);
            string cName = aK.Count > 0 ? "C.partial" : "C.local";
            _b.AddSlot(PlanSlot.Of(cName, cp));
            var tasks = new List<GemmTask>();
            for (int p = 0; p < mesh.Size; p++)
            {
                ShardExtent ea = ag.Extent(p), eb = bg.Extent(p);
                if (ea.Rows == 0 || ea.Cols == 0 || eb.Cols == 0) continue;
                tasks.Add(new GemmTask(p, aSlot, 0, 0, bSlot, 0, 0, cName, 0, 0, ea.Rows, eb.Cols, ea.Cols, false));
            }

            int gemm = _b.Gemm($"local GEMMs ({tasks.Count} devices)", tasks, aStep, bStep);
            TensorSharding cOutLayout = Layout("C", m, n, cOut ?? natural.WithoutPartial(), CSpecParam);
            var (cSlot, _) = Redistribution.Append(_b, cp, cName, gemm, cOutLayout, options.ReduceAlgorithm, "C.r", copyWhenEqual: false);
            return Finish(strategy, a, bl, cOutLayout, cSlot);
        }

        public MatMulPlan Summa(Strategy strategy, string x, string y, string? z)
        {
            int r = mesh.AxisSize(x), c = mesh.AxisSize(y), layers = z is null ? 1 : mesh.AxisSize(z);
            int l = (int)(r / (long)System.Numerics.BigInteger.GreatestCommonDivisor(r, c) * c); // lcm: panel steps per layer (K divides: Refusal)

            object aK = z is null ? y : new[] { z, y }, bK = z is null ? x : new[] { z, x };
            TensorSharding a = Layout("A", m, k, PartitionSpec.P(x, aK)), bl = Layout("B", k, n, PartitionSpec.P(bK, y));
            PartitionSpec cNatural = PartitionSpec.P(x, y);
            TensorSharding acc = Layout("C", m, n, z is null ? cNatural : cNatural.WithPartial(z));
            _b.AddSlot(PlanSlot.Of("A", a));
            _b.AddSlot(PlanSlot.Of("B", bl));
            _b.AddSlot(PlanSlot.Of("C.acc", acc, fp32: true));
            int panel = k / layers / l, perLayer = k / layers;
            int previousGemm = -1, beforeThat = -1, previousBcast = -1;
            for (int t = 0; t < l; t++)
            {
                int ownerY = t / (l / c), ownerX = t / (l / r);
                var aPanel = new ShardExtent[mesh.Size];
                var bPanel = new ShardExtent[mesh.Size];
                for (int p = 0; p < mesh.Size; p++)
                {
                    int layer = z is null ? 0 : mesh.Coordinate(p, mesh.AxisIndex(z));
                    ShardExtent ea = a.Extent(p), eb = bl.Extent(p);
                    aPanel[p] = new ShardExtent(ea.RowStart, ea.Rows, (layer * perLayer) + (t * panel), panel);
                    bPanel[p] = new ShardExtent((layer * perLayer) + (t * panel), panel, eb.ColStart, eb.Cols);
                }

                string ap = $"A.panel.{t}", bp = $"B.panel.{t}";
                _b.AddSlot(new PlanSlot(ap, aPanel));
                _b.AddSlot(new PlanSlot(bp, bPanel));
                var rows = mesh.Groups(y);
                var cols = mesh.Groups(x);
                var bcast = _b.Collective($"panel {t}: broadcast A along {y}, B along {x}",
                [
                    new CollectiveCall(CollectiveOperation.Broadcast, rows, "A", ap, CollectiveAlgorithm.Auto, Roots: rows.Select(g => g[ownerY]).ToArray()),
                    new CollectiveCall(CollectiveOperation.Broadcast, cols, "B", bp, CollectiveAlgorithm.Auto, Roots: cols.Select(g => g[ownerX]).ToArray()),
                ], previousBcast, beforeThat); // double buffering: panel t overwrites what GEMM t-2 read
                var tasks = new List<GemmTask>();
                for (int p = 0; p < mesh.Size; p++)
                {
                    ShardExtent e = acc.Extent(p);
                    if (e.Rows == 0 || e.Cols == 0) continue;
                    tasks.Add(new GemmTask(p, ap, 0, 0, bp, 0, 0, "C.acc", 0, 0, e.Rows, e.Cols, panel, t > 0));
                }

                beforeThat = previousGemm;
                previousGemm = _b.Gemm($"panel {t}: local GEMMs", tasks, bcast, previousGemm);
                previousBcast = bcast;
            }

            return FinishAccumulator(strategy, a, bl, acc, previousGemm, z is null ? null : PartitionSpec.P(x, new[] { y, z }));
        }

        public MatMulPlan Cannon(Strategy strategy, string x, string y)
        {
            int q = mesh.AxisSize(x);
            TensorSharding a = Layout("A", m, k, PartitionSpec.P(x, y)), bl = Layout("B", k, n, PartitionSpec.P(x, y));
            TensorSharding acc = Layout("C", m, n, PartitionSpec.P(x, y));
            if (options.Uneven && (m % q != 0 || n % q != 0 || k % q != 0))
            {
                throw new ArgumentException($"Cannon shifts equal blocks; M, N, K ({m}, {n}, {k}) must divide by q = {q} (uneven shards are not supported by this strategy).",
                    m % q != 0 ? MParam : n % q != 0 ? NParam : KParam);
            }

            _b.AddSlot(PlanSlot.Of("A", a));
            _b.AddSlot(PlanSlot.Of("B", bl));
            _b.AddSlot(PlanSlot.Of("C.acc", acc, fp32: true));
            int xi = mesh.AxisIndex(x), yi = mesh.AxisIndex(y);
            int Pos(int i, int j)
            {
                Span<int> c = stackalloc int[2];
                c[xi] = i;
                c[yi] = j;
                return mesh.Position(c);
            }

            int kb = k / q;
            int previousGemm = -1, beforeThat = -1, previousShift = -1;
            string aPrev = "A", bPrev = "B";
            for (int s = 0; s < q; s++)
            {
                // At step s, (i, j) holds A(i, (i+j+s) mod q) and B((i+j+s) mod q, j).
                var ea = new ShardExtent[mesh.Size];
                var eb = new ShardExtent[mesh.Size];
                var aPairs = new List<(int, int)>();
                var bPairs = new List<(int, int)>();
                for (int i = 0; i < q; i++)
                {
                    for (int j = 0; j < q; j++)
                    {
                        int p = Pos(i, j), kk = (i + j + s) % q;
                        ea[p] = new ShardExtent(a.Extent(p).RowStart, a.Extent(p).Rows, kk * kb, kb);
                        eb[p] = new ShardExtent(kk * kb, kb, bl.Extent(p).ColStart, bl.Extent(p).Cols);
                        // Skew from the original layout at s = 0, then one hop: from (i, j+1) for A, from (i+1, j) for B.
                        aPairs.Add(s == 0 ? (Pos(i, kk), p) : (Pos(i, (j + 1) % q), p));
                        bPairs.Add(s == 0 ? (Pos(kk, j), p) : (Pos((i + 1) % q, j), p));
                    }
                }

                string an = $"A.step.{s}", bn = $"B.step.{s}";
                _b.AddSlot(new PlanSlot(an, ea));
                _b.AddSlot(new PlanSlot(bn, eb));
                int shift = _b.Collective(s == 0 ? "skew A along rows, B along columns" : $"step {s}: shift A left, B up",
                [
                    new CollectiveCall(CollectiveOperation.SendReceive, [], aPrev, an, CollectiveAlgorithm.Direct, Pairs: aPairs),
                    new CollectiveCall(CollectiveOperation.SendReceive, [], bPrev, bn, CollectiveAlgorithm.Direct, Pairs: bPairs),
                ], previousShift, beforeThat);
                var tasks = new List<GemmTask>();
                for (int p = 0; p < mesh.Size; p++)
                {
                    ShardExtent e = acc.Extent(p);
                    tasks.Add(new GemmTask(p, an, 0, 0, bn, 0, 0, "C.acc", 0, 0, e.Rows, e.Cols, kb, s > 0));
                }

                beforeThat = previousGemm;
                previousGemm = _b.Gemm($"step {s}: local GEMMs", tasks, shift, previousGemm);
                previousShift = shift;
                (aPrev, bPrev) = (an, bn);
            }

            return FinishAccumulator(strategy, a, bl, acc, previousGemm, null);
        }

        public MatMulPlan CollectiveMatmul(Strategy strategy, string[] outer, string ring)
        {
            int size = mesh.AxisSize(ring), ri = mesh.AxisIndex(ring);
            object? o = outer.Length == 0 ? null : outer;
            TensorSharding a = Layout("A", m, k, PartitionSpec.P(outer.Append(ring).ToArray(), null));
            TensorSharding bl = Layout("B", k, n, PartitionSpec.P(null, ring));
            TensorSharding c = Layout("C", m, n, PartitionSpec.P(o, ring));
            _b.AddSlot(PlanSlot.Of("A", a));
            _b.AddSlot(PlanSlot.Of("B", bl));
            _b.AddSlot(PlanSlot.Of("C", c));
            // Row-major positions: moving along the ring axis moves the position by that axis's stride.
            int[] unit = new int[mesh.Coordinates(0).Length];
            unit[ri] = size > 1 ? 1 : 0;
            int stride = mesh.Position(unit);
            int WithRing(int p, int coordinate) => p + ((coordinate - mesh.Coordinate(p, ri)) * stride);

            string previous = "A";
            int previousGemm = -1, beforeThat = -1, previousShift = -1;
            for (int s = 0; s < size; s++)
            {
                string slot = previous;
                int shift = -1;
                if (s > 0)
                {
                    // Step s: position with ring coordinate j holds A's block (j + s) mod P, received from its neighbour j+1.
                    slot = $"A.step.{s}";
                    var extents = new ShardExtent[mesh.Size];
                    var pairs = new List<(int, int)>(mesh.Size);
                    for (int p = 0; p < mesh.Size; p++)
                    {
                        int j = mesh.Coordinate(p, ri);
                        extents[p] = a.Extent(WithRing(p, (j + s) % size));
                        pairs.Add((WithRing(p, (j + 1) % size), p));
                    }

                    _b.AddSlot(new PlanSlot(slot, extents));
                    shift = _b.Collective($"step {s}: ppermute A along {ring}", [new CollectiveCall(CollectiveOperation.SendReceive, [], previous, slot, CollectiveAlgorithm.Direct, Pairs: pairs)],
                        previousShift, beforeThat);
                    previousShift = shift;
                }

                var tasks = new List<GemmTask>(mesh.Size);
                IReadOnlyList<ShardExtent> slotExtents = _b.Slot(slot).Extents;
                for (int p = 0; p < mesh.Size; p++)
                {
                    ShardExtent ea = slotExtents[p], ec = c.Extent(p);
                    if (ea.Rows == 0 || ec.Cols == 0) continue;
                    tasks.Add(new GemmTask(p, slot, 0, 0, "B", 0, 0, "C", ea.RowStart - ec.RowStart, 0, ea.Rows, ec.Cols, k, false));
                }

                beforeThat = previousGemm;
                previousGemm = _b.Gemm($"step {s}: GEMM on A block {s}", tasks, shift, previousGemm);
                previous = slot;
            }

            return Finish(strategy, a, bl, c, "C");
        }

        private MatMulPlan FinishAccumulator(Strategy strategy, TensorSharding a, TensorSharding bl, TensorSharding acc, int lastGemm, PartitionSpec? reduceTo)
        {
            TensorSharding local = Layout("C", m, n, acc.Spec);
            _b.AddSlot(PlanSlot.Of("C.local", local));
            int convert = _b.Local("round the FP32 accumulators to BF16", LocalOperation.ToBFloat16, "C.acc", "C.local", null, lastGemm);
            if (reduceTo is null) return Finish(strategy, a, bl, local, "C.local");
            TensorSharding outLayout = Layout("C", m, n, reduceTo);
            var (slot, _) = Redistribution.Append(_b, local, "C.local", convert, outLayout, options.ReduceAlgorithm, "C.r", copyWhenEqual: false);
            return Finish(strategy, a, bl, outLayout, slot);
        }

        private MatMulPlan Finish(Strategy strategy, TensorSharding a, TensorSharding bl, TensorSharding c, string output)
        {
            ExecutionPlan plan = _b.Build(["A", "B"], output);
            return new MatMulPlan(strategy, m, n, k, a, bl, c, plan, options);
        }
    }
}
