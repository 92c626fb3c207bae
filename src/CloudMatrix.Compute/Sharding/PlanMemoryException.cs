namespace CloudMatrix.Compute.Sharding;

/// <summary>A real run would need more memory than its budget; nothing was allocated.</summary>
public sealed class PlanMemoryException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="needBytes">Bytes the run needs.</param>
    /// <param name="budgetBytes">Bytes the budget allows.</param>
    /// <param name="message">The message naming both and the ways out.</param>
    public PlanMemoryException(long needBytes, long budgetBytes, string message)
        : base(message)
    {
        NeedBytes = needBytes;
        BudgetBytes = budgetBytes;
    }

    /// <summary>Bytes the run needs.</summary>
    public long NeedBytes { get; }

    /// <summary>Bytes the budget allows.</summary>
    public long BudgetBytes { get; }
}
