using System.Diagnostics;
using CloudMatrix.Compute.Testing;
using CloudMatrix.Compute.Topology;
using CsCheck;
using Xunit.Abstractions;

namespace CloudMatrix.Compute.Tests.Topology;

/// <summary>
/// docs/errors.md for topology files: any text, however mangled, either loads (and then saves and reloads to an equal
/// text) or is a <see cref="TopologyFormatException"/> naming the source; nothing else is thrown and no case hangs.
/// </summary>
public class TopologyFuzzTests(ITestOutputHelper output)
{
    /// <summary>Generous: parsing and validating these small files takes well under a millisecond.</summary>
    private static readonly TimeSpan HangBound = TimeSpan.FromSeconds(20);

    private static readonly string[] Seeds =
    [
        TopologyFile.ToJson(TopologyBuilder.SingleSwitch(4, 1e9, 1e-6)),
        TopologyFile.ToJson(TopologyBuilder.Torus([3, 2], 2e9, 5e-7)),
        TopologyFile.ToJson(Systems.HgxH100(2)),
        TopologyFile.ToJson(TopologyFileTests.RandomSystem(7)),
        TopologyFile.ToJson(TopologyFileTests.RandomSystem(11)),
    ];

    internal static void OneCase(int seed)
    {
        var rng = new Random(seed);
        string text = JsonMutator.Mutate(Seeds[rng.Next(Seeds.Length)], rng);
        long start = Stopwatch.GetTimestamp();
        try
        {
            SystemSpec s = TopologyFile.Parse(text, "fuzz.json");
            string saved = TopologyFile.ToJson(s);
            Assert.Equal(saved, TopologyFile.ToJson(TopologyFile.Parse(saved, "resaved.json")));
            _ = s.Summarize();
        }
        catch (TopologyFormatException ex)
        {
            Assert.StartsWith("fuzz.json: ", ex.Message, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(ex.JsonPath));
        }
        catch (Exception ex)
        {
            Assert.Fail($"seed {seed}: {ex.GetType().Name} is outside the contract: {ex.Message}\n{text}");
        }

        TimeSpan took = Stopwatch.GetElapsedTime(start);
        Assert.True(took < HangBound, $"seed {seed}: took {took.TotalSeconds} s (hang detector)\n{text}");
    }

    private int Run(long iterations)
    {
        int cases = FuzzRun.Count(iterations, OneCase);
        output.WriteLine($"topology fuzz: {cases} cases, 0 violations");
        return cases;
    }

    [Fact]
    public void MutatedTopologyFiles_LoadOrFailWithAFormatError() => Assert.Equal(2000, Run(2000));

    [Theory]
    [InlineData(-6821706)] // an empty field name at the top level once gave an empty JSON path
    public void FoundCases_StayInsideTheContract(int seed) => OneCase(seed);

    [HeavyFact]
    public void MutatedTopologyFiles_LoadOrFailWithAFormatError_Heavy() => Assert.Equal(100_000, Run(100_000));
}
