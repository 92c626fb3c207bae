namespace CloudMatrix.Compute.Memory;

/// <summary>
/// Work refused because its estimated memory exceeds <see cref="MemoryBudget"/>: the message says what needed it,
/// the need and the budget, and how to raise the budget. The command-line tool reports it with exit code 1.
/// </summary>
public sealed class MemoryBudgetExceededException : Exception
{
    /// <summary>Creates the exception for <paramref name="what"/> needing <paramref name="needBytes"/> of a <paramref name="budgetBytes"/> budget.</summary>
    /// <param name="what">What needed the memory, as the user asked for it.</param>
    /// <param name="needBytes">Estimated need, bytes.</param>
    /// <param name="budgetBytes">The budget, bytes.</param>
    public MemoryBudgetExceededException(string what, double needBytes, long budgetBytes)
        : base($"{what} needs about {MemoryBudget.Show(needBytes)} of memory; the memory budget is {MemoryBudget.Show(budgetBytes)}. " +
            $"Set {MemoryBudget.EnvironmentVariable} (e.g. {MemoryBudget.EnvironmentVariable}=16G) to raise it, or ask for less.")
    {
        What = what;
        NeedBytes = needBytes;
        BudgetBytes = budgetBytes;
    }

    /// <summary>Creates the exception with a message only.</summary>
    public MemoryBudgetExceededException() : this("the work", double.PositiveInfinity, MemoryBudget.DefaultBytes)
    {
    }

    /// <summary>Creates the exception with a message only.</summary>
    /// <param name="message">The message.</param>
    public MemoryBudgetExceededException(string message) : base(message)
    {
        What = message;
    }

    /// <summary>Creates the exception with a message and the inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public MemoryBudgetExceededException(string message, Exception innerException) : base(message, innerException)
    {
        What = message;
    }

    /// <summary>What needed the memory.</summary>
    public string What { get; }

    /// <summary>Estimated need, bytes.</summary>
    public double NeedBytes { get; }

    /// <summary>The budget in force, bytes.</summary>
    public long BudgetBytes { get; }
}
