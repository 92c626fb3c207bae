namespace CloudMatrix.Compute.Tensors;

/// <summary>Factories of <see cref="DenseTensor{T}"/>: seeded random tensors and wrapping an existing array.</summary>
public static class DenseTensor
{
    private const int ChunkLength = 4096; // even: normal draws come in pairs

    /// <summary>
    /// A tensor filled with seeded pseudo-random values, the same for a given seed, shape and distribution on every
    /// machine and runtime: the generator is xoshiro256** seeded through SplitMix64, normals come from Marsaglia's
    /// polar method with a logarithm built from IEEE basic operations only, and each value is drawn in double in
    /// row-major order and then rounded once to <typeparamref name="T"/>. So <c>Random&lt;BFloat16&gt;</c> equals
    /// <c>Random&lt;double&gt;</c> of the same seed rounded to bfloat16.
    /// </summary>
    /// <typeparam name="T">The element type: <see cref="Numerics.BFloat16"/>, <see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="shape">Extent of each axis; see <see cref="DenseTensor{T}(ReadOnlySpan{int})"/>.</param>
    /// <param name="seed">The seed; any value.</param>
    /// <param name="distribution">The distribution; null means <see cref="RandomDistribution.Default"/>, uniform on [-1, 1].</param>
    /// <returns>The new tensor.</returns>
    /// <exception cref="ArgumentException"><paramref name="shape"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative, or the element count overflows.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not a supported element type.</exception>
    public static DenseTensor<T> Random<T>(ReadOnlySpan<int> shape, ulong seed, RandomDistribution? distribution = null)
        where T : unmanaged
    {
        var tensor = new DenseTensor<T>(shape);
        distribution ??= RandomDistribution.Default;
        var random = new Xoshiro256StarStar(seed);
        Span<T> target = tensor.Span;
        var buffer = new double[Math.Min(ChunkLength, target.Length)];
        for (int start = 0; start < target.Length; start += buffer.Length)
        {
            int count = Math.Min(buffer.Length, target.Length - start);
            Span<double> chunk = buffer.AsSpan(0, count);
            distribution.Fill(ref random, chunk);
            ElementConvert.Convert<double, T>(chunk, target.Slice(start, count));
        }

        return tensor;
    }

    /// <summary>Wraps <paramref name="storage"/> as a tensor of the given shape without copying: writes through
    /// either are seen by both.</summary>
    /// <typeparam name="T">The element type: <see cref="Numerics.BFloat16"/>, <see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="storage">The elements in row-major order; exactly as many as the shape holds.</param>
    /// <param name="shape">Extent of each axis.</param>
    /// <returns>The tensor.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="storage"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="shape"/> is empty, or <paramref name="storage"/> has
    /// another length than the shape needs.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative, or the element count overflows.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not a supported element type.</exception>
    public static DenseTensor<T> Wrap<T>(T[] storage, params ReadOnlySpan<int> shape)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(storage);
        return new DenseTensor<T>(storage, shape);
    }
}
