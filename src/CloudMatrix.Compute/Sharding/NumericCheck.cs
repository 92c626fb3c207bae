namespace CloudMatrix.Compute.Sharding;

/// <summary>How a real run's C compared with the FP64 product of the same BF16 inputs.</summary>
/// <param name="CheckedElements">Elements compared.</param>
/// <param name="FullCheck">True when every element was compared, false for a seeded spot check of tiles.</param>
/// <param name="MaxAbsError">Largest |C - reference|.</param>
/// <param name="MaxAbsReference">Largest |reference| among the compared elements (the scale of relative errors).</param>
/// <param name="MaxBf16Ulp">Largest distance in BF16 units in the last place between C and the reference rounded to BF16.</param>
/// <param name="WorstBoundFraction">Largest error as a fraction of its element's bound (at most 1 when verified).</param>
/// <param name="ReplicasIdentical">Replicated copies of C are bit-identical.</param>
/// <param name="Verified">Every compared element within its bound and replicas identical.</param>
/// <param name="Host">Host times and backend.</param>
public sealed record NumericCheck(
    long CheckedElements, bool FullCheck, double MaxAbsError, double MaxAbsReference, int MaxBf16Ulp, double WorstBoundFraction,
    bool ReplicasIdentical, bool Verified, HostTimes? Host = null)
{
    /// <summary>Largest error relative to the largest |reference| (C's scale; per-element relative errors explode where C crosses zero).</summary>
    public double MaxRelError => MaxAbsReference > 0 ? MaxAbsError / MaxAbsReference : MaxAbsError;
}
