namespace CloudMatrix.Compute.Execution;

/// <summary>
/// One node of a plan's DAG. Both interpreters walk the steps in list order (a topological order):
/// <c>MatMulPlan.Execute</c> runs them on real buffers, <c>MatMulPlan.Estimate</c> times them.
/// </summary>
/// <param name="Id">Index in the plan's step list.</param>
/// <param name="Name">What the step does, for reports and traces.</param>
/// <param name="DependsOn">Ids of the steps that must finish first (all lower than <paramref name="Id"/>).</param>
public abstract record PlanStep(int Id, string Name, IReadOnlyList<int> DependsOn);
