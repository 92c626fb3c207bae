using CloudMatrix.Compute.Testing;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Cli.Tests;

/// <summary>
/// Regression tests of the hardening cases (docs/errors.md): each bad input is exit 2 naming the option as written, or
/// exit 1 with the need and the budget for memory; never an abort or an unnamed overflow.
/// </summary>
public sealed class HardeningTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cmx-harden-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string FilePath(string name) => Path.Combine(_dir, name);

    private static string Usage(int expectedCode, params string[] args)
    {
        var (code, output, err) = CmxRunner.Run(args);
        Assert.True(code == expectedCode, $"cmx {string.Join(' ', args)}: exit {code}, expected {expectedCode}\n{output}\n{err}");
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
        Assert.DoesNotContain("Arithmetic operation resulted in an overflow", err, StringComparison.Ordinal);
        return err;
    }

    private static void NeedAndBudget(string err)
    {
        Assert.Contains("needs about", err, StringComparison.Ordinal);
        Assert.Contains("memory budget is", err, StringComparison.Ordinal);
        Assert.Contains("CMX_MEMORY_BUDGET", err, StringComparison.Ordinal);
    }

    [Fact]
    public void InfoWithMaxSupernodes_IsRefusedByTheMemoryBudget_NotAnAbort()
    {
        string err = Usage(1, "info", "--supernodes", "2147483647");
        NeedAndBudget(err);
        Assert.Contains("2147483647 joined CloudMatrix384 supernodes", err, StringComparison.Ordinal);
    }

    [Fact]
    public void BenchGemm_RepeatBeyondItsRange_IsUsageErrorNamingRepeat()
    {
        string err = Usage(2, "bench", "gemm", "--m", "1", "--n", "1", "--k", "1", "--repeat", "2147483647");
        Assert.Contains("--repeat is 2147483647", err, StringComparison.Ordinal);
        Assert.Contains("1..100000", err, StringComparison.Ordinal);
    }

    [Fact]
    public void BenchGemm_OperandsBeyondTheBudget_AreRefusedWithNeedAndBudget()
    {
        // 2 (mk + kn) + 4 mn bytes = 8 x 46340^2 = 17,179,164,800 bytes: an exact need, above the 4 GiB default.
        string err = Usage(1, "bench", "gemm", "--m", "46340", "--n", "46340", "--k", "46340");
        NeedAndBudget(err);
        Assert.Contains("17,179,164,800 bytes", err, StringComparison.Ordinal);
    }

    [Fact]
    public void BenchGemm_ProductBeyondOneArray_IsUsageErrorNamingMAndN()
    {
        string err = Usage(2, "bench", "gemm", "--m", "65536", "--n", "65536", "--k", "1");
        Assert.Contains("--m 65536 x --n 65536", err, StringComparison.Ordinal);
        Assert.Contains("4,294,967,296 elements", err, StringComparison.Ordinal);
    }

    [Fact]
    public void BenchGemm_TooManyThreads_NamesThreadsNotTheKernelsProperty()
    {
        string err = Usage(2, "bench", "gemm", "--m", "1", "--n", "1", "--k", "1", "--threads", "100000");
        Assert.Contains("--threads is 100000", err, StringComparison.Ordinal);
        Assert.DoesNotContain("ThreadCount", err, StringComparison.Ordinal);
    }

    [Fact]
    public void SimulateAllToAllOn64Supernodes_IsRefusedByTheMemoryBudget()
    {
        // The joined system itself fits; its 24,576 x 24,575 flows do not.
        string err = Usage(1, "simulate", "--pattern", "all-to-all", "--supernodes", "64");
        NeedAndBudget(err);
        Assert.Contains("603,955,200 flows", err, StringComparison.Ordinal);
    }

    [Fact]
    public void TopologyTorus2000x2000_IsRefusedByTheMemoryBudget()
    {
        string err = Usage(1, "topology", "--torus", "2000x2000", "--out", FilePath("t.json"));
        NeedAndBudget(err);
        Assert.False(File.Exists(FilePath("t.json")));
    }

    [Fact]
    public void TopologyTorusBeyondMaxDevices_IsUsageErrorNamingTorus()
    {
        string err = Usage(2, "topology", "--torus", "100000x100000", "--out", FilePath("t.json"));
        Assert.Contains("--torus 100000x100000 has 10,000,000,000 devices", err, StringComparison.Ordinal);
    }

    [Fact]
    public void InfoCompareWithSupernodes_IsUsageError()
    {
        string err = Usage(2, "info", "--compare", "cloudmatrix384,gb200-nvl72", "--supernodes", "4");
        Assert.Contains("--supernodes", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("info")]
    [InlineData("simulate")]
    public void TopologyFileWithGranularity_IsUsageError(string verb)
    {
        string file = FilePath("t.json");
        Assert.Equal(0, CmxRunner.Run("topology", "--torus", "4x4", "--out", file).Code);
        string[] args = verb == "info"
            ? ["info", "--topology", file, "--granularity", "die"]
            : ["simulate", "--topology", file, "--granularity", "die", "--pattern", "ring"];
        string err = Usage(2, args);
        Assert.Contains("--granularity", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--system", "gb200-nvl72")]
    [InlineData("--supernodes", "2")]
    [InlineData("--granularity", "die")]
    public void TopologyTorusWithAPresetOption_IsUsageError(string option, string value)
    {
        string err = Usage(2, "topology", "--torus", "4x4", option, value, "--out", FilePath("t.json"));
        Assert.Contains(option, err, StringComparison.Ordinal);
        Assert.Contains("--torus", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--link-gbps", "5")]
    [InlineData("--latency-us", "2")]
    public void TopologyLinkOptionWithoutTorus_IsUsageError(string option, string value)
    {
        string err = Usage(2, "topology", option, value, "--out", FilePath("t.json"));
        Assert.Contains(option, err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--link-gbps", "-5", "was -5")]
    [InlineData("--link-gbps", "0", "was 0")]
    [InlineData("--link-gbps", "1e308", "was 1E+308")]
    [InlineData("--latency-us", "-1", "was -1")]
    public void TopologyLinkFiguresOutOfRange_NameTheOptionAndTheValueAsWritten(string option, string value, string shown)
    {
        string err = Usage(2, "topology", "--torus", "4x4", option, value, "--out", FilePath("t.json"));
        Assert.Contains(option, err, StringComparison.Ordinal);
        Assert.Contains(shown, err, StringComparison.Ordinal);
        Assert.DoesNotContain("bandwidthBytesPerSecond", err, StringComparison.Ordinal);
        Assert.DoesNotContain("latencySeconds", err, StringComparison.Ordinal);
    }

    [Fact]
    public void TopologyEmptyOut_NamesOut()
    {
        string err = Usage(2, "topology", "--out", "");
        Assert.Contains("--out", err, StringComparison.Ordinal);
        Assert.DoesNotContain("'path'", err, StringComparison.Ordinal);
    }

    [Fact]
    public void TopologyOutADirectory_IsUsageError_NotAccessDenied()
    {
        string err = Usage(2, "topology", "--out", _dir);
        Assert.Contains("is a directory", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("info", "--topology")]
    [InlineData("simulate", "--flows")]
    public void ADirectoryGivenForAFile_IsSaidToBeADirectory(string verb, string option)
    {
        string[] args = verb == "info" ? ["info", option, _dir] : ["simulate", option, _dir];
        string err = Usage(2, args);
        Assert.Contains($"{option}: '{_dir}' is a directory", err, StringComparison.Ordinal);
    }

    [Fact]
    public void TopologyFileWithLoneSurrogate_IsUsageErrorNamingFileAndPath()
    {
        string file = FilePath("s.json");
        File.WriteAllText(file, TopologyFile.ToJson(TopologyBuilder.SingleSwitch(2, 1e9, 1e-6)).Replace("\"single-switch\"", "\"\\ud800\"", StringComparison.Ordinal));
        string err = Usage(2, "info", "--topology", file);
        Assert.Contains(file + ": name:", err, StringComparison.Ordinal);
        Assert.Contains("surrogate", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"id\": \"x\"", "flows[0].id")]
    [InlineData("\"id\": 0, \"tag\": 5", "flows[0].tag")]
    [InlineData("\"id\": 0, \"tag\": \"\\udc00\"", "flows[0].tag")]
    public void FlowFileBadField_IsUsageErrorNamingFileAndPath(string fields, string path)
    {
        string file = FilePath("f.json");
        File.WriteAllText(file, $$"""{"format": "cmx-flows", "version": 1, "flows": [{ {{fields}}, "source": 0, "destination": 1, "bytes": 1e6 }]}""");
        string err = Usage(2, "simulate", "--flows", file);
        Assert.Contains($"{file}: {path}:", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"version\": \"one\"", "version")]
    [InlineData("\"version\": 1, \"extra\": true", "extra")]
    [InlineData("\"version\": 1, \"version\": 1", "version")]
    public void FlowFileBadTopLevel_IsUsageErrorNamingFile(string fields, string named)
    {
        string file = FilePath("f.json");
        File.WriteAllText(file, $$"""{"format": "cmx-flows", {{fields}}, "flows": []}""");
        string err = Usage(2, "simulate", "--flows", file);
        Assert.Contains(file, err, StringComparison.Ordinal);
        Assert.Contains(named, err, StringComparison.Ordinal);
    }

    [Fact]
    public void TopologyFileWithHugeCpuCount_IsRefused_NotPrintedNegative()
    {
        string file = FilePath("c.json");
        SystemSpec s = TopologyBuilder.SingleSwitch(4, 1e9, 1e-6);
        string json = TopologyFile.ToJson(s).Replace("\"cpu\": null", "\"cpu\": { \"name\": \"c\", \"count_per_node\": 2000000000 }", StringComparison.Ordinal);
        File.WriteAllText(file, json);
        string err = Usage(2, "info", "--topology", file);
        Assert.Contains("cpu.count_per_node", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Matmul_RealRunBeyondTheBudget_IsAFailureWithNeedAndBudget_NotAUsageError()
    {
        // docs/errors.md: the memory budget refusing the work is exit 1 (it was exit 2), with the need and the budget.
        string err = Usage(1, "matmul", "--m", "98304", "--n", "98304", "--k", "98304", "--backend", "cpu-simd");
        Assert.Contains("cmx: error: The real run of 98304 x 98304 x 98304", err, StringComparison.Ordinal);
        Assert.Contains("but the budget is", err, StringComparison.Ordinal);
        Assert.Contains("--estimate", err, StringComparison.Ordinal);
    }

    [Fact]
    public void MainJob_SizeNoPlanHolds_IsUsageErrorNamingSize()
    {
        // The memory estimate once wrapped negative here and passed the guard; now no candidate holds it.
        string err = Usage(2, "--size", "2147483616", "--estimate", "--compare", "none");
        Assert.StartsWith("cmx: --size 2147483616: No feasible plan", err, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter '", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_DimensionNear2Pow31_IsRankedOrRefused_NeverAnAggregateOfInternalErrors()
    {
        // Uneven shards of 2^31 - 1 rows once wrapped negative and every estimate threw (parameter 'elementsPerRank').
        var (code, output, err) = CmxRunner.Run("plan", "--system", "hgx-h100", "--m", "2147483647", "--n", "1", "--k", "1", "--json");
        Assert.True(code == 0, err);
        Assert.DoesNotContain("elementsPerRank", err + output, StringComparison.Ordinal);
        Assert.Contains("\"best\"", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData(",")]
    public void Plan_StrategiesNamingNone_IsUsageError(string strategies)
    {
        string err = Usage(2, "plan", "--system", "hgx-h100", "--strategies", strategies);
        Assert.Contains($"--strategies is '{strategies}', which names no strategy", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Matmul_AllDimensionsAt2Pow31_IsEstimated_NotAnUnnamedOverflow()
    {
        var (code, output, err) = CmxRunner.Run("matmul", "--m", "2147483647", "--n", "2147483647", "--k", "2147483647", "--uneven", "--estimate", "--json");
        Assert.True(code == 0, err);
        Assert.Contains("\"m\": 2147483647", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Matmul_NearestSizesOfAHugeDimension_AreNeverNegative()
    {
        string err = Usage(2, "matmul", "--m", "2147483647", "--n", "1", "--k", "1", "--strategy", "rows", "--estimate");
        Assert.Contains("nearest sizes that divide: 2147483520.", err, StringComparison.Ordinal);
        Assert.DoesNotContain("-2147483392", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Matmul_SpotCheckBeyondC_ChecksEveryElement_NotAnAbort()
    {
        var (code, output, err) = CmxRunner.Run("matmul", "--system", "hgx-h100", "--mesh", "x=8", "--strategy", "rows", "--m", "8", "--n", "8", "--k", "8",
            "--spot-check", "2147483647", "--backend", "cpu-simd", "--json");
        Assert.True(code == 0, err);
        Assert.Contains("\"checked_elements\": 64", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{partial: 1x}", "'1x' is not a mesh axis name")]
    [InlineData("x+None,", "'None' is not a mesh axis name")]
    public void Matmul_SpecWithANameThatIsNoAxis_IsUsageErrorNamingTheOption(string spec, string expected)
    {
        string err = Usage(2, "matmul", "--a-spec", spec, "--b-spec", ",", "--estimate");
        Assert.Contains("--a-spec: ", err, StringComparison.Ordinal);
        Assert.Contains(expected, err, StringComparison.Ordinal);
    }

    [Fact]
    public void Matmul_MeshOfHugeAxes_GivesNoWrappedCount()
    {
        string err = Usage(2, "matmul", "--mesh", "dp=2147483647,tp=2147483647,x=2147483647", "--estimate");
        Assert.Contains("more than 2^40 positions", err, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter '", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.5B")]
    [InlineData("1e-12GB")]
    [InlineData("1e300GB")]
    [InlineData("InfinityGB")]
    public void Matmul_MemoryBudgetBelowOneByteOrPast2To63_IsRefused_NotReadAsTheDefaultOrSaturated(string budget)
    {
        string err = Usage(2, "matmul", "--m", "8", "--n", "8", "--k", "8", "--mesh", "dp=2,tp=4", "--memory-budget", budget);
        Assert.Contains($"--memory-budget is '{budget}'; give a size from 1 byte to", err, StringComparison.Ordinal);
    }

    [HeavyFact]
    public void MainJob_NamedStrategyPrunedFromTheRanking_IsPlannedAlone_NotAnEmptyReason()
    {
        // rows is feasible for 46341^3 but pruned (its compute bound loses): the message once ended in ": " with no reason.
        var (code, output, err) = CmxRunner.Run("--size", "46341", "--strategy", "rows", "--estimate", "--compare", "none", "--json");
        Assert.True(code == 0, err);
        Assert.Contains("\"strategy\": \"rows\"", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--size", "0.5", "whole number")]
    [InlineData("--m", "2147483648", "whole number")]
    public void MainJob_UnparsableNumber_NamesTheOptionAndWhatIsValid_NotADotNetType(string option, string value, string valid)
    {
        string err = Usage(2, "--estimate", option, value);
        Assert.Contains($"{option} is '{value}'", err, StringComparison.Ordinal);
        Assert.Contains(valid, err, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Simulate_EmptyBytes_NamesBytesAndANumber()
    {
        string err = Usage(2, "simulate", "--pattern", "ring", "--bytes", "");
        Assert.Contains("--bytes is ''", err, StringComparison.Ordinal);
        Assert.DoesNotContain("System.Double", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("foo", "unknown strategy 'foo'")]
    [InlineData("rows,summa", "give one strategy")]
    [InlineData("specs", "'specs' is not a strategy the planner ranks")]
    public void MainJob_BadStrategy_NamesStrategyAsWritten(string value, string reason)
    {
        string err = Usage(2, "--estimate", "--size", "64", "--strategy", value);
        Assert.Contains("--strategy", err, StringComparison.Ordinal);
        Assert.DoesNotContain("--strategies", err, StringComparison.Ordinal);
        Assert.Contains(reason, err, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_StrategiesAuto_IsUsageError_NotAnEmptyFailure()
    {
        string err = Usage(2, "plan", "--m", "64", "--n", "64", "--k", "64", "--strategies", "auto");
        Assert.Contains("--strategies: 'auto'", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_DevicesZero_IsRefused_NotAllDevices()
    {
        string err = Usage(2, "plan", "--m", "64", "--n", "64", "--k", "64", "--devices", "0");
        Assert.Contains("--devices is 0", err, StringComparison.Ordinal);
        Assert.Contains("1..384", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--memory-budget", "", "--memory-budget is ''")]
    [InlineData("--memory-budget", " ", "--memory-budget is ' '")]
    public void Matmul_EmptyMemoryBudget_IsRefused_NotTheDefault(string option, string value, string expected)
    {
        string err = Usage(2, "matmul", "--m", "48", "--n", "48", "--k", "48", "--uneven", option, value);
        Assert.Contains(expected, err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--memory-budget", "8GB")]
    [InlineData("--spot-check", "3")]
    public void Matmul_EstimateWithARealRunOption_IsRefused_NotIgnored(string option, string value)
    {
        string err = Usage(2, "matmul", "--m", "48", "--n", "48", "--k", "48", "--uneven", "--estimate", option, value);
        Assert.Contains($"{option} {value} would be ignored", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Simulate_BytesWithAFlowFile_IsRefused_NotIgnored()
    {
        string file = FilePath("f.json");
        File.WriteAllText(file, """{ "format": "cmx-flows", "version": 1, "flows": [ { "source": 0, "destination": 1, "bytes": 8 } ] }""");
        string err = Usage(2, "simulate", "--flows", file, "--bytes", "5");
        Assert.Contains("--bytes", err, StringComparison.Ordinal);
        Assert.Contains("Drop --bytes", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Simulate_FaultNamingNothing_NamesFaultAsWritten()
    {
        string err = Usage(2, "simulate", "--pattern", "ring", "--fault", "plane:99");
        Assert.Contains("--fault 'plane:99'", err, StringComparison.Ordinal);
        Assert.DoesNotContain("faults[0]", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Collective_RootOfAnOperationWithoutOne_IsRefused_NotIgnored()
    {
        string err = Usage(2, "collective", "--op", "allreduce", "--ranks", "8", "--root", "3", "--max-bytes", "64");
        Assert.Contains("--root 3", err, StringComparison.Ordinal);
        Assert.Contains("allreduce has no root", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("info", "--system", "gb200-nvl72")]
    [InlineData("simulate", "--pattern", "ring", "--system", "hgx-h100")]
    [InlineData("collective", "--op", "allreduce", "--max-bytes", "64", "--system", "gb200-nvl72")]
    [InlineData("info", "--compare", "cloudmatrix384,gb200-nvl72")]
    public void GranularityDie_OnAPresetWithoutDies_IsRefused_NotChips(params string[] args)
    {
        string err = Usage(2, [.. args, "--granularity", "die"]);
        Assert.Contains("--granularity die", err, StringComparison.Ordinal);
        Assert.Contains("whole chips only", err, StringComparison.Ordinal);
    }
}
