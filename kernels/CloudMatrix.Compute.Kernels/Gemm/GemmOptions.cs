namespace CloudMatrix.Compute.Kernels.Gemm;

/// <summary>How a <see cref="BFloat16Gemm"/> call runs: how many host threads it may use.</summary>
public sealed class GemmOptions
{
    private readonly int _threadCount;

    /// <summary>The defaults: every host core (<see cref="Environment.ProcessorCount"/>), the widest SIMD kernel.</summary>
    public static GemmOptions Default { get; } = new();

    /// <summary>
    /// Host threads the call may use; 0 (the default) means <see cref="Environment.ProcessorCount"/>. Small products
    /// use fewer threads than asked when splitting them would cost more than it gains; results do not depend on the
    /// thread count (each element of C is summed in the same order on any number of threads).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or above 4096.</exception>
    public int ThreadCount
    {
        get => _threadCount;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(ThreadCount));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 4096, nameof(ThreadCount));
            _threadCount = value;
        }
    }

    /// <summary>Forces one instruction set (tests pin every width with it); <see cref="GemmSimdWidth.Auto"/> by default.</summary>
    internal GemmSimdWidth SimdWidth { get; init; }

    /// <summary>Forces one kernel descriptor (tests use tiny block sizes to reach every loop with small shapes).</summary>
    internal GemmMicroKernel? Kernel { get; init; }

    /// <summary>Whether threads may share packed B panels, and batch items a packed B (on by default; the tuning sweep turns it off to compare).</summary>
    internal bool SharePanels { get; init; } = true;

    /// <summary>The kernel this call runs.</summary>
    internal GemmMicroKernel SelectKernel() => Kernel ?? GemmMicroKernel.Select(SimdWidth);

    /// <summary>The thread count this call may use: <see cref="ThreadCount"/>, or the host's cores for 0.</summary>
    internal int EffectiveThreads => _threadCount == 0 ? Environment.ProcessorCount : _threadCount;
}
