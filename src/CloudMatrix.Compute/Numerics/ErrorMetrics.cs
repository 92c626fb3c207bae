using CloudMatrix.Compute.Tensors;

namespace CloudMatrix.Compute.Numerics;

/// <summary>
/// Error of a computed result (bfloat16, float or double) against an FP64 reference: maximum absolute error,
/// maximum relative error and maximum bfloat16 ULP distance.
/// </summary>
/// <remarks>
/// Per element: two NaNs agree (error 0); a NaN on one side only is a mismatch (absolute and relative error +infinity,
/// ULP distance <see cref="int.MaxValue"/>, counted in <see cref="ErrorReport.NaNMismatchCount"/>); equal values,
/// equal infinities included, have error 0. The ULP distance is measured on the ordered-integer line of bfloat16 bit
/// patterns (negative patterns mirrored below zero, so +0 and -0 are both 0 and the largest finite value is one step
/// from infinity) after rounding both sides to bfloat16 once, to nearest even.
/// </remarks>
public static class ErrorMetrics
{
    private const int ChunkLength = 4096;

    /// <summary>Compares <paramref name="actual"/> with <paramref name="reference"/> element by element.</summary>
    /// <typeparam name="T">The result's element type: <see cref="BFloat16"/>, <see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="actual">The computed values.</param>
    /// <param name="reference">The FP64 reference; as many elements as <paramref name="actual"/>.</param>
    /// <returns>The maxima over all elements (all 0 for empty spans).</returns>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not a supported element type.</exception>
    public static ErrorReport Compare<T>(ReadOnlySpan<T> actual, ReadOnlySpan<double> reference)
        where T : unmanaged
    {
        ElementConvert.EnsureSupported<T>();
        if (actual.Length != reference.Length)
        {
            throw new ArgumentException(
                $"reference has {reference.Length} elements but actual has {actual.Length}; they must be equal.", nameof(reference));
        }

        var accumulator = new Accumulator();
        Span<double> widened = stackalloc double[Math.Min(ChunkLength, Math.Max(actual.Length, 1))];
        for (int start = 0; start < actual.Length; start += widened.Length)
        {
            int count = Math.Min(widened.Length, actual.Length - start);
            ElementConvert.Convert<T, double>(actual.Slice(start, count), widened[..count]);
            accumulator.Add(widened[..count], reference.Slice(start, count), start);
        }

        return accumulator.ToReport(actual.Length);
    }

    /// <summary>Compares two tensors of the same shape; see <see cref="Compare{T}(ReadOnlySpan{T}, ReadOnlySpan{double})"/>.</summary>
    /// <typeparam name="T">The result's element type.</typeparam>
    /// <param name="actual">The computed tensor.</param>
    /// <param name="reference">The FP64 reference of the same shape.</param>
    /// <returns>The maxima over all elements.</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public static ErrorReport Compare<T>(DenseTensor<T> actual, DenseTensor<double> reference)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(reference);
        if (!actual.Shape.SequenceEqual(reference.Shape))
        {
            throw new ArgumentException(
                $"reference has shape {Shapes.Format(reference.Shape)} but actual has {Shapes.Format(actual.Shape)}; they must match.",
                nameof(reference));
        }

        return Compare<T>(actual.Span, reference.Span);
    }

    /// <summary>Compares two matrix views of the same rows and columns (for example a shard of C against the same
    /// block of the reference); indices in the report are row-major within the view.</summary>
    /// <typeparam name="T">The result's element type.</typeparam>
    /// <param name="actual">The computed block.</param>
    /// <param name="reference">The FP64 reference block.</param>
    /// <returns>The maxima over all elements.</returns>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public static ErrorReport Compare<T>(MatrixView<T> actual, MatrixView<double> reference)
        where T : unmanaged
    {
        ElementConvert.EnsureSupported<T>();
        if (actual.Rows != reference.Rows || actual.Columns != reference.Columns)
        {
            throw new ArgumentException(
                $"reference is {reference.Rows} x {reference.Columns} but actual is {actual.Rows} x {actual.Columns}; they must match.",
                nameof(reference));
        }

        var accumulator = new Accumulator();
        var widened = new double[actual.Columns];
        for (int i = 0; i < actual.Rows; i++)
        {
            ElementConvert.Convert<T, double>(actual.Row(i), widened);
            accumulator.Add(widened, reference.Row(i), i * actual.Columns);
        }

        return accumulator.ToReport(actual.Length);
    }

    /// <summary>
    /// Distance between two bfloat16 values in units in the last place: the difference of their positions on the
    /// ordered-integer line of bit patterns (+0 and -0 share position 0; adjacent values, across zero and up to
    /// infinity, are 1 apart).
    /// </summary>
    /// <param name="a">A value.</param>
    /// <param name="b">Another value.</param>
    /// <returns>The distance, at most 65,280; <see cref="int.MaxValue"/> if exactly one is NaN, 0 if both are.</returns>
    public static int UlpDistance(BFloat16 a, BFloat16 b)
    {
        bool aNaN = BFloat16.IsNaN(a), bNaN = BFloat16.IsNaN(b);
        if (aNaN || bNaN)
        {
            return aNaN && bNaN ? 0 : int.MaxValue;
        }

        return Math.Abs(OrderedPosition(a) - OrderedPosition(b));
    }

    /// <summary>Position of a non-NaN pattern on the ordered-integer line: sign-magnitude bits to a signed integer.</summary>
    internal static int OrderedPosition(BFloat16 value)
    {
        int bits = value.ToBits();
        return (bits & 0x8000) != 0 ? -(bits & 0x7FFF) : bits;
    }

    private struct Accumulator
    {
        private double _maxAbsolute;
        private double _maxRelative;
        private int _maxUlp;
        private int _indexOfMax;
        private int _nanMismatches;

        public Accumulator() => _indexOfMax = -1;

        public void Add(ReadOnlySpan<double> actual, ReadOnlySpan<double> reference, int firstIndex)
        {
            for (int i = 0; i < actual.Length; i++)
            {
                double a = actual[i], r = reference[i];
                double absolute, relative;
                int ulp;
                if (double.IsNaN(a) || double.IsNaN(r))
                {
                    bool both = double.IsNaN(a) && double.IsNaN(r);
                    absolute = relative = both ? 0 : double.PositiveInfinity;
                    ulp = both ? 0 : int.MaxValue;
                    _nanMismatches += both ? 0 : 1;
                }
                else if (a == r)
                {
                    absolute = relative = 0;
                    ulp = 0;
                }
                else
                {
                    absolute = Math.Abs(a - r);
                    relative = r == 0 ? double.PositiveInfinity : absolute / Math.Abs(r);
                    ulp = UlpDistance((BFloat16)a, (BFloat16)r);
                }

                if (absolute > _maxAbsolute || _indexOfMax < 0)
                {
                    _maxAbsolute = absolute;
                    _indexOfMax = firstIndex + i;
                }

                _maxRelative = Math.Max(_maxRelative, relative);
                _maxUlp = Math.Max(_maxUlp, ulp);
            }
        }

        public readonly ErrorReport ToReport(int count) =>
            new(count, _maxAbsolute, _maxRelative, _maxUlp, _indexOfMax, _nanMismatches);
    }
}
