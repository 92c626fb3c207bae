namespace CloudMatrix.Compute.Sharding;

/// <summary>DTensor's <c>Shard(dim)</c>: the mesh axis splits tensor dimension <see cref="Dim"/> into contiguous blocks.</summary>
/// <param name="Dim">The tensor dimension, 0-based.</param>
public sealed record Shard(int Dim) : Placement
{
    /// <summary>The DTensor form, e.g. <c>Shard(0)</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"Shard({Dim})";
}
