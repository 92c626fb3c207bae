namespace CloudMatrix.Compute.Testing;

/// <summary>
/// A test too slow for the default run (CI has 2 cores and a time limit). It is reported as skipped unless the
/// environment variable <c>CMX_HEAVY_TESTS=1</c> is set: <c>CMX_HEAVY_TESTS=1 dotnet test CloudMatrix.Compute.sln -c Release</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class HeavyFactAttribute : FactAttribute
{
    /// <summary>Whether heavy tests were asked for in this run.</summary>
    public static bool Enabled => Environment.GetEnvironmentVariable("CMX_HEAVY_TESTS") == "1";

    /// <summary>Marks the test heavy; skipped unless <c>CMX_HEAVY_TESTS=1</c>.</summary>
    public HeavyFactAttribute()
    {
        if (!Enabled)
        {
            Skip = "heavy test: set CMX_HEAVY_TESTS=1 to run it";
        }
    }
}

/// <summary>The theory form of <see cref="HeavyFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class HeavyTheoryAttribute : TheoryAttribute
{
    /// <summary>Marks the theory heavy; skipped unless <c>CMX_HEAVY_TESTS=1</c>.</summary>
    public HeavyTheoryAttribute()
    {
        if (!HeavyFactAttribute.Enabled)
        {
            Skip = "heavy test: set CMX_HEAVY_TESTS=1 to run it";
        }
    }
}
