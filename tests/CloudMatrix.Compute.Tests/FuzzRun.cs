using CsCheck;

namespace CloudMatrix.Compute.Tests;

/// <summary>The fuzz classes' loop: run a case per random seed and count them.</summary>
internal static class FuzzRun
{
    /// <summary>The default CI run replays one fixed stream of cases (reproducible); the heavy run draws new ones every time.</summary>
    public const string DefaultRunSeed = "9pVCddZt3e23";

    /// <summary>Runs <paramref name="oneCase"/> <paramref name="iterations"/> times; returns the cases run.</summary>
    public static int Count(long iterations, Action<int> oneCase)
    {
        int cases = 0;
        Gen.Int.Sample(seed =>
        {
            oneCase(seed);
            Interlocked.Increment(ref cases);
        }, iter: iterations, seed: iterations <= 10_000 ? DefaultRunSeed : null);
        return cases;
    }
}
