using CloudMatrix.Compute.Collectives;

namespace CloudMatrix.Compute.Sharding;

/// <summary>One feasible candidate of a ranking, with the estimate it was ranked by.</summary>
/// <param name="Plan">The plan (execute it with <see cref="MatMulPlan.Execute"/>).</param>
/// <param name="ReduceAlgorithm">The algorithm of its reductions (Ring or OneShot; Auto where it has none).</param>
/// <param name="Estimate">What <see cref="MatMulPlan.Estimate"/> returned.</param>
/// <param name="Refined">True when <paramref name="Estimate"/> is the full model's estimate (always, for listed candidates).</param>
public sealed record PlanCandidate(MatMulPlan Plan, CollectiveAlgorithm ReduceAlgorithm, RunReport Estimate, bool Refined)
{
    /// <summary>Strategy name.</summary>
    public string Strategy => Plan.Strategy.Name;

    /// <summary>The mesh, compact form.</summary>
    public string Mesh => Plan.Mesh.ToString();

    /// <summary>Simulated seconds (the ranking key).</summary>
    public double SimulatedSeconds => Estimate.SimulatedSeconds;
}
