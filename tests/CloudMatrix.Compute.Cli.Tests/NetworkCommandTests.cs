using System.Text.Json;
using CloudMatrix.Compute.Network;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Cli.Tests;

public class NetworkCommandTests
{
    private static string RepoFile(string relative)
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "CloudMatrix.Compute.sln")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        Assert.NotNull(dir);
        return Path.Combine(dir!, relative);
    }

    [Fact]
    public void Info_Json_ReproducesTheCloudMatrix384Table()
    {
        var (code, output, _) = CmxRunner.Run("info", "--system", "cloudmatrix384", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        JsonElement r = doc.RootElement;
        Assert.Equal(384, r.GetProperty("devices").GetInt32());
        Assert.InRange(r.GetProperty("bf16_pflops").GetDouble(), 297, 303);
        Assert.Equal(49.152, r.GetProperty("hbm_tb").GetDouble(), 9);
        Assert.Equal(1228.8, r.GetProperty("hbm_tbps").GetDouble(), 9);
        Assert.Equal(559, r.GetProperty("power_kw").GetDouble());
        Assert.Equal(8, r.GetProperty("cost_musd").GetDouble());
        Assert.Equal(6912, r.GetProperty("optical_transceivers").GetDouble());
    }

    [Fact]
    public void Info_Compare_Json_ListsBothSystems_AndTheirRatios()
    {
        var (code, output, _) = CmxRunner.Run("info", "--compare", "cloudmatrix384,gb200-nvl72", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        JsonElement systems = doc.RootElement.GetProperty("systems");
        Assert.Equal(2, systems.GetArrayLength());
        JsonElement nvl = systems[1];
        Assert.Equal(72, nvl.GetProperty("devices").GetInt32());
        Assert.InRange(nvl.GetProperty("bf16_pflops").GetDouble(), 178.2, 181.8);
        Assert.Equal(13.824, nvl.GetProperty("hbm_tb").GetDouble(), 9);
        Assert.Equal(576, nvl.GetProperty("hbm_tbps").GetDouble(), 9);
        Assert.Equal(145, nvl.GetProperty("power_kw").GetDouble());
        double ratio = doc.RootElement.GetProperty("ratio_first_over_second").GetProperty("bf16_pflops").GetDouble();
        Assert.Equal(300.0 / 180.0, ratio, 9);
    }

    [Fact]
    public void Info_Supernodes_SumsTheJoinedSystem()
    {
        var (code, output, _) = CmxRunner.Run("info", "--supernodes", "2", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(768, doc.RootElement.GetProperty("devices").GetInt32());
        Assert.Equal(1118, doc.RootElement.GetProperty("power_kw").GetDouble(), 9);
        // Scale-out: 768 NPU links x 2 + 768 leaf-spine links x 2 (the spine is shared, not doubled).
        Assert.Equal(2 * 5376 + 2 * 1536, doc.RootElement.GetProperty("optical_transceivers").GetDouble());
        Assert.Equal(2, CmxRunner.Run("info", "--supernodes", "0").Code);
        Assert.Equal(2, CmxRunner.Run("info", "--system", "gb200-nvl72", "--supernodes", "2").Code);
    }

    [Fact]
    public void Info_Human_PrintsTheTable()
    {
        var (code, output, _) = CmxRunner.Run("info", "--compare", "cloudmatrix384,gb200-nvl72");
        Assert.Equal(0, code);
        Assert.Contains("6,912", output, StringComparison.Ordinal);
        Assert.Contains("PFLOPS per kW", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Info_UnknownSystem_IsAUsageError_ListingTheValidNames()
    {
        var (code, _, err) = CmxRunner.Run("info", "--system", "tpu-v5p");
        Assert.Equal(2, code);
        Assert.Contains("tpu-v5p", err, StringComparison.Ordinal);
        Assert.Contains("gb200-nvl72", err, StringComparison.Ordinal);
        Assert.Equal(2, CmxRunner.Run("info", "--granularity", "core").Code);
    }

    [Fact]
    public void Simulate_SampleFlows_Json_MatchesTheLibrary()
    {
        string flows = RepoFile("samples/flows/ring-step-and-shuffle.json");
        var (code, output, err) = CmxRunner.Run("simulate", "--flows", flows, "--system", "cloudmatrix384", "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        SystemSpec s = Systems.CloudMatrix384();
        SimulationResult expected = new NetworkSimulator(s).Run(FlowFile.Load(flows, s));
        Assert.Equal(expected.TotalSeconds, doc.RootElement.GetProperty("simulated_seconds").GetDouble());
        Assert.Equal(11, doc.RootElement.GetProperty("flows").GetArrayLength());
        Assert.Equal(expected.FinishSeconds[10], doc.RootElement.GetProperty("flows")[10].GetProperty("finish_seconds").GetDouble());
        Assert.True(doc.RootElement.GetProperty("links").GetArrayLength() > 0);
    }

    [Fact]
    public void Simulate_WithFaults_IsSlower_AndBadFaultsAreUsageErrors()
    {
        string flows = RepoFile("samples/flows/ring-step-and-shuffle.json");
        double Seconds(params string[] extra)
        {
            var (code, output, err) = CmxRunner.Run(["simulate", "--flows", flows, "--json", .. extra]);
            Assert.True(code == 0, err);
            using var doc = JsonDocument.Parse(output);
            return doc.RootElement.GetProperty("simulated_seconds").GetDouble();
        }

        Assert.True(Seconds("--fault", "plane:0") > Seconds());
        Assert.True(Seconds("--fault", "plane:0@0.5") > Seconds());
        Assert.Equal(2, CmxRunner.Run("simulate", "--flows", flows, "--fault", "cable:3").Code);
        Assert.Equal(2, CmxRunner.Run("simulate", "--flows", flows, "--fault", "plane:3@2").Code);
        var (code, _, err) = CmxRunner.Run("simulate", "--flows", flows, "--fault", "switch:nope");
        Assert.Equal(2, code);
        Assert.Contains("nope", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Simulate_AllToAllPattern_IsBoundByEachNpusLinks()
    {
        var (code, output, err) = CmxRunner.Run("simulate", "--pattern", "all-to-all", "--bytes", "1e6", "--system", "gb200-nvl72", "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(72 * 71, doc.RootElement.GetProperty("flow_count").GetInt32());
        // Each GPU sends 71 MB over 900 GB/s; path latency 2 x 0.3 us.
        Assert.Equal(71e6 / 900e9 + 0.6e-6, doc.RootElement.GetProperty("simulated_seconds").GetDouble(), 15);
        Assert.Equal(2, CmxRunner.Run("simulate", "--pattern", "butterfly").Code);
        Assert.Equal(2, CmxRunner.Run("simulate").Code);
    }

    [Fact]
    public void Simulate_BadFlowFile_NamesFileAndPath()
    {
        string path = Path.Combine(Path.GetTempPath(), $"cmx-flows-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{ "format": "cmx-flows", "version": 1, "flows": [ { "source": 0, "destination": 999, "bytes": 1 } ] }""");
        try
        {
            var (code, _, err) = CmxRunner.Run("simulate", "--flows", path);
            Assert.Equal(2, code);
            Assert.Contains(path, err, StringComparison.Ordinal);
            Assert.Contains("flows[0].destination", err, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Simulate_DelaysAddingUpBeyondADouble_AreAUsageError_NotAHang()
    {
        string path = Path.Combine(Path.GetTempPath(), $"cmx-flows-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """
            { "format": "cmx-flows", "version": 1, "flows": [
              { "id": 0, "source": 0, "destination": 1, "bytes": 1e9, "delay_seconds": 1e308 },
              { "id": 1, "source": 1, "destination": 0, "bytes": 1e9, "delay_seconds": 1e308, "depends_on": [0] } ] }
            """);
        try
        {
            var (code, _, err) = CmxRunner.Run("simulate", "--flows", path, "--system", "gb200-nvl72");
            Assert.Equal(2, code);
            Assert.Contains("flows[1] (id 1)", err, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Simulate_LinksOf1e308BytesPerSecond_FinishAtTheLatency()
    {
        string path = Path.Combine(Path.GetTempPath(), $"cmx-topology-{Guid.NewGuid():N}.json");
        try
        {
            Assert.Equal(0, CmxRunner.Run("topology", "--torus", "4x4", "--link-gbps", "1e299", "--latency-us", "1", "--out", path).Code);
            var (code, output, err) = CmxRunner.Run("simulate", "--topology", path, "--pattern", "ring", "--bytes", "1e9", "--json");
            Assert.True(code == 0, err);
            // Device i to i+1 is one hop (1 us) or, at a row's end, two (the torus wraps); 1e9 B at 1e308 B/s takes 1e-299 s.
            double seconds = JsonDocument.Parse(output).RootElement.GetProperty("simulated_seconds").GetDouble();
            Assert.Equal(2e-6, seconds, 1e-15);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Topology_WritesAFile_ThatInfoReadsBack()
    {
        string path = Path.Combine(Path.GetTempPath(), $"cmx-topo-{Guid.NewGuid():N}.json");
        try
        {
            Assert.Equal(0, CmxRunner.Run("topology", "--torus", "4x6", "--out", path).Code);
            var (code, output, _) = CmxRunner.Run("info", "--topology", path, "--json");
            Assert.Equal(0, code);
            using var doc = JsonDocument.Parse(output);
            Assert.Equal(24, doc.RootElement.GetProperty("devices").GetInt32());
            Assert.Equal(0, CmxRunner.Run("topology", "--supernodes", "2", "--out", path).Code);
            Assert.Equal(768, TopologyFile.Load(path).DeviceCount);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
