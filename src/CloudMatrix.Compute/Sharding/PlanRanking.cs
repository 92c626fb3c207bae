using System.Globalization;

namespace CloudMatrix.Compute.Sharding;

/// <summary>The planner's ranking: feasible candidates fastest first (by their estimates), the refused ones with reasons.</summary>
/// <param name="System">The system's name.</param>
/// <param name="M">Rows of C.</param>
/// <param name="N">Columns of C.</param>
/// <param name="K">Contracting dimension.</param>
/// <param name="Candidates">Feasible candidates, fastest first.</param>
/// <param name="Refused">Candidates that could not be used.</param>
/// <param name="HostSeconds">Host seconds the ranking took.</param>
public sealed record PlanRanking(string System, int M, int N, int K, IReadOnlyList<PlanCandidate> Candidates, IReadOnlyList<RefusedCandidate> Refused, double HostSeconds)
{
    /// <summary>Feasible candidates not estimated in full because their compute alone already takes as long as the best plan.</summary>
    public IReadOnlyList<RefusedCandidate> Pruned { get; init; } = [];

    /// <summary>The fastest candidate.</summary>
    /// <exception cref="InvalidOperationException">No candidate was feasible; the message lists why, per strategy.</exception>
    public PlanCandidate Best => Candidates.Count > 0 ? Candidates[0] : throw new InvalidOperationException(NoneFeasible());

    /// <summary>Why the best won: the term that separates it from the runner-up.</summary>
    public string Why
    {
        get
        {
            if (Candidates.Count == 0) return NoneFeasible();
            if (Candidates.Count == 1) return "the only feasible candidate";
            RunReport a = Candidates[0].Estimate, b = Candidates[1].Estimate;
            var c = CultureInfo.InvariantCulture;
            double dCompute = b.ComputeSeconds - a.ComputeSeconds, dExposed = b.ExposedCommSeconds - a.ExposedCommSeconds;
            string runner = $"{Candidates[1].Strategy} on {Candidates[1].Mesh}";
            return dExposed >= dCompute
                ? string.Format(c, "less exposed communication: {0:F1} us against {1:F1} us for the runner-up, {2}", a.ExposedCommSeconds * 1e6, b.ExposedCommSeconds * 1e6, runner)
                : string.Format(c, "less compute time: {0:F1} us against {1:F1} us for the runner-up, {2} (roofline and padding)", a.ComputeSeconds * 1e6, b.ComputeSeconds * 1e6, runner);
        }
    }

    private string NoneFeasible() =>
        $"No feasible plan for {M} x {N} x {K} on {System}: " +
        string.Join("; ", Refused.GroupBy(r => r.Strategy).Select(g => $"{g.Key}: {g.First().Reason}"));
}
