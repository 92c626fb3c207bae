using System.Globalization;
using System.Numerics.Tensors;

namespace CloudMatrix.Compute.Tensors;

/// <summary>
/// The distribution of a seeded random tensor (<see cref="DenseTensor.Random{T}"/>). Values are drawn in double
/// precision and then rounded once to the element type.
/// </summary>
public sealed class RandomDistribution
{
    private RandomDistribution(RandomDistributionKind kind, double first, double second)
    {
        Kind = kind;
        First = first;
        Second = second;
    }

    /// <summary>Uniform on [-1, 1], the default of <see cref="DenseTensor.Random{T}"/>.</summary>
    public static RandomDistribution Default { get; } = new(RandomDistributionKind.Uniform, -1, 1);

    /// <summary>The standard normal distribution (mean 0, standard deviation 1).</summary>
    public static RandomDistribution StandardNormal { get; } = new(RandomDistributionKind.Normal, 0, 1);

    /// <summary>Which family this is.</summary>
    public RandomDistributionKind Kind { get; }

    /// <summary>The mean: (low + high) / 2 for a uniform distribution.</summary>
    public double Mean => Kind == RandomDistributionKind.Uniform ? (First / 2) + (Second / 2) : First;

    /// <summary>The standard deviation: (high - low) / sqrt(12) for a uniform distribution.</summary>
    public double StandardDeviation => Kind == RandomDistributionKind.Uniform ? (Second - First) / Math.Sqrt(12) : Second;

    /// <summary>The smallest value drawn: low, or negative infinity for a normal distribution.</summary>
    public double Low => Kind == RandomDistributionKind.Uniform ? First : double.NegativeInfinity;

    /// <summary>The largest value drawn: high, or positive infinity for a normal distribution.</summary>
    public double High => Kind == RandomDistributionKind.Uniform ? Second : double.PositiveInfinity;

    internal double First { get; }

    internal double Second { get; }

    /// <summary>Uniform on [<paramref name="low"/>, <paramref name="high"/>] (high itself only through rounding).</summary>
    /// <param name="low">The lower bound; finite.</param>
    /// <param name="high">The upper bound; finite, above <paramref name="low"/>, with a finite difference.</param>
    /// <returns>The distribution.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A bound is not finite, or high is not above low, or their
    /// difference overflows.</exception>
    public static RandomDistribution Uniform(double low, double high)
    {
        if (!double.IsFinite(low))
        {
            throw new ArgumentOutOfRangeException(nameof(low), low, $"low is {low}; it must be finite.");
        }

        if (!double.IsFinite(high) || !(high > low) || !double.IsFinite(high - low))
        {
            throw new ArgumentOutOfRangeException(nameof(high), high,
                $"high is {high} with low {low}; high must be finite, above low, and high - low must be finite.");
        }

        return new(RandomDistributionKind.Uniform, low, high);
    }

    /// <summary>Normal with the given mean and standard deviation (Marsaglia's polar method).</summary>
    /// <param name="mean">The mean; finite.</param>
    /// <param name="standardDeviation">The standard deviation; finite and at least 0.</param>
    /// <returns>The distribution.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The mean is not finite, or the standard deviation is negative
    /// or not finite.</exception>
    public static RandomDistribution Normal(double mean, double standardDeviation)
    {
        if (!double.IsFinite(mean))
        {
            throw new ArgumentOutOfRangeException(nameof(mean), mean, $"mean is {mean}; it must be finite.");
        }

        if (!double.IsFinite(standardDeviation) || standardDeviation < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(standardDeviation), standardDeviation,
                $"standardDeviation is {standardDeviation}; it must be finite and at least 0.");
        }

        return new(RandomDistributionKind.Normal, mean, standardDeviation);
    }

    /// <summary>A short description, e.g. <c>uniform(-1, 1)</c> or <c>normal(0, 1)</c>.</summary>
    /// <returns>The description.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{(Kind == RandomDistributionKind.Uniform ? "uniform" : "normal")}({First}, {Second})");

    /// <summary>Fills <paramref name="destination"/> with the next draws from this distribution, in order. Normal draws
    /// come in pairs, so callers that fill in chunks must use even chunk lengths (except the last) for the stream not
    /// to depend on the chunking.</summary>
    internal void Fill(ref Xoshiro256StarStar random, Span<double> destination)
    {
        if (Kind == RandomDistributionKind.Uniform)
        {
            for (int i = 0; i < destination.Length; i++)
            {
                destination[i] = random.NextDouble();
            }

            // low + (high - low) u as two separately rounded IEEE operations (never fused): the same bits everywhere.
            TensorPrimitives.Multiply(destination, Second - First, destination);
            TensorPrimitives.Add(destination, First, destination);
            return;
        }

        // Marsaglia's polar method: a point uniform in the unit disc gives two independent standard normals with
        // only a logarithm and a square root, both evaluated without libm (see DeterministicMath).
        for (int i = 0; i < destination.Length; i += 2)
        {
            double u, v, s;
            do
            {
                u = (2 * random.NextDouble()) - 1;
                v = (2 * random.NextDouble()) - 1;
                s = (u * u) + (v * v);
            }
            while (s >= 1 || s == 0);

            double factor = Math.Sqrt(-2 * DeterministicMath.Log(s) / s);
            destination[i] = u * factor;
            if (i + 1 < destination.Length)
            {
                destination[i + 1] = v * factor;
            }
        }

        TensorPrimitives.Multiply(destination, Second, destination);
        TensorPrimitives.Add(destination, First, destination);
    }
}
