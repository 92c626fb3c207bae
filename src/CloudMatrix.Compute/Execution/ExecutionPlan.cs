using CloudMatrix.Compute.Sharding;

namespace CloudMatrix.Compute.Execution;

/// <summary>
/// A plan: slots (per-device buffers) and a DAG of steps over a mesh. The plan is data: strategies and
/// redistributions build it; <see cref="PlanEstimator"/> times it and the executor runs it, walking the same steps.
/// </summary>
public sealed class ExecutionPlan
{
    internal ExecutionPlan(DeviceMesh mesh, IReadOnlyDictionary<string, PlanSlot> slots, IReadOnlyList<PlanStep> steps, IReadOnlyList<string> inputs, string output)
    {
        Mesh = mesh;
        Slots = slots;
        Steps = steps;
        Inputs = inputs;
        Output = output;
    }

    /// <summary>The mesh.</summary>
    public DeviceMesh Mesh { get; }

    /// <summary>Slots by name.</summary>
    public IReadOnlyDictionary<string, PlanSlot> Slots { get; }

    /// <summary>Steps in a topological order.</summary>
    public IReadOnlyList<PlanStep> Steps { get; }

    /// <summary>Names of the input slots (bound to sharded tensors).</summary>
    public IReadOnlyList<string> Inputs { get; }

    /// <summary>Name of the output slot.</summary>
    public string Output { get; }
}
