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

    /// <summary>
    /// Blocks of the matrix that <see cref="Random{T}"/> returns for shape <c>[rows, cols]</c>, the same seed and
    /// distribution, bit for bit, without holding the rest of it: the generator runs through the matrix in row-major
    /// order up to the last row a block needs, and only the requested blocks are stored. So a process of a distributed
    /// run builds its own shards of a seeded input in memory proportional to its shards (time proportional to the rows
    /// up to its last block; uniform draws outside every block are skipped without conversion).
    /// </summary>
    /// <typeparam name="T">The element type: <see cref="Numerics.BFloat16"/>, <see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="rows">Rows of the whole matrix; at least 0.</param>
    /// <param name="cols">Columns of the whole matrix; at least 0.</param>
    /// <param name="seed">The seed.</param>
    /// <param name="blocks">The blocks (first row, rows, first column, columns), each inside the matrix.</param>
    /// <param name="distribution">The distribution; null means <see cref="RandomDistribution.Default"/>.</param>
    /// <returns>One row-major array per block, in the order given.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="blocks"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative, a block lies outside the matrix, or a block
    /// has more elements than one array holds.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not a supported element type.</exception>
    public static T[][] RandomBlocks<T>(int rows, int cols, ulong seed, IReadOnlyList<(int RowStart, int Rows, int ColStart, int Cols)> blocks, RandomDistribution? distribution = null)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(blocks);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        distribution ??= RandomDistribution.Default;
        ElementConvert.EnsureSupported<T>();
        var result = new T[blocks.Count][];
        long end = 0;
        for (int b = 0; b < blocks.Count; b++)
        {
            var (r, h, c, w) = blocks[b];
            if (r < 0 || h < 0 || c < 0 || w < 0 || r + (long)h > rows || c + (long)w > cols)
            {
                throw new ArgumentOutOfRangeException(nameof(blocks), $"block {b} (rows {r}+{h}, columns {c}+{w}) lies outside the {rows} x {cols} matrix.");
            }

            long elements = (long)h * w;
            if (elements > Array.MaxLength)
            {
                throw new ArgumentOutOfRangeException(nameof(blocks),
                    $"block {b} ({h} x {w}) has {elements} elements; at most {Array.MaxLength} fit in one array: split it.");
            }
        }

        for (int b = 0; b < blocks.Count; b++)
        {
            var (r, h, c, w) = blocks[b];
            result[b] = new T[h * w];
            if (h > 0 && w > 0) end = Math.Max(end, ((long)(r + h) * cols));
        }

        long total = (long)rows * cols;
        if (end == 0) return result;

        // The same chunking as Random: normal draws come in pairs, so the stream depends on the chunk boundaries.
        var random = new Xoshiro256StarStar(seed);
        int length = (int)Math.Min(ChunkLength, total);
        var buffer = new double[length];
        var converted = new T[length];
        for (long start = 0; start < end; start += length)
        {
            int count = (int)Math.Min(length, total - start);
            long r0 = start / cols, r1 = (start + count - 1) / cols;
            bool needed = false;
            foreach (var (r, h, _, w) in blocks) needed |= w > 0 && r <= r1 && r + h - 1 >= r0;
            if (!needed && distribution.Kind == RandomDistributionKind.Uniform)
            {
                for (int i = 0; i < count; i++) random.NextUInt64(); // one draw per uniform element
                continue;
            }

            Span<double> chunk = buffer.AsSpan(0, count);
            distribution.Fill(ref random, chunk);
            if (!needed) continue;
            ElementConvert.Convert<double, T>(chunk, converted.AsSpan(0, count));
            for (int b = 0; b < blocks.Count; b++)
            {
                var (r, h, c, w) = blocks[b];
                for (long row = Math.Max(r0, r); row <= Math.Min(r1, r + h - 1); row++)
                {
                    long from = Math.Max(start, (row * cols) + c), to = Math.Min(start + count, (row * cols) + c + w);
                    if (to <= from) continue;
                    converted.AsSpan((int)(from - start), (int)(to - from)).CopyTo(result[b].AsSpan((int)(((row - r) * w) + (from - (row * cols) - c))));
                }
            }
        }

        return result;
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
