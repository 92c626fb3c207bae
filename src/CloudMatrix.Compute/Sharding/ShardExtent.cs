namespace CloudMatrix.Compute.Sharding;

/// <summary>The block of a matrix one device holds: rows <c>[RowStart, RowStart + Rows)</c>, columns <c>[ColStart, ColStart + Cols)</c>.</summary>
/// <param name="RowStart">First global row.</param>
/// <param name="Rows">Number of rows (0 for an empty trailing shard of an uneven split).</param>
/// <param name="ColStart">First global column.</param>
/// <param name="Cols">Number of columns.</param>
public readonly record struct ShardExtent(int RowStart, int Rows, int ColStart, int Cols)
{
    /// <summary>Elements in the block.</summary>
    public long Elements => (long)Rows * Cols;

    /// <summary>Start along dimension <paramref name="dim"/> (0 rows, 1 columns).</summary>
    /// <param name="dim">0 or 1.</param>
    /// <returns>The start.</returns>
    public int Start(int dim) => dim == 0 ? RowStart : ColStart;

    /// <summary>Length along dimension <paramref name="dim"/>.</summary>
    /// <param name="dim">0 or 1.</param>
    /// <returns>The length.</returns>
    public int Length(int dim) => dim == 0 ? Rows : Cols;

    /// <summary>The compact form, e.g. <c>[0:128, 256:512]</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"[{RowStart}:{RowStart + Rows}, {ColStart}:{ColStart + Cols}]";
}
