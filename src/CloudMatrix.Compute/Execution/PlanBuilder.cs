using CloudMatrix.Compute.Sharding;

namespace CloudMatrix.Compute.Execution;

/// <summary>Collects slots and steps of a plan, numbering steps as they are added.</summary>
internal sealed class PlanBuilder(DeviceMesh mesh)
{
    private readonly Dictionary<string, PlanSlot> _slots = [];
    private readonly List<PlanStep> _steps = [];

    public DeviceMesh Mesh { get; } = mesh;

    public int Count => _steps.Count;

    public PlanSlot AddSlot(PlanSlot slot)
    {
        _slots.Add(slot.Name, slot);
        return slot;
    }

    public PlanSlot Slot(string name) => _slots[name];

    public int Gemm(string name, IReadOnlyList<GemmTask> tasks, params int[] deps) => Add(new GemmStep(_steps.Count, name, Clean(deps), tasks));

    public int Collective(string name, IReadOnlyList<CollectiveCall> calls, params int[] deps) => Add(new CollectiveStep(_steps.Count, name, Clean(deps), calls));

    public int Local(string name, LocalOperation op, string source, string destination, IReadOnlyList<string>? axes, params int[] deps) =>
        Add(new LocalStep(_steps.Count, name, Clean(deps), op, source, destination, axes));

    public ExecutionPlan Build(IReadOnlyList<string> inputs, string output) => new(Mesh, _slots, _steps.ToArray(), inputs, output);

    private int Add(PlanStep step)
    {
        _steps.Add(step);
        return step.Id;
    }

    private static int[] Clean(int[] deps) => deps.Where(d => d >= 0).Distinct().Order().ToArray();
}
