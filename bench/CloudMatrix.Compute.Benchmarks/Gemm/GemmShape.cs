namespace CloudMatrix.Compute.Benchmarks.Gemm;

/// <summary>A GEMM shape with a label that says where it comes from.</summary>
public sealed record GemmShape(int M, int N, int K, string Label)
{
    /// <summary>2·M·N·K.</summary>
    public double Flops => 2.0 * M * N * K;

    public override string ToString() => Label;
}
