using CloudMatrix.Compute.Backends;
using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Sharding;

namespace CloudMatrix.Compute.Execution;

/// <summary>
/// Collectives on backend buffers: data move with backend copies and are summed with the backend's reduce kernel,
/// never through the host. Copy collectives fill each destination block from the overlapping source blocks of its
/// group (bits are copies, so every algorithm gives the same result). Reductions add in the order of the algorithm:
/// <see cref="CollectiveAlgorithm.Ring"/> sums block j along the ring starting after its owner,
/// <c>((x[j+1] + x[j+2]) + ...) + x[j]</c>, rounding to bfloat16 at every hop as the wire does;
/// <see cref="CollectiveAlgorithm.OneShot"/> and <see cref="CollectiveAlgorithm.Direct"/> sum all members in group
/// order in FP32 and round once.
/// </summary>
internal static class DeviceCollectives
{
    public static void Run(PlanState state, CollectiveCall call)
    {
        switch (call.Operation)
        {
            case CollectiveOperation.AllReduce:
            case CollectiveOperation.ReduceScatter:
                ForEachGroup(state, call.Groups, g => Reduce(state, call, g));
                break;
            case CollectiveOperation.SendReceive:
                ForEach(state, call.Pairs!.Count, i => CopyOverlap(state, call.Source, call.Pairs![i].From, call.Destination, call.Pairs[i].To));
                break;
            case CollectiveOperation.Broadcast:
                ForEach(state, call.Groups.Count, i =>
                {
                    foreach (int p in call.Groups[i]) CopyOverlap(state, call.Source, call.Roots![i], call.Destination, p);
                });
                break;
            default: // AllGather, AllToAll: every member's destination from every member's overlapping source
                ForEachGroup(state, call.Groups, g =>
                {
                    foreach (int p in g)
                    {
                        foreach (int q in g) CopyOverlap(state, call.Source, q, call.Destination, p);
                    }
                });
                break;
        }
    }

    /// <summary>Copies the part of source block (slot, q) that destination block (slot, p) covers.</summary>
    public static void CopyOverlap(PlanState state, string source, int q, string destination, int p)
    {
        ShardExtent s = state.Slot(source).Extents[q], d = state.Slot(destination).Extents[p];
        int r0 = Math.Max(s.RowStart, d.RowStart), r1 = Math.Min(s.RowStart + s.Rows, d.RowStart + d.Rows);
        int c0 = Math.Max(s.ColStart, d.ColStart), c1 = Math.Min(s.ColStart + s.Cols, d.ColStart + d.Cols);
        if (r1 <= r0 || c1 <= c0) return;
        state.Backend.Copy2D(
            state.Bf16(source, q), ((r0 - s.RowStart) * s.Cols) + (c0 - s.ColStart), s.Cols,
            state.Bf16(destination, p), ((r0 - d.RowStart) * d.Cols) + (c0 - d.ColStart), d.Cols,
            r1 - r0, c1 - c0);
    }

    private static void ForEachGroup(PlanState state, IReadOnlyList<int[]> groups, Action<int[]> action) =>
        ForEach(state, groups.Count, i => action(groups[i]));

    private static void ForEach(PlanState state, int count, Action<int> action)
    {
        if (state.Backend.IsThreadSafe && count > 1)
        {
            Parallel.For(0, count, action);
        }
        else
        {
            for (int i = 0; i < count; i++) action(i);
        }
    }

    private static void Reduce(PlanState state, CollectiveCall call, int[] group)
    {
        int n = group.Length;
        ComputeBackend backend = state.Backend;
        ShardExtent e = state.Slot(call.Source).Extents[group[0]];
        int length = checked((int)e.Elements);
        bool scatter = call.Operation == CollectiveOperation.ReduceScatter;

        // Block j of the sum belongs to member j: its region of the source block, packed contiguously (chunk-major).
        var chunks = new (int Offset, int Count)[n];
        var inputs = new DeviceBuffer<BFloat16>[n];
        if (scatter)
        {
            int offset = 0;
            for (int j = 0; j < n; j++)
            {
                ShardExtent d = state.Slot(call.Destination).Extents[group[j]];
                chunks[j] = (offset, checked((int)d.Elements));
                offset += chunks[j].Count;
            }

            bool rowBlocks = Enumerable.Range(0, n).All(j => state.Slot(call.Destination).Extents[group[j]].Cols == e.Cols);
            for (int m = 0; m < n; m++)
            {
                DeviceBuffer<BFloat16> src = state.Bf16(call.Source, group[m]);
                if (rowBlocks)
                {
                    inputs[m] = src; // row blocks in order are already chunk-major
                    continue;
                }

                inputs[m] = backend.Allocate<BFloat16>(length);
                for (int j = 0; j < n; j++)
                {
                    ShardExtent d = state.Slot(call.Destination).Extents[group[j]];
                    backend.Copy2D(src, ((d.RowStart - e.RowStart) * e.Cols) + (d.ColStart - e.ColStart), e.Cols, inputs[m], chunks[j].Offset, d.Cols, d.Rows, d.Cols);
                }
            }
        }
        else
        {
            for (int j = 0; j < n; j++) chunks[j] = Collectives.Collective.Partition(length, n, j);
            for (int m = 0; m < n; m++) inputs[m] = state.Bf16(call.Source, group[m]);
        }

        if (call.Algorithm is CollectiveAlgorithm.OneShot or CollectiveAlgorithm.Direct)
        {
            if (scatter)
            {
                // One scratch buffer for the group: each member's block is summed into its range, then copied out.
                using DeviceBuffer<BFloat16> tmp = backend.Allocate<BFloat16>(length);
                for (int j = 0; j < n; j++)
                {
                    var (off, count) = chunks[j];
                    backend.Reduce(inputs, tmp, off, count);
                    backend.Copy(tmp, off, state.Bf16(call.Destination, group[j]), 0, count);
                }
            }
            else
            {
                foreach (int p in group) backend.Reduce(inputs, state.Bf16(call.Destination, p));
            }
        }
        else
        {
            // Ring: chunk j starts at member j+1 and ends, summed, at member j. At every hop a chunk's running sum sits
            // at exactly one member, and the chunks are disjoint ranges, so one scratch buffer holds every chunk's
            // running sum (the sum at hop s is computed from the sum at hop s - 1 in place: same operands, same bits).
            using DeviceBuffer<BFloat16> work = backend.Allocate<BFloat16>(length);
            for (int s = 0; s < n - 1; s++)
            {
                for (int j = 0; j < n; j++)
                {
                    var (off, count) = chunks[j];
                    if (count == 0) continue;
                    int from = (j + 1 + s) % n, to = (j + 2 + s) % n;
                    backend.Reduce([s == 0 ? inputs[from] : work, inputs[to]], work, off, count);
                }
            }

            if (n == 1)
            {
                backend.Copy(inputs[0], 0, work, 0, length);
            }

            // Each owner's chunk goes to its destination (scatter) or around the ring to every member (all-reduce:
            // after the ring the scratch holds every summed chunk, so each member takes it whole).
            if (scatter)
            {
                for (int j = 0; j < n; j++) backend.Copy(work, chunks[j].Offset, state.Bf16(call.Destination, group[j]), 0, chunks[j].Count);
            }
            else
            {
                foreach (int p in group) backend.Copy(work, 0, state.Bf16(call.Destination, p), 0, length);
            }
        }

        if (scatter)
        {
            for (int m = 0; m < n; m++)
            {
                if (!ReferenceEquals(inputs[m], state.Bf16(call.Source, group[m]))) inputs[m].Dispose();
            }
        }
    }
}
