namespace CloudMatrix.Compute.Sharding;

/// <summary>DTensor's <c>Partial(sum)</c> (JAX: an unreduced axis): the value is the element-wise sum over the axis' coordinates.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716", Justification = "DTensor's own name; researchers search for it.")]
public sealed record Partial : Placement
{
    /// <summary>The DTensor form, <c>Partial(sum)</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => "Partial(sum)";
}
