using CloudMatrix.Compute.Sharding;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Mpi.Tests;

public class PlacementTests
{
    [Theory]
    [InlineData(2, 192)]
    [InlineData(4, 96)]
    [InlineData(48, 8)]
    public void Contiguous_On384_GivesOuterAxisBlocks_AndKeepsNodesWhole(int processes, int perProcess)
    {
        DeviceMesh mesh = Systems.CloudMatrix384().Mesh(("dp", 48), ("tp", 8));
        var placement = ProcessPlacement.Contiguous(mesh, processes);
        for (int r = 0; r < processes; r++)
        {
            Assert.Equal(Enumerable.Range(r * perProcess, perProcess), placement.Positions(r));
        }

        for (int p = 0; p < mesh.Size; p++)
        {
            int node = mesh.System.Devices[mesh.Devices[p]].NodeIndex;
            Assert.All(Enumerable.Range(0, mesh.Size).Where(q => mesh.System.Devices[mesh.Devices[q]].NodeIndex == node), q => Assert.Equal(placement.RankOf(p), placement.RankOf(q)));
        }

        Assert.Contains($"rank {processes - 1}: positions {mesh.Size - perProcess}-{mesh.Size - 1}", placement.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Contiguous_UnevenOuterAxis_GivesTheFirstProcessesOneMoreSlice()
    {
        DeviceMesh mesh = Systems.CloudMatrix384().Mesh(("dp", 48), ("tp", 8));
        var placement = ProcessPlacement.Contiguous(mesh, 5);
        Assert.Equal([80, 80, 80, 72, 72], Enumerable.Range(0, 5).Select(r => placement.Positions(r).Count));
    }

    [Fact]
    public void Contiguous_SplittingANode_IsRefusedUnlessAllowed()
    {
        DeviceMesh mesh = TestSystems.Mesh(TestSystems.Ideal(36), "x=6,y=6");
        var ex = Assert.Throws<ArgumentException>(() => ProcessPlacement.Contiguous(mesh, 4));
        Assert.Contains("split node", ex.Message, StringComparison.Ordinal);
        var allowed = ProcessPlacement.Contiguous(mesh, 4, allowNodeSplit: true);
        Assert.Equal([9, 9, 9, 9], Enumerable.Range(0, 4).Select(r => allowed.Positions(r).Count));
    }

    [Fact]
    public void Contiguous_MoreProcessesThanDevices_IsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ProcessPlacement.Contiguous(TestSystems.Mesh(TestSystems.Ideal(8), "x=2,y=4"), 9));
}
