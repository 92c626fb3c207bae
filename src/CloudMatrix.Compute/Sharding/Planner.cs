using System.Diagnostics;
using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Topology;
using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Sharding;

/// <summary>
/// Ranks every feasible strategy × mesh factorisation of the devices × reduction algorithm for one product by its
/// <see cref="MatMulPlan.Estimate"/> (never by a separate formula). A candidate is feasible when its shapes divide (or
/// uneven shards are allowed) and its peak memory per device fits the device's HBM (checked for every candidate that is
/// timed; a pruned one could not win either way). Candidates are estimated in order
/// of a lower bound that needs no network simulation (<see cref="Execution.PlanEstimator.LowerBound"/>: the busier of
/// the compute stream and the communication stream at the devices' full link bandwidth); once that bound reaches the
/// best estimate, the rest cannot win and are listed as pruned with their bound.
/// </summary>
public static class Planner
{
    /// <summary>Ranks the candidates on <paramref name="system"/>'s devices (or its first <see cref="PlannerOptions.Devices"/>).</summary>
    /// <param name="system">The machine.</param>
    /// <param name="m">Rows of C, at least 1.</param>
    /// <param name="n">Columns of C, at least 1.</param>
    /// <param name="k">Contracting dimension, at least 1.</param>
    /// <param name="options">Null for the defaults.</param>
    /// <returns>The ranking.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="system"/> or <c>options.Timing</c> is null.</exception>
    /// <exception cref="ArgumentException">A null entry in <c>options.Strategies</c> (ParamName <c>options</c>).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size below 1 (ParamName <c>m</c>, <c>n</c> or <c>k</c>), more devices than the
    /// system has (<c>options</c>), or a <see cref="Timing.TimingOptions"/> figure out of range (as <see cref="Timing.TimingOptions.Validate"/>).</exception>
    public static PlanRanking Rank(SystemSpec system, int m, int n, int k, PlannerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        if (m < 1) throw new ArgumentOutOfRangeException(nameof(m), m, $"m is {m}; rows of C must be at least 1.");
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, $"n is {n}; columns of C must be at least 1.");
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, $"k is {k}; the contracting dimension must be at least 1.");
        options ??= PlannerOptions.Default;
        if (options.Timing is null) throw new ArgumentNullException(nameof(options), "options.Timing is null; leave it out for the defaults.");
        options.Timing.Validate();
        for (int i = 0; i < (options.Strategies?.Count ?? 0); i++)
        {
            if (options.Strategies![i] is null)
            {
                throw new ArgumentException($"options.Strategies[{i}] is null; give strategies from Strategy.All, or null for all of them.", nameof(options));
            }
        }

        int devices = options.Devices == 0 ? system.DeviceCount : options.Devices;
        if (devices < 1 || devices > system.DeviceCount)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Devices, $"Devices is {options.Devices}; {system.Name} has 1..{system.DeviceCount} devices (0 for all).");
        }

        int[]? subset = devices == system.DeviceCount ? null : Enumerable.Range(0, devices).ToArray();
        var meshes = new List<(Strategy Strategy, (string, int)[] Axes)>();
        IReadOnlyList<Strategy> strategies = options.Strategies ?? Strategy.All;
        int[] divisors = Enumerable.Range(1, devices).Where(d => devices % d == 0).ToArray();
        foreach (Strategy s in strategies)
        {
            if (s == Strategy.Rows || s == Strategy.Columns)
            {
                meshes.Add((s, [("x", devices)]));
            }
            else if (s == Strategy.RowParallel || s == Strategy.RowParallelReduceScatter || s == Strategy.CollectiveMatmul)
            {
                meshes.Add((s, [("x", devices)]));
                foreach (int a in divisors.Where(d => d > 1 && d < devices)) meshes.Add((s, [("x", a), ("y", devices / a)]));
            }
            else if (s == Strategy.Summa)
            {
                foreach (int a in divisors.Where(d => d > 1 && d < devices)) meshes.Add((s, [("x", a), ("y", devices / a)]));
            }
            else if (s == Strategy.Cannon)
            {
                int q = (int)Math.Round(Math.Sqrt(devices));
                meshes.Add((s, q * q == devices ? [("x", q), ("y", q)] : [("x", devices)]));
            }
            else if (s == Strategy.TwoPointFiveD)
            {
                foreach (int q in divisors.Where(d => d > 1 && devices % (d * d) == 0 && devices / (d * d) > 1)) meshes.Add((s, [("x", q), ("y", q), ("z", devices / (q * q))]));
            }
            else if (s == Strategy.ThreeD)
            {
                foreach (int a in divisors.Where(d => d > 1))
                {
                    foreach (int b in divisors.Where(d => d > 1 && devices % (a * d) == 0 && devices / (a * d) > 1)) meshes.Add((s, [("x", a), ("y", b), ("z", devices / (a * b))]));
                }
            }
        }

        var clock = Stopwatch.StartNew();
        // Each mesh is planned with a ring reduction first; only a plan that reduces is planned again with the one-shot
        // reduction (for the others the two would be the same plan).
        var planned = new (MatMulPlan? Plan, CollectiveAlgorithm Alg, double Bound, (double Compute, double Communication) Terms, RefusedCandidate? No)[meshes.Count * 2];
        Parallel.For(0, meshes.Count, i =>
        {
            var (s, axes) = meshes[i];
            string meshText = "mesh{" + string.Join(", ", axes.Select(a => $"{a.Item1}={a.Item2}")) + "}";
            DeviceMesh mesh;
            try
            {
                mesh = DeviceMesh.Create(system, axes, subset);
            }
            catch (ArgumentException ex)
            {
                planned[2 * i] = (null, CollectiveAlgorithm.Ring, 0, default, new RefusedCandidate(s.Name, meshText, ArgumentMessages.Plain(ex)));
                return;
            }

            if (MatMul.Refusal(mesh, k, s) is { } refusal)
            {
                planned[2 * i] = (null, CollectiveAlgorithm.Ring, 0, default, new RefusedCandidate(s.Name, meshText, refusal.Message));
                return;
            }

            foreach (CollectiveAlgorithm alg in Algorithms())
            {
                int slot = (2 * i) + (alg == CollectiveAlgorithm.Ring ? 0 : 1);
                try
                {
                    MatMulPlan plan = MatMul.Plan(mesh, m, n, k, s, new MatMulOptions { Uneven = options.Uneven, ReduceAlgorithm = alg, Timing = options.Timing });
                    bool reduces = plan.Unresolved.Steps.OfType<Execution.CollectiveStep>().SelectMany(c => c.Calls)
                        .Any(c => c.Operation is CollectiveOperation.AllReduce or CollectiveOperation.ReduceScatter);
                    var terms = Execution.PlanEstimator.LowerBounds(plan.Unresolved, options.Timing);
                    planned[slot] = (plan, reduces ? alg : CollectiveAlgorithm.Auto, Math.Max(terms.Compute, terms.Communication), terms, null);

                    if (!reduces) return; // planning again with another reduction would give the same plan
                }
                catch (ArgumentException ex)
                {
                    // Shapes that do not divide fail alike with either reduction: one refusal per mesh.
                    planned[slot] = (null, alg, 0, default, new RefusedCandidate(s.Name, meshText, ArgumentMessages.Plain(ex)));
                    return;
                }
                catch (OverflowException)
                {
                    planned[slot] = (null, alg, 0, default, new RefusedCandidate(s.Name, meshText, $"{m} x {n} x {k} is too large for this plan: a device's block or a collective's buffer would exceed 2^31 - 1 elements"));
                    return;
                }
            }
        });

        var refused = planned.Where(p => p.No is not null).Select(p => p.No!).ToList();
        var feasible = planned.Where(p => p.Plan is not null).OrderBy(p => p.Bound).ToArray();

        // Branch and bound: candidates in order of their lower bound, checked against HBM and fully estimated a batch at
        // a time, until the next bound is no better than the best estimate: no later candidate can win.
        var candidates = new List<PlanCandidate>();
        var pruned = new List<RefusedCandidate>();
        var handled = new HashSet<MatMulPlan>(ReferenceEqualityComparer.Instance);
        double best = double.PositiveInfinity;
        int next = 0, batch = Math.Max(2, Environment.ProcessorCount * 2);
        while (next < feasible.Length && feasible[next].Bound < best)
        {
            var chunk = feasible.Skip(next).Take(batch).Where(p => p.Bound < best).ToArray();
            var estimates = new PlanCandidate[chunk.Length];
            var failed = new RefusedCandidate?[chunk.Length];
            Parallel.For(0, chunk.Length, j =>
            {
                MatMulPlan plan = chunk[j].Plan!;
                if (plan.MemoryPerDeviceBytes > system.Npu.HbmCapacityBytes)
                {
                    // Memory is checked where it matters: a candidate that would be timed (pruned ones never run).
                    bool reduces = chunk[j].Alg != CollectiveAlgorithm.Auto;
                    failed[j] = new RefusedCandidate(plan.Strategy.Name, plan.Mesh + (reduces ? $" ({chunk[j].Alg} reduction)" : ""),
                        $"needs {ByteSize.Format(plan.MemoryPerDeviceBytes)} per device; HBM holds {ByteSize.Format(system.Npu.HbmCapacityBytes)}");
                    return;
                }

                try
                {
                    estimates[j] = new PlanCandidate(plan, chunk[j].Alg, plan.Estimate(options.Timing), Refined: true);
                }
                catch (OverflowException)
                {
                    failed[j] = new RefusedCandidate(chunk[j].Plan!.Strategy.Name, chunk[j].Plan!.Mesh.ToString(),
                        $"{m} x {n} x {k} is too large for this plan: a collective's buffer would exceed 2^31 - 1 elements per device");
                }
            });
            foreach (var c in chunk) handled.Add(c.Plan!);
            candidates.AddRange(estimates.Where(e => e is not null));
            refused.AddRange(failed.Where(f => f is not null)!);
            best = Math.Min(best, estimates.Where(e => e is not null).Select(e => e.SimulatedSeconds).DefaultIfEmpty(double.PositiveInfinity).Min());
            next += batch;
        }

        foreach (var p in feasible.Where(p => !handled.Contains(p.Plan!)))
        {
            pruned.Add(new RefusedCandidate(p.Plan!.Strategy.Name, p.Plan.Mesh.ToString(),
                $"pruned: it takes at least {p.Bound * 1e6:F1} us (compute {p.Terms.Compute * 1e6:F1} us, communication at full link bandwidth {p.Terms.Communication * 1e6:F1} us), no less than the best plan's {best * 1e6:F1} us"));
        }

        candidates.Sort((a, b) => a.SimulatedSeconds.CompareTo(b.SimulatedSeconds));
        return new PlanRanking(system.Name, m, n, k, candidates, refused, clock.Elapsed.TotalSeconds) { Pruned = pruned };
    }

    private static CollectiveAlgorithm[] Algorithms() => [CollectiveAlgorithm.Ring, CollectiveAlgorithm.OneShot];
}
