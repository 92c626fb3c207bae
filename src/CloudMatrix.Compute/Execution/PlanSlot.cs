using CloudMatrix.Compute.Sharding;

namespace CloudMatrix.Compute.Execution;

/// <summary>
/// A named per-device buffer of a plan: the block of a global matrix each mesh position holds in it
/// (<see cref="Extents"/>, stored row-major and contiguous), in bfloat16 or FP32 (GEMM accumulators).
/// </summary>
/// <param name="Name">Name in traces and messages, e.g. <c>A</c>, <c>C.partial</c>, <c>A.panel.3</c>.</param>
/// <param name="Extents">The block each mesh position holds (index = mesh position).</param>
/// <param name="Fp32">FP32 elements instead of bfloat16.</param>
/// <param name="Layout">The sharding it realises, when it is one (inputs, outputs, redistributed tensors).</param>
public sealed record PlanSlot(string Name, IReadOnlyList<ShardExtent> Extents, bool Fp32 = false, TensorSharding? Layout = null)
{
    /// <summary>Bytes per element: 4 for FP32, 2 for bfloat16.</summary>
    public int ElementBytes => Fp32 ? 4 : 2;

    /// <summary>Bytes mesh position <paramref name="position"/> holds in this slot.</summary>
    /// <param name="position">A mesh position.</param>
    /// <returns>Bytes.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is not a mesh position of the slot.</exception>
    public long Bytes(int position)
    {
        if ((uint)position >= (uint)Extents.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(position), position,
                $"position is {position}; slot {Name} holds mesh positions 0..{Extents.Count - 1}.");
        }

        return Extents[position].Elements * ElementBytes;
    }

    /// <summary>A slot holding <paramref name="layout"/>'s blocks.</summary>
    /// <param name="name">The slot's name.</param>
    /// <param name="layout">The sharding.</param>
    /// <param name="fp32">FP32 elements.</param>
    /// <returns>The slot.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="layout"/> is null.</exception>
    public static PlanSlot Of(string name, TensorSharding layout, bool fp32 = false)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(layout);
        return new PlanSlot(name, Enumerable.Range(0, layout.Mesh.Size).Select(layout.Extent).ToArray(), fp32, layout);
    }
}
