using System.Text.Json.Nodes;
using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Topology;
using CsCheck;

namespace CloudMatrix.Compute.Tests.Topology;

public class TopologyFileTests
{
    /// <summary>A random valid system: devices and switches on a random spanning tree plus extra links, awkward values.</summary>
    internal static SystemSpec RandomSystem(int seed)
    {
        var rng = new Random(seed);
        double Awkward() => rng.Next(4) switch
        {
            0 => 1.0 / (1 + rng.Next(9)),
            1 => Math.Pow(10, rng.Next(-9, 13)) * rng.NextDouble() + double.Epsilon,
            2 => rng.Next(1, 1000) * 1e9,
            _ => rng.NextDouble() * 1e12 + 1e-300,
        };

        var npu = new NpuSpec("npu \"x\" ü", 1 + rng.Next(3), Awkward(), Awkward(), Awkward(), Awkward(), rng.NextInt64(0, long.MaxValue), Awkward())
        {
            ScaleUpLinks = rng.Next(20),
            ScaleUpLinkBytesPerSecond = rng.Next(2) * Awkward(),
            ScaleOutBytesPerSecond = rng.Next(2) * Awkward(),
            DieToDieBytesPerSecond = rng.Next(2) * Awkward(),
        };
        var b = new TopologyBuilder("random-" + seed, npu)
        {
            Granularity = rng.Next(2) == 0 ? DeviceGranularity.Npu : DeviceGranularity.Die,
            Cpu = rng.Next(2) == 0 ? null : new CpuSpec("cpu", rng.Next(5), Awkward()),
            RackCount = rng.Next(20),
            PowerWatts = Awkward(),
            CostUsd = rng.Next(3) == 0 ? 0 : Awkward(),
        };
        if (rng.Next(2) == 0)
        {
            b.Source("power_watts", "a \\ source / with \"quotes\"\n");
        }

        int devices = 1 + rng.Next(8), switches = rng.Next(5);
        var ids = new List<string>();
        for (int i = 0; i < devices; i++)
        {
            ids.Add($"dev{i}");
            b.AddDevice($"dev{i}", node: rng.Next(3), supernode: 0, chip: rng.Next(-1, 5), die: rng.Next(-1, 2));
        }

        var chips = new[] { new SwitchChipSpec("a", 1 + rng.Next(64), Awkward()), new SwitchChipSpec("b", 1 + rng.Next(64), Awkward()) };
        for (int i = 0; i < switches; i++)
        {
            ids.Add($"sw{i}");
            b.AddSwitch(new SwitchSpec($"sw{i}", "tier" + rng.Next(3), chips[rng.Next(2)], rng.Next(-1, 3), rng.Next(-1, 1), rng.Next(-1, 7),
                rng.Next(3) == 0 ? null : "g" + rng.Next(2)));
        }

        int links = 0;
        void Link(string from, string to, LinkNetwork network) => b.AddLink(new LinkSpec($"link{links++}", from, to, Awkward(), rng.Next(3) == 0 ? 0 : Awkward() * 1e-18,
            (LinkMedium)rng.Next(3), network, rng.Next(5) * 0.5, rng.Next(-1, 7)) { PowerWatts = rng.Next(2) * Awkward() });
        // The spanning tree is scale-up: one supernode's flows route over scale-up links only, so the validator needs it.
        for (int i = 1; i < ids.Count; i++)
        {
            Link(ids[rng.Next(i)], ids[i], LinkNetwork.ScaleUp);
        }

        for (int k = rng.Next(6); k > 0 && ids.Count > 1; k--)
        {
            int x = rng.Next(ids.Count), y = rng.Next(ids.Count);
            if (x != y)
            {
                Link(ids[x], ids[y], (LinkNetwork)rng.Next(2));
            }
        }

        return b.Build();
    }

    private static void AssertSame(SystemSpec a, SystemSpec b)
    {
        Assert.Equal(a.Name, b.Name);
        Assert.Equal(a.Granularity, b.Granularity);
        Assert.Equal(a.Npu, b.Npu);
        Assert.Equal(a.Cpu, b.Cpu);
        Assert.Equal(a.NodeCount, b.NodeCount);
        Assert.Equal(a.RackCount, b.RackCount);
        Assert.Equal(a.SupernodeCount, b.SupernodeCount);
        Assert.Equal(a.PowerWatts, b.PowerWatts);
        Assert.Equal(a.CostUsd, b.CostUsd);
        Assert.Equal(a.Sources, b.Sources);
        Assert.Equal(a.Devices, b.Devices);
        Assert.Equal(a.Switches, b.Switches);
        Assert.Equal(a.Links, b.Links);
    }

