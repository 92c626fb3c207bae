namespace CloudMatrix.Compute.Numerics;

/// <summary>The widest vector a kernel may use; lets tests force each path on hardware that has wider ones.</summary>
internal enum SimdWidth
{
    /// <summary>No vectors: the scalar definition only.</summary>
    Scalar = 0,

    /// <summary>Up to <see cref="System.Runtime.Intrinsics.Vector128{T}"/>.</summary>
    Vector128 = 128,

    /// <summary>Up to <see cref="System.Runtime.Intrinsics.Vector256{T}"/>.</summary>
    Vector256 = 256,

    /// <summary>Up to <see cref="System.Runtime.Intrinsics.Vector512{T}"/> (the default: whatever the hardware has).</summary>
    Vector512 = 512,
}
