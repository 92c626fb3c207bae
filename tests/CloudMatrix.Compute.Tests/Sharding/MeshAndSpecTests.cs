using CloudMatrix.Compute.Sharding;
using CloudMatrix.Compute.Topology;
using static CloudMatrix.Compute.Sharding.PartitionSpec;

namespace CloudMatrix.Compute.Tests.Sharding;

public class MeshAndSpecTests
{
    private static readonly SystemSpec Cm384 = Systems.CloudMatrix384();

    [Theory]
    [InlineData("dp=48,tp=8", "mesh{dp=48, tp=8}")]
    [InlineData("x=16,y=24", "mesh{x=16, y=24}")]
    [InlineData("x=8,y=8,z=6", "mesh{x=8, y=8, z=6}")]
    [InlineData("a=4,b=96", "mesh{a=4, b=96}")]
    public void Mesh_AnyFactorisation_PrintsCompactly(string text, string printed) =>
        Assert.Equal(printed, DeviceMesh.Parse(Cm384, text).ToString());

    [Fact]
    public void Mesh_InnermostAxis_StaysInsideANode()
    {
        var mesh = Cm384.Mesh(("dp", 48), ("tp", 8));
        foreach (int[] g in mesh.Groups("tp"))
        {
            Assert.Single(g.Select(p => Cm384.Devices[mesh.Devices[p]].NodeIndex).Distinct());
        }

        Assert.Equal(48, mesh.Groups("tp").Count);
        Assert.Equal(8, mesh.Groups("dp").Count);
        Assert.Equal(new[] { 3, 11, 19 }, mesh.Groups("dp")[3].Take(3));
    }

    [Fact]
    public void Mesh_WrongProduct_NamesSizesAndFactorisations()
    {
        var ex = Assert.Throws<ArgumentException>(() => DeviceMesh.Parse(Cm384, "dp=48,tp=4"));
        Assert.Contains("192", ex.Message);
        Assert.Contains("384", ex.Message);
        Assert.Contains("192x2", ex.Message);
    }

    [Fact]
    public void Mesh_SubsetAndCustomOrder_Accepted()
    {
        var mesh = DeviceMesh.Create(Cm384, [("x", 2), ("y", 2)], [8, 0, 16, 24]);
        Assert.Equal(new[] { 8, 0, 16, 24 }, mesh.Devices);
        Assert.Throws<ArgumentException>(() => DeviceMesh.Create(Cm384, [("x", 2)], [5, 5]));
        Assert.Throws<ArgumentException>(() => DeviceMesh.Create(Cm384, [("x", 2)], [5, 999]));
    }

    [Fact]
    public void Spec_AxisUsedTwice_Refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => P("dp", "dp"));
        Assert.Contains("'dp' twice", ex.Message);
        Assert.Throws<FormatException>(() => Parse("tp,tp"));
    }

    [Fact]
    public void Spec_UnknownAxis_NamesTheMeshAxes()
    {
        var mesh = Cm384.Mesh(("dp", 48), ("tp", 8));
        var ex = Assert.Throws<ArgumentException>(() => new TensorSharding("A", 96, 96, mesh, P("pp", null)));
        Assert.Contains("'pp'", ex.Message);
        Assert.Contains("dp, tp", ex.Message);
    }

    [Fact]
    public void Spec_ParsesTheCliForms()
    {
        Assert.Equal(P("dp", "tp"), Parse("dp,tp"));
        Assert.Equal(P("tp", null), Parse("tp,"));
        Assert.Equal(P(new[] { "dp", "tp" }, null), Parse("(dp tp),"));
        Assert.Equal(P(new[] { "dp", "tp" }, null), Parse("dp+tp,None"));
        Assert.Equal(P("dp", null).WithPartial("tp"), Parse("dp,{partial: tp}"));
        Assert.Throws<FormatException>(() => Parse("dp,tp,x"));
    }

    [Fact]
    public void Placements_RoundTripBothVocabularies()
    {
        var mesh = Cm384.Mesh(("dp", 48), ("tp", 8));
        var spec = P("dp", null).WithPartial("tp");
        Placement[] placements = spec.ToPlacements(mesh);
        Assert.Equal(new Placement[] { new Shard(0), new Partial() }, placements);
        Assert.Equal(spec, FromPlacements(mesh, placements, 2));
        var both = P(new[] { "dp", "tp" }, null);
        Assert.Equal(new Placement[] { new Shard(0), new Shard(0) }, both.ToPlacements(mesh));
        Assert.Equal(both, FromPlacements(mesh, both.ToPlacements(mesh), 2));
        Assert.Equal("P(('dp', 'tp'), None)", both.ToString());
    }

    [Fact]
    public void Layout_PrintsJaxTypeWithPartial()
    {
        var mesh = Cm384.Mesh(("dp", 48), ("tp", 8));
        Assert.Equal("bf16[8160@dp, 8192@tp]", new TensorSharding("A", 8160, 8192, mesh, P("dp", "tp")).ToString());
        Assert.Equal("bf16[8160@dp, 8192]{partial: tp}", new TensorSharding("C", 8160, 8192, mesh, P("dp", null).WithPartial("tp")).ToString());
    }

    [Fact]
    public void Layout_NotDivisible_NamesDimensionAxisSizesAndNearest()
    {
        var mesh = Cm384.Mesh(("dp", 48), ("tp", 8));
        var ex = Assert.Throws<ArgumentException>(() => new TensorSharding("A", 8192, 8192, mesh, P("dp", null)));
        Assert.Contains("Dimension 0 of A (8192)", ex.Message);
        Assert.Contains("'dp' (48 devices)", ex.Message);
        Assert.Contains("8160 or 8208", ex.Message);
    }

    [Fact]
    public void Layout_Uneven_FollowsTorchChunk()
    {
        var mesh = DeviceMesh.Create(ShardingTestData.IdealSystem(4), [("x", 4)]);
        var layout = new TensorSharding("A", 10, 3, mesh, P("x", null), uneven: true);
        // torch.chunk(10 rows, 4) -> 3, 3, 3, 1
        Assert.Equal(new[] { 3, 3, 3, 1 }, Enumerable.Range(0, 4).Select(p => layout.Extent(p).Rows));
        Assert.Equal((4 * 9) - 30, layout.PaddingElements);
        var empty = new TensorSharding("A", 5, 1, DeviceMesh.Create(ShardingTestData.IdealSystem(4), [("x", 4)]), P("x", null), uneven: true);
        Assert.Equal(new[] { 2, 2, 1, 0 }, Enumerable.Range(0, 4).Select(p => empty.Extent(p).Rows));
    }
}
