using CloudMatrix.Compute.Execution;
using CloudMatrix.Compute.Sharding;

namespace CloudMatrix.Compute.Mpi;

/// <summary>
/// The host memory one process of a distributed run needs, from the slots' lifetimes as <see cref="MatMulPlan.HostBytes"/>
/// counts them for one process, restricted to the process's positions: its distinct input blocks (twice: the generated
/// host copy and the backend's), every other live slot's local blocks at the peak step, plus the largest written slot
/// once more for ring work copies and once more for received messages.
/// </summary>
internal static class ProcessMemory
{
    public static long Need(MatMulPlan plan, ProcessPlacement placement, int rank)
    {
        ExecutionPlan p = plan.Plan;
        IReadOnlyList<int> mine = placement.Positions(rank);
        var (first, last) = PlanExecutor.Lifetimes(p);
        long Local(string slot) => mine.Sum(x => p.Slots[slot].Bytes(x));
        long inputs = 0;
        foreach (string s in p.Inputs)
        {
            PlanSlot slot = p.Slots[s];
            inputs += 2 * mine.Select(x => slot.Extents[x]).Distinct().Sum(e => e.Elements * slot.ElementBytes);
        }

        long peak = 0;
        for (int i = 0; i <= p.Steps.Count; i++)
        {
            peak = Math.Max(peak, first.Keys.Where(s => !p.Inputs.Contains(s) && first[s] <= i && last.GetValueOrDefault(s, first[s]) >= i).Sum(Local));
        }

        long largest = p.Slots.Keys.Where(s => !p.Inputs.Contains(s)).Select(Local).DefaultIfEmpty(0).Max();
        return inputs + peak + (2 * largest);
    }
}
