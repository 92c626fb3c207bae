using CloudMatrix.Compute.Network;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Tests.Network;

/// <summary>The flow-file hardening cases: each is a <see cref="FormatException"/> naming the file and the JSON path.</summary>
public class FlowFileHardeningTests
{
    private static readonly SystemSpec System2 = TopologyBuilder.SingleSwitch(2, 1e9, 1e-6);

    private static string Refused(string json)
    {
        var ex = Assert.Throws<FormatException>(() => FlowFile.Parse(json, System2, "f.json"));
        Assert.StartsWith("f.json: ", ex.Message, StringComparison.Ordinal);
        return ex.Message;
    }

    private static string File1(string flowFields, string top = "\"version\": 1") =>
        $$"""{"format": "cmx-flows", {{top}}, "flows": [{ {{flowFields}}, "source": 0, "destination": 1, "bytes": 1e6 }]}""";

    [Theory]
    [InlineData("\"id\": \"x\"", "flows[0].id")]
    [InlineData("\"id\": [1]", "flows[0].id")]
    [InlineData("\"tag\": 5", "flows[0].tag")]
    [InlineData("\"tag\": \"\\ud800\"", "flows[0].tag")]
    [InlineData("\"\\ud800\": 1", "$")]
    [InlineData("\"id\": 0, \"id\": 1", "flows[0]")]
    [InlineData("\"delay_seconds\": 1e400", "flows[0].delay_seconds")]
    public void BadFlowField_NamesItsPath(string fields, string path) =>
        Assert.StartsWith($"f.json: {path}:", Refused(File1(fields)), StringComparison.Ordinal);

    [Theory]
    [InlineData("\"version\": \"1\"", "version")]
    [InlineData("\"version\": true", "version")]
    [InlineData("\"version\": 1, \"flow\": []", "flow")]
    public void BadTopLevel_NamesItsPath(string top, string path) =>
        Assert.StartsWith($"f.json: {path}:", Refused(File1("\"id\": 0", top)), StringComparison.Ordinal);

    [Fact]
    public void RepeatedKey_NamesTheObjectAndTheKey() =>
        Assert.StartsWith("f.json: flows[0]: the key 'bytes' appears more than once",
            Refused(File1("\"id\": 0, \"bytes\": 2")), StringComparison.Ordinal);

    [Fact]
    public void SourceIdWithLoneSurrogate_NamesItsPath() =>
        Assert.StartsWith("f.json: flows[0].source:",
            Refused("""{"format": "cmx-flows", "version": 1, "flows": [{ "source": "\udc00", "destination": 1, "bytes": 1 }]}"""),
            StringComparison.Ordinal);

    [Fact]
    public void NullTag_IsNoTag()
    {
        IReadOnlyList<Flow> flows = FlowFile.Parse(File1("\"tag\": null"), System2);
        Assert.Null(Assert.Single(flows).Tag);
    }
}
