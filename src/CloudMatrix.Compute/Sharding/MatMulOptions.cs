using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Timing;

namespace CloudMatrix.Compute.Sharding;

/// <summary>Options of <see cref="MatMul.Plan(DeviceMesh, int, int, int, Strategy, MatMulOptions?)"/>.</summary>
public sealed record MatMulOptions
{
    /// <summary>Allow shapes that do not divide over the mesh (torch.chunk semantics); the report states the padding waste.</summary>
    public bool Uneven { get; init; }

    /// <summary>
    /// Algorithm of the reductions (all-reduce, reduce-scatter): Ring, OneShot/Direct, or Auto (fastest by the model among
    /// those); BidirectionalRing and HalvingDoubling also work. Another value is refused by <see cref="MatMul"/>'s plans.
    /// </summary>
    public CollectiveAlgorithm ReduceAlgorithm { get; init; } = CollectiveAlgorithm.Auto;

    /// <summary>Roofline constants of the timed half.</summary>
    public TimingOptions Timing { get; init; } = TimingOptions.Default;

    /// <summary>The defaults.</summary>
    public static MatMulOptions Default { get; } = new();
}
