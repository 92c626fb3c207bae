using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Tests.Topology;

/// <summary>Bad input to <see cref="TopologyBuilder"/> and the presets: an argument exception naming the field, never a crash or a hang.</summary>
public class TopologyBuilderValidationTests
{
    private static readonly SystemSpec Four = TopologyBuilder.SingleSwitch(4, 1e9, 1e-6);

    private static TopologyBuilder Pair(Action<TopologyBuilder>? configure = null, LinkMedium medium = LinkMedium.Electrical, LinkNetwork network = LinkNetwork.ScaleUp)
    {
        var b = new TopologyBuilder("pair", Four.Npu);
        configure?.Invoke(b);
        b.AddDevice("a");
        b.AddDevice("b");
        b.AddLink("a", "b", 1e9, 1e-6, medium, network);
        return b;
    }

    [Fact]
    public void JoinWithANullPart_IsRefused_NamingThePart()
    {
        var first = Assert.Throws<ArgumentException>(() => TopologyBuilder.Join("j", [null!, Four]));
        var later = Assert.Throws<ArgumentException>(() => TopologyBuilder.Join("j", [Four, null!]));
        Assert.Equal("parts", first.ParamName);
        Assert.Equal("parts", later.ParamName);
        Assert.Contains("parts[0] is null", first.Message, StringComparison.Ordinal);
        Assert.Contains("parts[1] is null", later.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NullCommunication_IsRefused_InsteadOfANullReference()
    {
        var ex = Assert.Throws<ArgumentException>(() => Pair(b => b.Communication = null!).Build());
        Assert.Equal("communication", ex.ParamName);
        Assert.Contains("CommunicationCosts.Ideal", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UndefinedGranularity_IsRefused()
    {
        var ex = Assert.Throws<ArgumentException>(() => Pair(b => b.Granularity = (DeviceGranularity)99).Build());
        Assert.Equal("granularity", ex.ParamName);
        Assert.Contains("must be Npu or Die, was 99", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UndefinedLinkMediumOrNetwork_IsRefused_NamingTheLink()
    {
        var medium = Assert.Throws<ArgumentException>(() => Pair(medium: (LinkMedium)7).Build());
        var network = Assert.Throws<ArgumentException>(() => Pair(network: (LinkNetwork)7).Build());
        Assert.Equal("links[0].medium", medium.ParamName);
        Assert.Contains("electrical, optical or on_package, was 7", medium.Message, StringComparison.Ordinal);
        Assert.Equal("links[0].network", network.ParamName);
        Assert.Contains("scale_up or scale_out, was 7", network.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NullDeviceId_IsRefused_NamingTheField()
    {
        // It surfaced as ArgumentNullException 'key' from the system's id index.
        var b = new TopologyBuilder("nulls", Four.Npu);
        b.AddDevice("a");
        b.AddDevice(null!);
        var ex = Assert.Throws<ArgumentException>(b.Build);
        Assert.Equal("devices[1].id", ex.ParamName);
        Assert.Contains("must be a non-empty string", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SingleSwitchAboveMaxDevices_IsRefused_NamingDevices()
    {
        // It added devices one by one for minutes before running out of memory.
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => TopologyBuilder.SingleSwitch(int.MaxValue, 1e9, 0));
        Assert.Equal("devices", ex.ParamName);
        Assert.Contains($"valid: 1..{TopologyBuilder.MaxDevices}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HgxH100WithTooManyNodes_IsRefused_NamingNodes()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Systems.HgxH100(int.MaxValue));
        Assert.Equal("nodes", ex.ParamName);
        Assert.Contains($"valid: 1..{TopologyBuilder.MaxDevices / 8}", ex.Message, StringComparison.Ordinal);
    }
}
