using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Collectives;

/// <summary>
/// Ring all-reduce on real buffers, fused: instead of moving each part around the ring through n-1 intermediate
/// buffers, each block of part c is accumulated once in cache in the ring's own order (ranks c+1, c+2, …, c, the
/// partial rounded to the wire type before every hop's add) and then written to every rank. The additions and
/// roundings are the ring's, so the bits equal <see cref="ScheduleExecutor"/> on the ring schedule; the memory
/// traffic is the minimum (each input read once, each output written once).
/// </summary>
internal static class RingAllReduceKernel
{
    private const int BlockElements = 2048;

    public static void Run(IReadOnlyList<float[]> inputs, IReadOnlyList<float[]> outputs, bool roundWire, IHostReducer reducer)
    {
        int n = inputs.Count;
        int length = inputs[0].Length;
        Parallel.For(0, n, () => new float[BlockElements], (c, _, acc) =>
        {
            var (offset, count) = ScheduleFactory.Part(length, n, c);
            for (int b = 0; b < count; b += BlockElements)
            {
                int m = Math.Min(BlockElements, count - b);
                int at = offset + b;
                Span<float> a = acc.AsSpan(0, m);
                AccumulateInRingOrder(inputs, c, at, a, roundWire, reducer);

                for (int r = 0; r < n; r++)
                {
                    StreamingCopy(a, outputs[r].AsSpan(at, m));
                }
            }

            if (Sse.IsSupported) Sse.StoreFence();
            return acc;
        }, _ => { });
    }

    /// <summary>
    /// Sums the block of <paramref name="sum"/>.Length elements at <paramref name="at"/> of every input into
    /// <paramref name="sum"/> in part <paramref name="part"/>'s ring order (ranks part+1, part+2, …, part), rounding
    /// the partial to the wire type before every hop's add when <paramref name="roundWire"/> is set.
    /// </summary>
    private static void AccumulateInRingOrder(IReadOnlyList<float[]> inputs, int part, int at, Span<float> sum, bool roundWire, IHostReducer reducer)
    {
        int n = inputs.Count;
        int m = sum.Length;
        inputs[(part + 1) % n].AsSpan(at, m).CopyTo(sum);
        for (int h = 1; h < n; h++)
        {
            if (roundWire) reducer.RoundToBFloat16(sum, sum);
            reducer.Add(inputs[(part + 1 + h) % n].AsSpan(at, m), sum);
        }
    }

    /// <summary>
    /// Copies with non-temporal stores where the destination is 64-byte aligned: the outputs are written once and
    /// not read again here, so streaming them past the cache saves the read-for-ownership of every line (a third of
    /// the traffic). Caller fences before the data is consumed.
    /// </summary>
    private static unsafe void StreamingCopy(ReadOnlySpan<float> source, Span<float> destination)
    {
        if (!Vector512.IsHardwareAccelerated || source.Length < 64)
        {
            source.CopyTo(destination);
            return;
        }

        fixed (float* src = source)
        fixed (float* dst = destination)
        {
            int i = 0;
            int length = source.Length;
            while (i < length && ((nuint)(dst + i) & 63) != 0)
            {
                dst[i] = src[i];
                i++;
            }

            for (; i + 16 <= length; i += 16)
            {
                Vector512.Load(src + i).StoreAlignedNonTemporal(dst + i);
            }

            for (; i < length; i++)
            {
                dst[i] = src[i];
            }
        }
    }

    /// <summary>The BF16-output form: the final sum is rounded once and written to every rank.</summary>
    public static void Run(IReadOnlyList<float[]> inputs, IReadOnlyList<BFloat16[]> outputs, bool roundWire, IHostReducer reducer)
    {
        int n = inputs.Count;
        int length = inputs[0].Length;
        Parallel.For(0, n, () => (new float[BlockElements], new BFloat16[BlockElements]), (c, _, scratch) =>
        {
            var (acc, narrow) = scratch;
            var (offset, count) = ScheduleFactory.Part(length, n, c);
            for (int b = 0; b < count; b += BlockElements)
            {
                int m = Math.Min(BlockElements, count - b);
                int at = offset + b;
                Span<float> a = acc.AsSpan(0, m);
                AccumulateInRingOrder(inputs, c, at, a, roundWire, reducer);

                Span<BFloat16> rounded = narrow.AsSpan(0, m);
                BFloat16Convert.ToBFloat16(a, rounded);
                for (int r = 0; r < n; r++)
                {
                    rounded.CopyTo(outputs[r].AsSpan(at, m));
                }
            }

            return scratch;
        }, _ => { });
    }
}
