using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Execution;

namespace CloudMatrix.Compute.Sharding;

/// <summary>
/// Plans the move between two layouts of one matrix, one mesh axis at a time (DTensor's redistribute): trailing
/// shard axes that the target does not keep are all-gathered (or moved to another dimension by all-to-all), partial
/// axes are all-reduced (or reduce-scattered straight into the dimension the target splits next), then replicated
/// axes the target splits are sliced locally and new partial axes zeroed off coordinate 0.
/// </summary>
internal static class Redistribution
{
    public static ExecutionPlan Plan(TensorSharding from, TensorSharding to, CollectiveAlgorithm algorithm)
    {
        var b = new PlanBuilder(from.Mesh);
        b.AddSlot(PlanSlot.Of("in", from));
        var (slot, _) = Append(b, from, "in", -1, to, algorithm, "t");
        return b.Build(["in"], slot);
    }

    /// <summary>Appends the steps that move slot <paramref name="fromSlot"/> (laid out as <paramref name="from"/>) to
    /// <paramref name="to"/>, after step <paramref name="dep"/>; returns the final slot and step (the input when nothing moves).</summary>
    public static (string Slot, int Last) Append(PlanBuilder b, TensorSharding from, string fromSlot, int dep, TensorSharding to, CollectiveAlgorithm algorithm, string prefix, bool copyWhenEqual = true)
    {
        DeviceMesh mesh = from.Mesh;
        var dims = from.Spec.Dims.Select(d => d.ToList()).ToArray();
        var partial = from.Spec.PartialAxes.ToList();
        var target = to.Spec.Dims;
        TensorSharding current = from;
        string slot = fromSlot;
        int last = dep, n = 0;

        void Step(string what, Func<string, string, TensorSharding, int> emit)
        {
            PartitionSpec spec = PartitionSpec.P(dims.Select(d => d.Count == 0 ? null : (object)d.ToArray()).ToArray()).WithPartial([.. partial]);
            var next = new TensorSharding(from.Name, from.Rows, from.Cols, mesh, spec, from.Uneven || to.Uneven);
            string name = $"{prefix}{++n}";
            b.AddSlot(PlanSlot.Of(name, next));
            last = emit(slot, name, next);
            slot = name;
            current = next;
        }

        int Prefix(int d)
        {
            int k = 0;
            while (k < dims[d].Count && k < target[d].Count && dims[d][k] == target[d][k]) k++;
            return k;
        }

        // 1. Trailing shard axes the target does not keep: all-to-all where the target splits another dimension by
        //    that axis next, else all-gather.
        for (int d = 0; d < dims.Length; d++)
        {
            while (dims[d].Count > Prefix(d))
            {
                string axis = dims[d][^1];
                int other = 1 - d;
                bool toOther = dims.Length == 2 && Prefix(other) == dims[other].Count && dims[other].Count < target[other].Count && target[other][dims[other].Count] == axis;
                dims[d].RemoveAt(dims[d].Count - 1);
                if (toOther)
                {
                    dims[other].Add(axis);
                }

                CollectiveOperation op = toOther ? CollectiveOperation.AllToAll : CollectiveOperation.AllGather;
                Step($"{op} over {axis}", (s, t, _) => b.Collective($"{Name(op)} {from.Name} over {axis}",
                    [new CollectiveCall(op, mesh.Groups(axis), s, t, CollectiveAlgorithm.Auto)], last));
            }
        }

        // 2. Partial axes the target does not keep.
        foreach (string axis in partial.ToArray())
        {
            if (to.Spec.PartialAxes.Contains(axis)) continue;
            int d = Enumerable.Range(0, dims.Length).FirstOrDefault(i => Prefix(i) == dims[i].Count && dims[i].Count < target[i].Count && target[i][dims[i].Count] == axis, -1);
            partial.Remove(axis);
            if (d >= 0) dims[d].Add(axis);
            CollectiveOperation op = d >= 0 ? CollectiveOperation.ReduceScatter : CollectiveOperation.AllReduce;
            // One-shot's reduce-scatter is Direct: each member sums its block from every member, in member order.
            CollectiveAlgorithm alg = op == CollectiveOperation.ReduceScatter && algorithm == CollectiveAlgorithm.OneShot ? CollectiveAlgorithm.Direct : algorithm;
            Step($"{op} over {axis}", (s, t, _) => b.Collective($"{Name(op)} {from.Name} over {axis}",
                [new CollectiveCall(op, mesh.Groups(axis), s, t, alg)], last));
        }

        // 3. Axes the target splits next: local slices of replicated data.
        for (int d = 0; d < dims.Length; d++)
        {
            while (dims[d].Count < target[d].Count)
            {
                string axis = target[d][dims[d].Count];
                dims[d].Add(axis);
                Step($"slice over {axis}", (s, t, _) => b.Local($"slice {from.Name} over {axis}", LocalOperation.Slice, s, t, null, last));
            }
        }

        // 4. New partial axes: the value stays on coordinate 0.
        string[] added = to.Spec.PartialAxes.Where(a => !partial.Contains(a)).ToArray();
        if (added.Length > 0)
        {
            partial.AddRange(added);
            Step("to partial", (s, t, _) => b.Local($"{from.Name} to partial over {string.Join(",", added)}", LocalOperation.ToPartial, s, t, added, last));
        }

        if (!current.Spec.Equals(to.Spec))
        {
            throw new InvalidOperationException($"Redistribution from {from.Spec} ended at {current.Spec}, not {to.Spec}.");
        }

        if (n == 0 && copyWhenEqual)
        {
            Step("copy", (s, t, _) => b.Local($"copy {from.Name}", LocalOperation.Slice, s, t, null, last));
        }

        return (slot, last);
    }

    internal static string Name(CollectiveOperation op) => op switch
    {
        CollectiveOperation.AllGather => "all-gather",
        CollectiveOperation.AllReduce => "all-reduce",
        CollectiveOperation.ReduceScatter => "reduce-scatter",
        CollectiveOperation.AllToAll => "all-to-all",
        CollectiveOperation.Broadcast => "broadcast",
        CollectiveOperation.SendReceive => "ppermute",
        _ => op.ToString().ToLowerInvariant(),
    };
}
