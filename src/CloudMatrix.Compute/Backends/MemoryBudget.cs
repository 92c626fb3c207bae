namespace CloudMatrix.Compute.Backends;

/// <summary>
/// The one memory budget of real runs, shared by the executor (<c>MatMulPlan.CheckMemory</c>) and by checked
/// collectives (<c>cmx collective --execute</c>): a fixed fraction of the memory a backend reports, so a run is
/// refused with a clear message before it allocates rather than failing half-way.
/// </summary>
public static class MemoryBudget
{
    /// <summary>The fraction of a backend's memory a real run may plan to hold (dimensionless, 0.75).</summary>
    public const double Fraction = 0.75;

    /// <summary>The budget on <paramref name="backend"/>: <paramref name="budgetBytes"/> when positive, else <see cref="Fraction"/> of <see cref="ComputeBackend.MemoryBytes"/>.</summary>
    /// <param name="backend">The backend that would run it.</param>
    /// <param name="budgetBytes">An explicit budget in bytes; 0 (or less) for the default.</param>
    /// <returns>The budget in bytes.</returns>
    public static long For(ComputeBackend backend, long budgetBytes = 0)
    {
        ArgumentNullException.ThrowIfNull(backend);
        return budgetBytes > 0 ? budgetBytes : (long)(backend.MemoryBytes * Fraction);
    }

    /// <summary>
    /// The budget of a run on the host (what the cpu-simd backend reports: the memory available to this process):
    /// <paramref name="budgetBytes"/> when positive, else <see cref="Fraction"/> of it.
    /// </summary>
    /// <param name="budgetBytes">An explicit budget in bytes; 0 (or less) for the default.</param>
    /// <returns>The budget in bytes.</returns>
    public static long Host(long budgetBytes = 0) =>
        budgetBytes > 0 ? budgetBytes : (long)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * Fraction);
}
