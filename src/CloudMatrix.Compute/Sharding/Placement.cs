namespace CloudMatrix.Compute.Sharding;

/// <summary>
/// How a tensor lies along one mesh axis, in PyTorch DTensor's vocabulary: <see cref="Shard"/> (split along a tensor
/// dimension), <see cref="Replicate"/> (a full copy on every coordinate), <see cref="Partial"/> (a summand on every
/// coordinate: the value is the sum). Convert to and from JAX's form with <see cref="PartitionSpec.ToPlacements"/>
/// and <see cref="PartitionSpec.FromPlacements"/>.
/// </summary>
public abstract record Placement
{
    private protected Placement()
    {
    }
}
