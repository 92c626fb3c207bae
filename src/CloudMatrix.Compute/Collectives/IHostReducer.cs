namespace CloudMatrix.Compute.Collectives;

/// <summary>
/// The element-wise work a collective does on a device: FP32 sums and BF16 rounding. Today it runs on the host
/// with TensorPrimitives; a compute backend can implement it instead.
/// </summary>
internal interface IHostReducer
{
    /// <summary><c>accumulator[i] += addend[i]</c> in FP32 (IEEE: NaN and infinities propagate).</summary>
    void Add(ReadOnlySpan<float> addend, Span<float> accumulator);

    /// <summary><c>destination[i] = (float)(bfloat16)source[i]</c>, round to nearest even; may alias.</summary>
    void RoundToBFloat16(ReadOnlySpan<float> source, Span<float> destination);
}
