using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Execution;
using CloudMatrix.Compute.Sharding;

namespace CloudMatrix.Compute.Mpi;

/// <summary>
/// The bytes a plan's collectives move between processes under a placement, computed from the plan alone (no data):
/// what a distributed run sends over MPI, process by process.
/// <list type="bullet">
/// <item>Copies (all-gather, all-to-all, broadcast, send/receive): the region of each source block that a destination
/// block in another process covers, once per (source position, region, destination process).</item>
/// <item>Ring reductions: chunk j of a group's buffer starts at member j+1 and goes one member further at each of the
/// n - 1 hops; a hop between members in different processes moves the chunk. An all-reduce then sends each
/// summed chunk from its owner (member j) to every other process holding a member.</item>
/// <item>One-shot and direct reductions: every member's whole buffer to every other process holding a member
/// (all-reduce), or its chunk j to member j's process when that is another (reduce-scatter).</item>
/// </list>
/// Chunks are those of the executor: for an all-reduce the buffer split in n nearly equal parts, for a
/// reduce-scatter each member's destination block.
/// </summary>
public static class CrossProcessTraffic
{
    /// <summary>Bytes each process sends to the others while running the plan (index = rank).</summary>
    /// <param name="plan">The plan.</param>
    /// <param name="placement">Which process hosts each mesh position (its mesh must be the plan's).</param>
    /// <returns>Bytes per process.</returns>
    /// <exception cref="ArgumentException">The placement is for another mesh (another system, shape or device order,
    /// even of the same size).</exception>
    public static long[] BytesPerProcess(MatMulPlan plan, ProcessPlacement placement)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(placement);
        if (!ReferenceEquals(placement.Mesh, plan.Mesh) && (placement.Mesh.System != plan.Mesh.System
            || !placement.Mesh.Shape.SequenceEqual(plan.Mesh.Shape) || !placement.Mesh.Devices.SequenceEqual(plan.Mesh.Devices)))
        {
            throw new ArgumentException($"The placement is of {placement.Mesh} ({placement.Mesh.Size} positions) but the plan runs on {plan.Mesh} ({plan.Mesh.Size}); place the plan's mesh: ProcessPlacement.Contiguous(plan.Mesh, processes).", nameof(placement));
        }

        ExecutionPlan p = plan.Plan;
        var sent = new long[placement.Processes];
        foreach (CollectiveStep step in p.Steps.OfType<CollectiveStep>())
        {
            foreach (CollectiveCall call in step.Calls)
            {
                PlanSlot src = p.Slots[call.Source], dst = p.Slots[call.Destination];
                if (call.Operation is CollectiveOperation.AllReduce or CollectiveOperation.ReduceScatter)
                {
                    foreach (int[] g in call.Groups) Reduction(call, g, src, dst, placement, sent);
                }
                else
                {
                    Copy(call, src, dst, placement, sent);
                }
            }
        }

        return sent;
    }

    private static void Copy(CollectiveCall call, PlanSlot src, PlanSlot dst, ProcessPlacement placement, long[] sent)
    {
        var moved = new HashSet<(int Position, ShardExtent Region, int To)>();
        foreach (var (from, to) in DistributedCollectives.CopyPairs(call))
        {
            int rFrom = placement.RankOf(from), rTo = placement.RankOf(to);
            if (rFrom == rTo) continue;
            ShardExtent s = src.Extents[from], d = dst.Extents[to];
            int rows = Math.Min(s.RowStart + s.Rows, d.RowStart + d.Rows) - Math.Max(s.RowStart, d.RowStart);
            int cols = Math.Min(s.ColStart + s.Cols, d.ColStart + d.Cols) - Math.Max(s.ColStart, d.ColStart);
            if (rows <= 0 || cols <= 0) continue;
            var region = new ShardExtent(Math.Max(s.RowStart, d.RowStart), rows, Math.Max(s.ColStart, d.ColStart), cols);
            if (moved.Add((from, region, rTo))) sent[rFrom] += (long)rows * cols * src.ElementBytes;
        }
    }

    private static void Reduction(CollectiveCall call, int[] g, PlanSlot src, PlanSlot dst, ProcessPlacement placement, long[] sent)
    {
        int n = g.Length;
        long length = src.Extents[g[0]].Elements, bytes = src.ElementBytes;
        bool scatter = call.Operation == CollectiveOperation.ReduceScatter;
        long[] counts = Enumerable.Range(0, n).Select(j => scatter ? dst.Extents[g[j]].Elements : Collective.Partition(checked((int)length), n, j).Count).ToArray();
        int Rank(int member) => placement.RankOf(g[((member % n) + n) % n]);
        int[] ranks = g.Select(placement.RankOf).Distinct().ToArray();
        if (call.Algorithm is CollectiveAlgorithm.OneShot or CollectiveAlgorithm.Direct)
        {
            for (int m = 0; m < n; m++)
            {
                if (scatter)
                {
                    for (int j = 0; j < n; j++)
                    {
                        if (Rank(j) != Rank(m)) sent[Rank(m)] += counts[j] * bytes;
                    }
                }
                else if (length > 0)
                {
                    sent[Rank(m)] += (ranks.Length - 1) * length * bytes;
                }
            }

            return;
        }

        for (int j = 0; j < n; j++)
        {
            if (counts[j] == 0) continue;
            for (int hop = 0; hop < n - 1; hop++)
            {
                if (Rank(j + 1 + hop) != Rank(j + 2 + hop)) sent[Rank(j + 1 + hop)] += counts[j] * bytes;
            }

            if (!scatter) sent[Rank(j)] += (ranks.Length - 1) * counts[j] * bytes;
        }
    }
}
