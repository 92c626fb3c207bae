using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Tensors;

/// <summary>
/// The element types a tensor may hold (<see cref="BFloat16"/>, <see cref="float"/>, <see cref="double"/>) and the
/// conversions between them: every narrowing rounds once to nearest, ties to even; every widening is exact.
/// </summary>
internal static class ElementConvert
{
    private const int ChunkLength = 4096;

    /// <summary>Throws unless <typeparamref name="T"/> is one of the supported element types.</summary>
    public static void EnsureSupported<T>()
    {
        if (typeof(T) != typeof(BFloat16) && typeof(T) != typeof(float) && typeof(T) != typeof(double))
        {
            throw new NotSupportedException(
                $"Element type {typeof(T).Name} is not supported; use BFloat16, float (Single) or double (Double).");
        }
    }

    /// <summary>The name of an element type as reports print it.</summary>
    public static string Name<T>() =>
        typeof(T) == typeof(BFloat16) ? "bf16" : typeof(T) == typeof(float) ? "f32" : typeof(T) == typeof(double) ? "f64" : typeof(T).Name;

    /// <summary>Converts element-wise; the lengths must already be equal.</summary>
    public static void Convert<TFrom, TTo>(ReadOnlySpan<TFrom> source, Span<TTo> destination)
        where TFrom : unmanaged
        where TTo : unmanaged
    {
        if (typeof(TFrom) == typeof(TTo))
        {
            MemoryMarshal.Cast<TFrom, TTo>(source).CopyTo(destination);
        }
        else if (typeof(TFrom) == typeof(float) && typeof(TTo) == typeof(BFloat16))
        {
            BFloat16Convert.ToBFloat16(MemoryMarshal.Cast<TFrom, float>(source), MemoryMarshal.Cast<TTo, BFloat16>(destination));
        }
        else if (typeof(TFrom) == typeof(BFloat16) && typeof(TTo) == typeof(float))
        {
            BFloat16Convert.ToSingle(MemoryMarshal.Cast<TFrom, BFloat16>(source), MemoryMarshal.Cast<TTo, float>(destination));
        }
        else if (typeof(TFrom) == typeof(double) && typeof(TTo) == typeof(float))
        {
            // For floating-point types "truncating" is the plain cast: round to nearest, ties to even.
            TensorPrimitives.ConvertTruncating(MemoryMarshal.Cast<TFrom, double>(source), MemoryMarshal.Cast<TTo, float>(destination));
        }
        else if (typeof(TFrom) == typeof(float) && typeof(TTo) == typeof(double))
        {
            TensorPrimitives.ConvertTruncating(MemoryMarshal.Cast<TFrom, float>(source), MemoryMarshal.Cast<TTo, double>(destination));
        }
        else if (typeof(TFrom) == typeof(BFloat16) && typeof(TTo) == typeof(double))
        {
            ReadOnlySpan<BFloat16> from = MemoryMarshal.Cast<TFrom, BFloat16>(source);
            Span<double> to = MemoryMarshal.Cast<TTo, double>(destination);
            Span<float> buffer = stackalloc float[Math.Min(ChunkLength, from.Length)];
            for (int start = 0; start < from.Length; start += buffer.Length)
            {
                int count = Math.Min(buffer.Length, from.Length - start);
                BFloat16Convert.ToSingle(from.Slice(start, count), buffer[..count]);
                TensorPrimitives.ConvertTruncating<float, double>(buffer[..count], to.Slice(start, count));
            }
        }
        else if (typeof(TFrom) == typeof(double) && typeof(TTo) == typeof(BFloat16))
        {
            // One rounding straight from double (going through float would round twice).
            ReadOnlySpan<double> from = MemoryMarshal.Cast<TFrom, double>(source);
            Span<BFloat16> to = MemoryMarshal.Cast<TTo, BFloat16>(destination);
            for (int i = 0; i < from.Length; i++)
            {
                to[i] = (BFloat16)from[i];
            }
        }
        else
        {
            EnsureSupported<TFrom>();
            EnsureSupported<TTo>();
        }
    }
}
