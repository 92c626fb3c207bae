using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Tests.Collectives;

public class CollectiveGroupsTests
{
    private static readonly SystemSpec Cm384 = Systems.CloudMatrix384();

    [Fact]
    public void MeshAxis_48x8_AxisOneIsANode_AxisZeroTakesOneDeviceOfEveryNode()
    {
        Assert.Equal([16, 17, 18, 19, 20, 21, 22, 23], CollectiveGroups.MeshAxis(Cm384, [48, 8], 1, 19));
        Assert.Equal(CollectiveGroups.Node(Cm384, 2), CollectiveGroups.MeshAxis(Cm384, [48, 8], 1, 19));
        IReadOnlyList<int> column = CollectiveGroups.MeshAxis(Cm384, [48, 8], 0, 19);
        Assert.Equal(48, column.Count);
        Assert.Equal(Enumerable.Range(0, 48).Select(i => (8 * i) + 3), column);
        Assert.Equal(48, column.Select(d => Cm384.Devices[d].NodeIndex).Distinct().Count());
    }

    [Fact]
    public void MeshAxis_ThreeAxes_MiddleAxisHasTheInnerStride()
    {
        // Shape (4, 6, 16): device = 96 a + 16 b + c; through 100 = (1, 0, 4): axis 1 gives 96 + 16 b + 4.
        Assert.Equal([100, 116, 132, 148, 164, 180], CollectiveGroups.MeshAxis(Cm384, [4, 6, 16], 1, 100));
    }

    [Fact]
    public void BadMeshes_AreRefused()
    {
        Assert.Throws<ArgumentException>(() => CollectiveGroups.MeshAxis(Cm384, [48, 9], 0, 0));
        Assert.Throws<ArgumentException>(() => CollectiveGroups.MeshAxis(Cm384, [48, 0], 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => CollectiveGroups.MeshAxis(Cm384, [48, 8], 2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => CollectiveGroups.MeshAxis(Cm384, [4, 8], 0, 32));
        Assert.Throws<ArgumentOutOfRangeException>(() => CollectiveGroups.Node(Cm384, 48));
    }

    [Fact]
    public void AllReduceOverAMeshAxis_UsesOnlyThoseDevices()
    {
        IReadOnlyList<int> group = CollectiveGroups.MeshAxis(Cm384, [48, 8], 0, 5);
        float[][] buffers = [.. group.Select(d => Enumerable.Repeat((float)d, 4).ToArray())];
        var result = CloudMatrix.Compute.Collectives.Collective.AllReduce(Cm384, buffers, CollectiveAlgorithm.Ring, new CollectiveOptions { Group = group });
        Assert.All(result.Outputs, o => Assert.All(o, x => Assert.Equal(group.Sum(), x)));
        Assert.Equal(48, result.Timing.Ranks);
    }
}
