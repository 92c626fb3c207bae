using System.Text.Json;
using CloudMatrix.Compute.Topology;
using Json.Schema;

namespace CloudMatrix.Compute.Readme.Tests;

/// <summary>
/// docs/topology.schema.json and docs/flow.schema.json describe what the library writes and reads: every preset and
/// variant <c>TopologyFile</c> writes, and the samples, validate; files the readers refuse for a reason the schema
/// can see are refused by the schema too.
/// </summary>
public class DocsSchemaTests
{
    private static readonly string Root = FindRoot();

    private static JsonSchema Schema(string file) => JsonSchema.FromText(File.ReadAllText(Path.Combine(Root, "docs", file)));

    private static string Errors(EvaluationResults results) =>
        string.Join('\n', (results.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")));

    private static EvaluationResults Validate(JsonSchema schema, string json)
    {
        using var doc = JsonDocument.Parse(json);
        return schema.Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
    }

    public static TheoryData<string> Systems => ["cloudmatrix384", "cloudmatrix384-die", "cloudmatrix384x2", "gb200-nvl72", "torus-4x6", "single-switch"];

    private static SystemSpec Build(string name) => name switch
    {
        "cloudmatrix384-die" => Topology.Systems.CloudMatrix384(DeviceGranularity.Die),
        "cloudmatrix384x2" => Topology.Systems.CloudMatrix384Cluster(2),
        "torus-4x6" => TopologyBuilder.Torus([4, 6], 196e9, 1e-6),
        "single-switch" => TopologyBuilder.SingleSwitch(8, 392e9, 1e-6),
        _ => Topology.Systems.ByName(name),
    };

    [Theory]
    [MemberData(nameof(Systems))]
    public void EveryWrittenTopology_ValidatesAgainstTheSchema(string name)
    {
        var results = Validate(Schema("topology.schema.json"), TopologyFile.ToJson(Build(name)));
        Assert.True(results.IsValid, Errors(results));
    }

    [Fact]
    public void Samples_ValidateAgainstTheirSchemas()
    {
        foreach (string file in Directory.GetFiles(Path.Combine(Root, "samples", "topologies"), "*.json"))
        {
            var results = Validate(Schema("topology.schema.json"), File.ReadAllText(file));
            Assert.True(results.IsValid, $"{file}: {Errors(results)}");
        }

        foreach (string file in Directory.GetFiles(Path.Combine(Root, "samples", "flows"), "*.json"))
        {
            var results = Validate(Schema("flow.schema.json"), File.ReadAllText(file));
            Assert.True(results.IsValid, $"{file}: {Errors(results)}");
        }
    }

    [Theory]
    [InlineData("\"bandwidth_bytes_per_second\": 392000000000", "\"bandwidth_bytes_per_second\": -1")]
    [InlineData("\"format\": \"cmx-topology\"", "\"format\": \"cmx-topo\"")]
    [InlineData("\"medium\": \"electrical\"", "\"medium\": \"copper\"")]
    [InlineData("\"latency_seconds\": 1E-06", "\"latency_seconds\": 1E-06, \"colour\": \"red\"")]
    [InlineData("\"latency_seconds\": 1E-06", "\"latency_seconds\": 1E-06, \"count\": 0")]
    [InlineData("\"latency_seconds\": 1E-06", "\"latency_seconds\": 1E-06, \"count\": 1.5")]
    public void WhatTheReaderRefuses_TheSchemaRefusesToo(string good, string bad)
    {
        string text = TopologyFile.ToJson(TopologyBuilder.SingleSwitch(3, 392e9, 1e-6));
        Assert.Contains(good, text, StringComparison.Ordinal);
        string broken = text.Replace(good, bad, StringComparison.Ordinal);
        Assert.Throws<TopologyFormatException>(() => TopologyFile.Parse(broken));
        Assert.False(Validate(Schema("topology.schema.json"), broken).IsValid);
    }

    [Fact]
    public void SchemaField_IsAccepted_AndNonAsciiIsWrittenAsItIs()
    {
        string text = File.ReadAllText(Path.Combine(Root, "samples", "topologies", "mini-clos.json"))
            .Replace("\"format\": \"cmx-topology\"", "\"$schema\": \"../../docs/topology.schema.json\", \"format\": \"cmx-topology\"", StringComparison.Ordinal)
            .Replace("\"name\": \"mini-clos\"", "\"name\": \"mini-clos × 2 µ\"", StringComparison.Ordinal);
        Assert.True(Validate(Schema("topology.schema.json"), text).IsValid);
        SystemSpec system = TopologyFile.Parse(text);
        Assert.Equal("mini-clos × 2 µ", system.Name);
        string written = TopologyFile.ToJson(system);
        Assert.Contains("\"name\": \"mini-clos × 2 µ\"", written, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u", written, StringComparison.Ordinal);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CloudMatrix.Compute.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException($"No CloudMatrix.Compute.sln above {AppContext.BaseDirectory}.");
    }
}
