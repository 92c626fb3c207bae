using System.Diagnostics;
using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Sharding;

/// <summary>
/// Ranks every feasible strategy × mesh factorisation of the devices × reduction algorithm for one product by its
/// <see cref="MatMulPlan.Estimate"/> (never by a separate formula). A candidate is feasible when its shapes divide (or
/// uneven shards are allowed) and its peak memory per device fits the device's HBM.
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
    /// <exception cref="ArgumentOutOfRangeException">A size below 1, or more devices than the system has.</exception>
    public static PlanRanking Rank(SystemSpec system, int m, int n, int k, PlannerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        options ??= PlannerOptions.Default;
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
        var candidates = new List<PlanCandidate>();
        var refused = new List<RefusedCandidate>();
        var work = meshes.SelectMany(x => Algorithms(x.Strategy).Select(alg => (x.Strategy, x.Axes, alg))).ToArray();
        var results = new (PlanCandidate? Ok, RefusedCandidate? No)[work.Length];
        // First pass: concurrent groups of a large step timed one group at a time (a lower bound: contention between
        // groups only slows them). Then the best candidates are re-timed in full until the best full time is no
        // more than the next candidate's bound, so the winner is the minimum of the full estimates.
        var fast = options.Timing with { MaxJointTransfers = Math.Min(options.Timing.MaxJointTransfers, 1024) };
        Parallel.For(0, work.Length, i =>
        {
            var (s, axes, alg) = work[i];
            string meshText = "mesh{" + string.Join(", ", axes.Select(a => $"{a.Item1}={a.Item2}")) + "}";
            try
            {
                DeviceMesh mesh = DeviceMesh.Create(system, axes, subset);
                MatMulPlan plan = MatMul.Plan(mesh, m, n, k, s, new MatMulOptions { Uneven = options.Uneven, ReduceAlgorithm = alg, Timing = options.Timing });
                if (plan.MemoryPerDeviceBytes > system.Npu.HbmCapacityBytes)
                {
                    results[i] = (null, new RefusedCandidate(s.Name, meshText, $"needs {MatMulPlan.Format(plan.MemoryPerDeviceBytes)} per device; HBM holds {MatMulPlan.Format(system.Npu.HbmCapacityBytes)}"));
                    return;
                }

                bool reduces = plan.Steps.OfType<Execution.CollectiveStep>().SelectMany(c => c.Calls)
                    .Any(c => c.Operation is CollectiveOperation.AllReduce or CollectiveOperation.ReduceScatter);
                if (!reduces && alg != CollectiveAlgorithm.Ring) return; // the same plan as with Ring
                results[i] = (new PlanCandidate(plan, reduces ? alg : CollectiveAlgorithm.Auto, plan.Estimate(fast), Refined: false), null);
            }
            catch (ArgumentException ex)
            {
                results[i] = (null, new RefusedCandidate(s.Name, meshText, ex.Message));
            }
        });
        foreach (var (ok, no) in results)
        {
            if (ok is not null) candidates.Add(ok);
            if (no is not null) refused.Add(no);
        }

        candidates.Sort((a, b) => a.SimulatedSeconds.CompareTo(b.SimulatedSeconds));
        int refined = 0;
        while (refined < candidates.Count)
        {
            double bestFull = candidates.Take(refined).Select(c => c.SimulatedSeconds).DefaultIfEmpty(double.PositiveInfinity).Min();
            if (bestFull <= candidates[refined].SimulatedSeconds) break;
            int batch = Math.Min(Environment.ProcessorCount * 2, candidates.Count - refined);
            var full = new PlanCandidate[batch];
            Parallel.For(0, batch, j => full[j] = candidates[refined + j] with { Estimate = candidates[refined + j].Plan.Estimate(options.Timing), Refined = true });
            for (int j = 0; j < batch; j++) candidates[refined + j] = full[j];
            refined += batch;
        }

        var head = candidates.Take(refined).OrderBy(c => c.SimulatedSeconds).ToList();
        candidates = [.. head, .. candidates.Skip(refined)];
        return new PlanRanking(system.Name, m, n, k, candidates, refused, clock.Elapsed.TotalSeconds);
    }

    private static CollectiveAlgorithm[] Algorithms(Strategy s) => [CollectiveAlgorithm.Ring, CollectiveAlgorithm.OneShot];
}
