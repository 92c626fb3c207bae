// PlanAndCompare: the planner ranks every strategy x mesh factorisation x reduction algorithm for one BF16 product
// on CloudMatrix384 and on GB200 NVL72, and the two bests are put side by side (simulated, no data is run).
// Run: dotnet run -c Release --project samples/PlanAndCompare
using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Sharding;
using CloudMatrix.Compute.Topology;

const int size = 4096;
var bests = new List<(SystemSpec System, PlanCandidate Best)>();
foreach (SystemSpec system in new[] { Systems.CloudMatrix384(), Systems.ByName("gb200-nvl72") })
{
    PlanRanking ranking = Planner.Rank(system, size, size, size);
    Console.WriteLine($"{system.Name}: {ranking.Candidates.Count} feasible candidates, {ranking.Refused.Count} refused, " +
        $"{ranking.Pruned.Count} pruned, ranked in {ranking.HostSeconds:F2} s of host time");
    Console.WriteLine($"  {"#",2} {"strategy",-18} {"mesh",-22} {"simulated",10} {"compute",9} {"exposed",9} {"sent/dev",10}");
    foreach (var (c, i) in ranking.Candidates.Take(5).Select((c, i) => (c, i)))
    {
        RunReport e = c.Estimate;
        Console.WriteLine($"  {i + 1,2} {c.Strategy,-18} {c.Mesh,-22} {e.SimulatedSeconds * 1e6,7:F1} us {e.ComputeSeconds * 1e6,6:F1} us {e.ExposedCommSeconds * 1e6,6:F1} us {ByteSize.Format(e.BytesPerDevice),10}");
    }

    Console.WriteLine($"  why the best won: {ranking.Why}");
    bests.Add((system, ranking.Best));
}

Console.WriteLine();
Console.WriteLine($"{size}^3 BF16, best plan per system:");
foreach (var (system, best) in bests)
{
    RunReport e = best.Estimate;
    Console.WriteLine($"  {system.Name,-16} {e.SimulatedSeconds * 1e6,8:F1} us  {e.Pflops,7:F1} PFLOPS  {e.EnergyJoules,7:F2} J  {best.Strategy} on {best.Mesh}");
}

double ratio = bests[0].Best.SimulatedSeconds / bests[1].Best.SimulatedSeconds;
Console.WriteLine($"  time on {bests[0].System.Name} / time on {bests[1].System.Name} = {ratio:F2} for this product");
return 0;
