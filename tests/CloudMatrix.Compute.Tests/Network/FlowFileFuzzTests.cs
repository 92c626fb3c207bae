using System.Diagnostics;
using CloudMatrix.Compute.Network;
using CloudMatrix.Compute.Testing;
using CloudMatrix.Compute.Tests.Topology;
using CloudMatrix.Compute.Topology;
using CsCheck;
using Xunit.Abstractions;

namespace CloudMatrix.Compute.Tests.Network;

/// <summary>
/// docs/errors.md for flow files: any text either loads or is a <see cref="FormatException"/> naming the source; a
/// loaded list then simulates or is refused with an <see cref="ArgumentException"/> (duplicate id, unknown dependency,
/// cycle); nothing else is thrown and no case hangs.
/// </summary>
public class FlowFileFuzzTests(ITestOutputHelper output)
{
    private static readonly TimeSpan HangBound = TimeSpan.FromSeconds(20);

    private static readonly SystemSpec System4 = TopologyBuilder.SingleSwitch(4, 1e9, 1e-6);

    private static readonly string[] Seeds =
    [
        """
        {
          "format": "cmx-flows",
          "version": 1,
          "flows": [
            { "id": 0, "source": 0, "destination": 1, "bytes": 1e6, "tag": "a" },
            { "id": 1, "source": "d1", "destination": "d2", "bytes": 2e6, "depends_on": [0], "delay_seconds": 1e-6 },
            { "id": 2, "source": 3, "destination": 0, "bytes": 0, "depends_on": [0, 1] },
            { "source": 2, "destination": 2, "bytes": 5 }
          ]
        }
        """,
        FlowFile.ToJson([new Flow(0, 0, 3, 1e3), new Flow(1, 3, 0, 1e3) { DependsOn = [0], Tag = "back" }]),
    ];

    internal static void OneCase(int seed)
    {
        var rng = new Random(seed);
        string text = JsonMutator.Mutate(Seeds[rng.Next(Seeds.Length)], rng);
        long start = Stopwatch.GetTimestamp();
        IReadOnlyList<Flow>? flows = null;
        try
        {
            flows = FlowFile.Parse(text, System4, "fuzz.json");
        }
        catch (FormatException ex) when (ex.GetType() == typeof(FormatException))
        {
            Assert.StartsWith("fuzz.json: ", ex.Message, StringComparison.Ordinal);
        }
        catch (Exception ex)
        {
            Assert.Fail($"seed {seed}: {ex.GetType().Name} is outside the contract: {ex.Message}\n{text}");
        }

        if (flows is not null)
        {
            try
            {
                SimulationResult r = new NetworkSimulator(System4).Run(flows);
                Assert.True(r.TotalSeconds >= 0, $"seed {seed}: negative time");
            }
            catch (ArgumentException)
            {
            }
            catch (Exception ex)
            {
                Assert.Fail($"seed {seed}: simulating a loaded flow list threw {ex.GetType().Name}: {ex.Message}\n{text}");
            }
        }

        TimeSpan took = Stopwatch.GetElapsedTime(start);
        Assert.True(took < HangBound, $"seed {seed}: took {took.TotalSeconds} s (hang detector)\n{text}");
    }

    private int Run(long iterations)
    {
        int cases = FuzzRun.Count(iterations, OneCase);
        output.WriteLine($"flow-file fuzz: {cases} cases, 0 violations");
        return cases;
    }

    [Fact]
    public void MutatedFlowFiles_LoadOrFailWithAFormatError() => Assert.Equal(2000, Run(2000));

    [HeavyFact]
    public void MutatedFlowFiles_LoadOrFailWithAFormatError_Heavy() => Assert.Equal(100_000, Run(100_000));
}
