using CloudMatrix.Compute.Execution;
using CloudMatrix.Compute.Memory;
using CloudMatrix.Compute.Sharding;
using CloudMatrix.Compute.Tensors;
using CloudMatrix.Compute.Timing;
using CloudMatrix.Compute.Topology;
using CloudMatrix.Compute.Tracing;

namespace CloudMatrix.Compute.Tests;

/// <summary>Bad input to tensors, the estimator, traces and the memory budget: refused naming the parameter, the value
/// and what is valid, instead of an overflow, a null reference or a silently wrong result.</summary>
public class InputValidationTests
{
    private static readonly MatMulPlan Plan = MatMul.Plan(TopologyBuilder.SingleSwitch(8, 50e9, 1e-6).Mesh(("x", 8)), 64, 64, 64, Strategy.Rows);

    [Theory]
    [InlineData(100_000, 100_000)]
    [InlineData(50_000, 50_000)]
    public void RandomBlocksLargerThanAnArray_AreRefused_NamingTheBlock(int rows, int cols)
    {
        // The element count overflowed: an unnamed OverflowException.
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => DenseTensor.RandomBlocks<float>(rows, cols, 1, [(0, 1, 0, 1), (0, rows, 0, cols)]));
        Assert.Equal("blocks", ex.ParamName);
        Assert.Contains($"block 1 ({rows} x {cols})", ex.Message, StringComparison.Ordinal);
        Assert.Contains(Array.MaxLength.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IndexingADefaultTensorView_IsRefused_NotANullReference()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => _ = default(TensorView<float>)[[]]);
        Assert.Contains("default(TensorView<T>)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IndexingAnEmptyMatrix_SaysItIsEmpty()
    {
        // The message said the index must be in [0, -1].
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new DenseTensor<float>(0, 3).AsMatrix()[0, 0]);
        Assert.Equal("row", ex.ParamName);
        Assert.Contains("the extent is 0", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("[0, -1]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NegativeMaxJointTransfers_IsRefused()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => PlanEstimator.Estimate(Plan.Plan, new TimingOptions { MaxJointTransfers = -1 }));
        Assert.Equal("MaxJointTransfers", ex.ParamName);
        Assert.Equal(-1, ex.ActualValue);
        Assert.Contains(">= 0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LowerBoundsWithBadTimingOptions_AreRefused_AsEstimateIs()
    {
        // They returned a negative time or infinity.
        var bound = Assert.Throws<ArgumentOutOfRangeException>(() => PlanEstimator.LowerBound(Plan.Plan, new TimingOptions { ComputeEfficiency = -1 }));
        Assert.Equal("ComputeEfficiency", bound.ParamName);
        Assert.Contains("(0, 1]", bound.Message, StringComparison.Ordinal);
        var compute = Assert.Throws<ArgumentOutOfRangeException>(() => PlanEstimator.ComputeLowerBound(Plan.Plan, new TimingOptions { HbmEfficiency = 0 }));
        Assert.Equal("HbmEfficiency", compute.ParamName);
    }

    [Fact]
    public void PlanSlotBytesOfAnUnknownPosition_NamesThePosition()
    {
        PlanSlot slot = Plan.Plan.Slots[Plan.Plan.Output];
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => slot.Bytes(8));
        Assert.Equal("position", ex.ParamName);
        Assert.Contains("0..7", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TraceWithANullTitle_IsRefused_NamingIt()
    {
        Timeline timeline = PlanEstimator.Estimate(Plan.Plan, null);
        var ex = Assert.Throws<ArgumentNullException>(() => PerfettoTrace.ToJson(timeline, null!));
        Assert.Equal("title", ex.ParamName);
    }

    [Fact]
    public void TraceTitlesAndNamesWithControlCharacters_StayValidJson()
    {
        // A newline or tab was written raw: the file was not JSON.
        Timeline timeline = PlanEstimator.Estimate(Plan.Plan, null) with { Steps = [new StepTiming(0, "a\tb", "collective", 0, 1e-6, 8, "x\ny", null)] };
        string json = PerfettoTrace.ToJson(timeline, "line\nbreak \u0001 \"q\" \\");
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal("line\nbreak \u0001 \"q\" \\ (simulated)", doc.RootElement[0].GetProperty("args").GetProperty("name").GetString());
        Assert.Equal("a\tb", doc.RootElement[2].GetProperty("name").GetString());
    }

    [Fact]
    public void TraceOfATimelineWithNonFiniteTimesOrNullSteps_IsRefused_NamingTheStep()
    {
        // NaN was written as a bare NaN (not JSON); a null step list or name was a null reference.
        Timeline timeline = PlanEstimator.Estimate(Plan.Plan, null);
        var nan = Assert.Throws<ArgumentException>(() => PerfettoTrace.ToJson(timeline with { Steps = [new StepTiming(0, "s", "collective", double.NaN, 1, 0, "d", null)] }, "t"));
        Assert.Equal("timeline", nan.ParamName);
        Assert.Contains("timeline.Steps[0] (s): StartSeconds is NaN", nan.Message, StringComparison.Ordinal);
        var device = Assert.Throws<ArgumentException>(() => PerfettoTrace.ToJson(timeline with { Steps = [new StepTiming(0, "g", "gemm", 0, 1, 0, "d", [1, double.PositiveInfinity])] }, "t"));
        Assert.Contains("DeviceSeconds[1] is Infinity", device.Message, StringComparison.Ordinal);
        var steps = Assert.Throws<ArgumentException>(() => PerfettoTrace.ToJson(timeline with { Steps = null! }, "t"));
        Assert.Equal("timeline", steps.ParamName);
        Assert.Contains("timeline.Steps is null", steps.Message, StringComparison.Ordinal);
        var name = Assert.Throws<ArgumentException>(() => PerfettoTrace.ToJson(timeline with { Steps = [new StepTiming(0, null!, "gemm", 0, 1, 0, "d", null)] }, "t"));
        Assert.Contains("timeline.Steps[0].Name is null", name.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ANegativeMemoryNeed_IsRefused()
    {
        // It passed the budget silently.
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => MemoryBudget.Ensure(-1, "the work"));
        Assert.Equal("needBytes", ex.ParamName);
        Assert.Contains("at least 0", ex.Message, StringComparison.Ordinal);
    }
}
