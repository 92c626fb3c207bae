namespace CloudMatrix.Compute.Numerics;

/// <summary>How far a computed result lies from its FP64 reference; see <see cref="ErrorMetrics"/> for the rules.</summary>
/// <param name="Count">Number of elements compared.</param>
/// <param name="MaxAbsoluteError">Largest |actual - reference| (same units as the data); +infinity when some
/// element is NaN on one side only or infinite on one side only.</param>
/// <param name="MaxRelativeError">Largest |actual - reference| / |reference| (dimensionless); an element whose
/// reference is 0 counts 0 when it is 0 too and +infinity otherwise.</param>
/// <param name="MaxBFloat16UlpDistance">Largest distance in bfloat16 units in the last place between the result and
/// the reference, both rounded to bfloat16 (0 means they round to the same bfloat16); <see cref="int.MaxValue"/> when
/// some element is NaN on one side only.</param>
/// <param name="IndexOfMaxAbsoluteError">Row-major index of the element with the largest absolute error (the first
/// if several tie), or -1 when there are no elements.</param>
/// <param name="NaNMismatchCount">Elements that are NaN on exactly one side.</param>
public sealed record ErrorReport(
    int Count,
    double MaxAbsoluteError,
    double MaxRelativeError,
    int MaxBFloat16UlpDistance,
    int IndexOfMaxAbsoluteError,
    int NaNMismatchCount);
