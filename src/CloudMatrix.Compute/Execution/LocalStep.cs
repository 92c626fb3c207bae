namespace CloudMatrix.Compute.Execution;

/// <summary>What a <see cref="LocalStep"/> does on every device, without communication.</summary>
public enum LocalOperation
{
    /// <summary>Copy each device's part of the source block into its destination block (slicing a replica, say).</summary>
    Slice,

    /// <summary>Narrow an FP32 slot to bfloat16 (round to nearest even).</summary>
    ToBFloat16,

    /// <summary>Replicate to Partial: coordinate 0 of the step's axes keeps the value, every other position holds zeros.</summary>
    ToPartial,
}

/// <summary>A step every device does on its own memory (no communication): slicing, conversion.</summary>
/// <param name="Id">Index in the plan.</param>
/// <param name="Name">What it does.</param>
/// <param name="DependsOn">Steps that must finish first.</param>
/// <param name="Operation">The operation.</param>
/// <param name="Source">Source slot.</param>
/// <param name="Destination">Destination slot.</param>
/// <param name="Axes">For <see cref="LocalOperation.ToPartial"/>: the mesh axes that become partial.</param>
public sealed record LocalStep(int Id, string Name, IReadOnlyList<int> DependsOn, LocalOperation Operation, string Source, string Destination, IReadOnlyList<string>? Axes = null)
    : PlanStep(Id, Name, DependsOn);
