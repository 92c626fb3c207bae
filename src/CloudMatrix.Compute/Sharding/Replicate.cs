namespace CloudMatrix.Compute.Sharding;

/// <summary>DTensor's <c>Replicate()</c>: every coordinate of the mesh axis holds the same values.</summary>
public sealed record Replicate : Placement
{
    /// <summary>The DTensor form, <c>Replicate()</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => "Replicate()";
}