    [Fact]
    public void SaveThenLoad_RoundTripsExactly_ForRandomSystems()
    {
        Gen.Int.Sample(seed =>
        {
            SystemSpec s = RandomSystem(seed);
            string text = TopologyFile.ToJson(s);
            SystemSpec back = TopologyFile.Parse(text, "random.json");
            AssertSame(s, back);
            Assert.Equal(text, TopologyFile.ToJson(back));
        }, iter: 200, threads: 1);
    }

    [Theory]
    [InlineData("cloudmatrix384", DeviceGranularity.Npu)]
    [InlineData("cloudmatrix384", DeviceGranularity.Die)]
    [InlineData("gb200-nvl72", DeviceGranularity.Npu)]
    [InlineData("hgx-h100", DeviceGranularity.Npu)]
    public void Presets_RoundTripThroughAFile(string name, DeviceGranularity g)
    {
        SystemSpec s = Systems.ByName(name, g);
        string path = Path.Combine(Path.GetTempPath(), $"cmx-{Guid.NewGuid():N}.json");
        try
        {
            TopologyFile.Save(s, path);
            SystemSpec back = TopologyFile.Load(path);
            AssertSame(s, back);
            Assert.Equal(File.ReadAllText(path), TopologyFile.ToJson(back));
            Assert.Equal(s.Summarize(), back.Summarize());
            Assert.Equal(s.Communication.Protocols, back.Communication.Protocols);
            Assert.Equal(s.Communication.InSwitch, back.Communication.InSwitch);
            Assert.Equal(s.Communication.InSwitchPipeline, back.Communication.InSwitchPipeline);
            Assert.Equal(s.Communication.ReducePipelineSlices, back.Communication.ReducePipelineSlices);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static TopologyFormatException Bad(Func<string, string> edit)
    {
        string text = edit(TopologyFile.ToJson(TopologyBuilder.SingleSwitch(3, 10e9, 1e-6)));
        return Assert.Throws<TopologyFormatException>(() => TopologyFile.Parse(text, "variant.json"));
    }

    [Fact]
    public void FileWithoutCommunication_LoadsWithIdealCosts_AndOneWithItKeepsThem()
    {
        SystemSpec plain = TopologyFile.Parse(TopologyFile.ToJson(TopologyBuilder.SingleSwitch(3, 10e9, 1e-6)), "plain.json");
        Assert.True(plain.Communication.IsIdeal);
        Assert.DoesNotContain("communication", TopologyFile.ToJson(plain), StringComparison.Ordinal);
        var costs = new CommunicationCosts
        {
            Protocols = [new CollectiveProtocol("Simple", 8.4e-6, new LinkClassCost(3.4e-6, 0.82), new LinkClassCost(14e-6, 0.92))],
            InSwitch = new CollectiveProtocol("NVLS", 4e-6, new LinkClassCost(1.8e-6, 0.69), LinkClassCost.Ideal),
            ReducePipelineSlices = 8,
            Source = "test",
        };
        SystemSpec back = TopologyFile.Parse(TopologyFile.ToJson(plain.WithCommunication(costs)), "costs.json");
        Assert.Equal(costs.Protocols, back.Communication.Protocols);
        Assert.Equal(costs.InSwitch, back.Communication.InSwitch);
        Assert.Null(back.Communication.InSwitchPipeline);
        Assert.Equal(8, back.Communication.ReducePipelineSlices);

        var piped = costs with { InSwitchPipeline = new InSwitchPipeline(32, 32, 131072, 3.1) { Source = "nvls" } };
        Assert.Equal(piped.InSwitchPipeline, TopologyFile.Parse(TopologyFile.ToJson(plain.WithCommunication(piped)), "piped.json").Communication.InSwitchPipeline);
    }

    [Theory]
    [InlineData("\"channels\": 32", "\"channels\": 0", "channels")]
    [InlineData("\"fill_loops\": 3.1", "\"fill_loops\": -1", "fill loops")]
    [InlineData("\"max_heads\": 32", "\"max_heads\": 32, \"heads\": 4", "heads")]
    public void BadInSwitchPipeline_IsRefusedWithItsPath(string good, string bad, string named)
    {
        string text = TopologyFile.ToJson(TopologyBuilder.SingleSwitch(3, 10e9, 1e-6).WithCommunication(new CommunicationCosts
        {
            InSwitchPipeline = new InSwitchPipeline(32, 32, 131072, 3.1),
        }));
        Assert.Contains(good, text, StringComparison.Ordinal);
        var ex = Assert.Throws<TopologyFormatException>(() => TopologyFile.Parse(text.Replace(good, bad, StringComparison.Ordinal), "nvls.json"));
        Assert.Contains("communication", ex.Message, StringComparison.Ordinal);
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CommunicationWithAnEfficiencyAboveOne_IsRefusedWithItsPath()
    {
        string text = TopologyFile.ToJson(TopologyBuilder.SingleSwitch(3, 10e9, 1e-6).WithCommunication(new CommunicationCosts
        {
            Protocols = [new CollectiveProtocol("Simple", 0, new LinkClassCost(0, 0.5), LinkClassCost.Ideal)],
        })).Replace("\"bandwidth_efficiency\": 0.5", "\"bandwidth_efficiency\": 1.5", StringComparison.Ordinal);
        var ex = Assert.Throws<TopologyFormatException>(() => TopologyFile.Parse(text, "costs.json"));
        Assert.Contains("communication", ex.Message, StringComparison.Ordinal);
        Assert.Contains("efficiency", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NegativeBandwidth_NamesFilePathAndReason()
    {
        var ex = Bad(t => ReplaceNth(t, "\"bandwidth_bytes_per_second\": 10000000000", "\"bandwidth_bytes_per_second\": -1", 1));
        Assert.Equal("variant.json", ex.FilePath);
        Assert.Equal("links[1].bandwidth_bytes_per_second", ex.JsonPath);
        Assert.Equal("variant.json: links[1].bandwidth_bytes_per_second: must be finite and > 0, was -1", ex.Message);
    }

    [Fact]
    public void ZeroBandwidth_NaN_Dangling_Duplicate_Disconnected_AreNamed()
    {
        Assert.Equal("links[0].bandwidth_bytes_per_second",
            Bad(t => ReplaceNth(t, "\"bandwidth_bytes_per_second\": 10000000000", "\"bandwidth_bytes_per_second\": 0", 0)).JsonPath);
        var nan = Bad(t => ReplaceNth(t, "\"latency_seconds\": 1E-06", "\"latency_seconds\": \"NaN\"", 2));
        Assert.Equal("links[2].latency_seconds", nan.JsonPath);
        Assert.Contains("was NaN", nan.Reason, StringComparison.Ordinal);
        var dangling = Bad(t => ReplaceNth(t, "\"to\": \"switch\"", "\"to\": \"swtich\"", 1));
        Assert.Equal("links[1].to", dangling.JsonPath);
        Assert.Contains("'swtich'", dangling.Reason, StringComparison.Ordinal);
        var duplicate = Bad(t => ReplaceNth(t, "\"id\": \"d2\"", "\"id\": \"d0\"", 0));
        Assert.Equal("devices[2].id", duplicate.JsonPath);
        Assert.Contains("devices[0]", duplicate.Reason, StringComparison.Ordinal);
        var disconnected = Bad(t => ReplaceNth(t, "\"from\": \"d2\"", "\"from\": \"d1\"", 0));
        Assert.Equal("devices[2]", disconnected.JsonPath);
        Assert.Contains("disconnected", disconnected.Reason, StringComparison.Ordinal);
        Assert.Equal("links[0].colour", Bad(t => t.Replace("\"medium\": \"electrical\"", "\"colour\": \"red\"", StringComparison.Ordinal)).JsonPath);
        Assert.Equal("version", Bad(t => t.Replace("\"version\": 1", "\"version\": 2", StringComparison.Ordinal)).JsonPath);
        Assert.Equal("$", Bad(t => t[..^5]).JsonPath);
    }

    [Fact]
    public void Builder_RefusesBadLinks_WithTheSamePaths()
    {
        var b = new TopologyBuilder("x", TopologyBuilder.IdealNpu);
        b.AddDevice("a");
        b.AddDevice("b");
        b.AddLink("a", "b", double.PositiveInfinity, 0);
        var ex = Assert.Throws<ArgumentException>(b.Build);
        Assert.Equal("links[0].bandwidth_bytes_per_second", ex.ParamName);
        Assert.Contains("was ∞", ex.Message.Replace("Infinity", "∞", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    /// <summary>
    /// Two 8-GPU nodes as a user would describe them: each GPU on 4 switches over 5, 4, 4 and 5 parallel NVLinks
    /// (added one by one through the builder, which names them from~to, from~to#1, ...) and one NIC to a spine.
    /// </summary>
    private static SystemSpec ParallelLinkSystem()
    {
        var b = new TopologyBuilder("two-hgx-like", TopologyBuilder.IdealNpu)
        {
            Communication = CommunicationPresets.NcclHopper,
        };
        var nvswitch = new SwitchChipSpec("nvswitch", 64, 25e9);
        b.AddSwitch(new SwitchSpec("spine", "spine", new SwitchChipSpec("spine", 16, 50e9), -1, -1, -1, null));
        int[] linksPerSwitch = [5, 4, 4, 5];
        for (int n = 0; n < 2; n++)
        {
            for (int s = 0; s < linksPerSwitch.Length; s++)
            {
                b.AddSwitch(new SwitchSpec($"n{n}.sw{s}", "nvswitch", nvswitch, n, n, -1, null));
            }

            for (int g = 0; g < 8; g++)
            {
                string gpu = $"n{n}.gpu{g}";
                b.AddDevice(gpu, n, n);
                for (int s = 0; s < linksPerSwitch.Length; s++)
                {
                    for (int k = 0; k < linksPerSwitch[s]; k++)
                    {
                        b.AddLink(gpu, $"n{n}.sw{s}", 25e9, 0.1e-6);
                    }
                }

                b.AddLink(gpu, "spine", 50e9, 0.5e-6, LinkMedium.Optical, LinkNetwork.ScaleOut);
            }
        }

        return b.Build();
    }

    /// <summary>
    /// The file of <paramref name="system"/> with every run of links id, id#1, ..., id#(N-1) that differ in nothing
    /// else written as one entry with "count": N (N > 1); returns the text and how many entries carry a count.
    /// </summary>
    private static (string Text, int Counted) WithCounts(SystemSpec system)
    {
        var root = JsonNode.Parse(TopologyFile.ToJson(system))!.AsObject();
        var links = root["links"]!.AsArray();
        var merged = new JsonArray();
        int counted = 0;
        for (int i = 0; i < links.Count;)
        {
            JsonObject first = links[i]!.AsObject();
            string id = (string)first["id"]!;
            int run = 1;
            while (i + run < links.Count && (string)links[i + run]!["id"]! == $"{id}#{run}" && SameButId(first, links[i + run]!.AsObject()))
            {
                run++;
            }

            JsonObject entry = first.DeepClone().AsObject();
            if (run > 1)
            {
                entry["count"] = run;
                counted++;
            }

            merged.Add(entry);
            i += run;
        }

        root["links"] = merged;
        return (root.ToJsonString(), counted);
    }

    private static bool SameButId(JsonObject a, JsonObject b) =>
        a.Count == b.Count && a.All(p => p.Key == "id" || JsonNode.DeepEquals(p.Value, b[p.Key]));

    [Fact]
    public void LinkCount_LoadsAsTheLinksListedOneByOne_AndTimesTheSame()
    {
        SystemSpec listed = ParallelLinkSystem();
        var (text, counted) = WithCounts(listed);
        Assert.Equal(2 * 8 * 4, counted);
        Assert.Contains("\"count\":5", text, StringComparison.Ordinal);
        SystemSpec fromCounts = TopologyFile.Parse(text, "counts.json");
        AssertSame(listed, fromCounts);
        Assert.Equal(TopologyFile.ToJson(listed), TopologyFile.ToJson(fromCounts));

        // The simulated collectives see the same fabric: equal to the last bit, across operations, algorithms and sizes.
        (CollectiveOperation Op, CollectiveAlgorithm Algorithm)[] cases =
        [
            (CollectiveOperation.AllReduce, CollectiveAlgorithm.Auto),
            (CollectiveOperation.AllReduce, CollectiveAlgorithm.Ring),
            (CollectiveOperation.AllReduce, CollectiveAlgorithm.DoubleBinaryTree),
            (CollectiveOperation.AllGather, CollectiveAlgorithm.Ring),
            (CollectiveOperation.SendReceive, CollectiveAlgorithm.Direct),
        ];
        foreach (var (op, algorithm) in cases)
        {
            foreach (long elements in new long[] { 2, 1 << 16, 1 << 26 })
            {
                var options = new CollectiveOptions { Group = op == CollectiveOperation.SendReceive ? [0, 8] : null };
                CollectiveTiming a = CloudMatrix.Compute.Collectives.Collective.Estimate(listed, op, elements, CollectiveDataType.Bf16, algorithm, options);
                CollectiveTiming b = CloudMatrix.Compute.Collectives.Collective.Estimate(fromCounts, op, elements, CollectiveDataType.Bf16, algorithm, options);
                Assert.Equal(a.SimulatedSeconds, b.SimulatedSeconds);
                Assert.Equal(a.Algorithm, b.Algorithm);
                Assert.True(a.SimulatedSeconds > 0);
            }
        }
    }

    [Fact]
    public void LinkCountOfOne_IsTheLinkItself_AndOldFilesLoadUnchanged()
    {
        string plain = TopologyFile.ToJson(TopologyBuilder.SingleSwitch(3, 10e9, 1e-6));
        string withOne = ReplaceNth(plain, "\"to\": \"switch\"", "\"to\": \"switch\", \"count\": 1", 1);
        AssertSame(TopologyFile.Parse(plain), TopologyFile.Parse(withOne));

        // An example file of the format as it was: every link is read as written, one link per entry.
        string path = Path.Combine(AppContext.BaseDirectory, "topologies", "mini-clos.json");
        SystemSpec sample = TopologyFile.Load(path);
        JsonArray written = JsonNode.Parse(File.ReadAllText(path))!["links"]!.AsArray();
        Assert.Equal(written.Count, sample.Links.Count);
        for (int i = 0; i < written.Count; i++)
        {
            Assert.Equal((string)written[i]!["id"]!, sample.Links[i].Id);
            Assert.Equal((string)written[i]!["from"]!, sample.Links[i].From);
            Assert.Equal((double)written[i]!["bandwidth_bytes_per_second"]!, sample.Links[i].BandwidthBytesPerSecond);
        }
    }

    [Fact]
    public void HgxSample_WithCounts_Has18NvLinksPerGpu()
    {
        SystemSpec node = TopologyFile.Load(Path.Combine(AppContext.BaseDirectory, "topologies", "hgx-h100-node.json"));
        Assert.Equal(8, node.Devices.Count);
        foreach (DeviceSpec gpu in node.Devices)
        {
            LinkSpec[] own = [.. node.Links.Where(l => l.From == gpu.Id)];
            Assert.Equal(18, own.Length);
            Assert.Equal(450e9, own.Sum(l => l.BandwidthBytesPerSecond));
            Assert.Equal([5, 4, 4, 5], own.GroupBy(l => l.To).Select(g => g.Count()));
        }
    }

    [Theory]
    [InlineData("0", "must be in 1..65536 (parallel identical links), was 0")]
    [InlineData("-3", "must be in 1..65536 (parallel identical links), was -3")]
    [InlineData("65537", "must be in 1..65536 (parallel identical links), was 65537")]
    [InlineData("2.5", "must be a whole number in 1..65536 (parallel identical links), was 2.5")]
    [InlineData("\"4\"", "must be a whole number in 1..65536 (parallel identical links), was \"4\"")]
    public void BadLinkCount_NamesFilePathValueAndRange(string value, string reason)
    {
        var ex = Bad(t => ReplaceNth(t, "\"to\": \"switch\"", $"\"to\": \"switch\", \"count\": {value}", 2));
        Assert.Equal("links[2].count", ex.JsonPath);
        Assert.Equal($"variant.json: links[2].count: {reason}", ex.Message);
    }

    [Fact]
    public void ErrorsAfterACountedLink_NameTheFilesEntry_NotTheExpandedIndex()
    {
        // links[0] stands for 6 links; the bad bandwidth of the file's links[2] is the 8th link of the system.
        var bandwidth = Bad(t => ReplaceNth(
            ReplaceNth(t, "\"to\": \"switch\"", "\"to\": \"switch\", \"count\": 6", 0),
            "\"bandwidth_bytes_per_second\": 10000000000", "\"bandwidth_bytes_per_second\": -1", 2));
        Assert.Equal("variant.json: links[2].bandwidth_bytes_per_second: must be finite and > 0, was -1", bandwidth.Message);

        // A later entry whose id is one a count generated is a duplicate of that entry.
        var duplicate = Bad(t => ReplaceNth(
            ReplaceNth(t, "\"to\": \"switch\"", "\"to\": \"switch\", \"count\": 3", 0),
            "\"id\": \"d2~switch\"", "\"id\": \"d0~switch#2\"", 0));
        Assert.Equal("links[2].id", duplicate.JsonPath);
        Assert.Equal("duplicate link id 'd0~switch#2' (also links[0])", duplicate.Reason);
    }

    private static string ReplaceNth(string text, string find, string replacement, int n)
    {
        int at = -1;
        for (int i = 0; i <= n; i++)
        {
            at = text.IndexOf(find, at + 1, StringComparison.Ordinal);
            Assert.True(at >= 0, $"'{find}' occurrence {n} not found");
        }

        return text[..at] + replacement + text[(at + find.Length)..];
    }
}
