using System.Runtime.CompilerServices;
using CloudMatrix.Compute.Kernels.Gemm;
using CloudMatrix.Compute.Kernels.Ilgpu;
using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Backends;

/// <summary>
/// Where a virtual NPU's numbers are computed: device buffers plus the per-NPU operations the executor and the
/// collectives need (BF16 GEMM, single and batched; sum of buffers; float/bfloat16 conversion; copy).
/// </summary>
/// <remarks>
/// <para>Backends, by name (see <see cref="BackendRegistry"/>): <c>cpu-simd</c> (the SIMD CPU kernels, always
/// available), <c>ilgpu-cpu</c> (ILGPU's CPU accelerator, an emulator for checking the GPU kernels at small sizes),
/// <c>cuda</c> and <c>opencl</c> (ILGPU on a GPU), and <c>auto</c>, which picks cuda, then opencl, then cpu-simd and
/// says so in <see cref="SelectionReason"/>.</para>
/// <para>Numerics are the same everywhere: bfloat16 inputs, FP32 accumulation, one round to nearest even per
/// bfloat16 store, NaN policy of <see cref="BFloat16Gemm"/>. Sums and conversions are bit-identical across backends
/// (except the payload of a NaN result: x86 keeps the first NaN operand's, NVIDIA GPUs give the canonical NaN);
/// GEMM results agree to FP32 rounding (each backend orders its K sums its own way, GPUs fuse multiply-adds, and the
/// CPU's AVX512_BF16 kernel flushes subnormals) and every backend is deterministic.</para>
/// <para>Operations are queued in order on the device; copying a buffer to the host waits for them, and
/// <see cref="Synchronize"/> waits explicitly (for timing). A backend owns its device context: create one, use it,
/// dispose it (disposing also frees its buffers). Instances are safe to call from several threads.</para>
/// </remarks>
public abstract partial class ComputeBackend : IDisposable
{
    private long _allocatedBytes;
    private int _disposed;

    private protected ComputeBackend()
    {
    }

    /// <summary>The backend's name, e.g. <c>cpu-simd</c> (never <c>auto</c>: auto resolves to a real backend).</summary>
    public abstract string Name { get; }

    /// <summary>The device it computes on, e.g. "NVIDIA H100 80GB HBM3" or "host CPU (16 cores, AVX-512)".</summary>
    public abstract string DeviceName { get; }

    /// <summary>The device's memory in bytes (host memory available to this process for the CPU backends).</summary>
    public abstract long MemoryBytes { get; }

    /// <summary>Bytes held by this backend's live buffers and scratch space.</summary>
    public long AllocatedBytes => Interlocked.Read(ref _allocatedBytes);

    /// <summary>How <c>auto</c> chose this backend (which faster ones it passed over and why), or null when the
    /// backend was asked for by name.</summary>
    public string? SelectionReason { get; internal set; }

    /// <summary>Whether <see cref="Dispose()"/> has been called.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>A cap below <see cref="MemoryBytes"/> on what this backend may allocate (tests use it to provoke
    /// the out-of-memory path); <see cref="long.MaxValue"/> means none.</summary>
    internal long MemoryLimitBytes { get; set; } = long.MaxValue;

    /// <summary>The name of the GEMM microkernel this backend runs (e.g. the cpu-simd tile kernel), for benchmark reports.</summary>
    public abstract string GemmKernelName { get; }

    /// <summary>The most matrices one <c>GemmBatched</c> call may hold on this backend.</summary>
    private protected virtual int MaxBatchCount => int.MaxValue;

    /// <summary>
    /// Creates the backend named <paramref name="name"/> (case-insensitive): <c>auto</c>, <c>cpu-simd</c>,
    /// <c>ilgpu-cpu</c>, <c>cuda</c> or <c>opencl</c>. A backend named explicitly is never replaced by another.
    /// </summary>
    /// <param name="name">The backend's name.</param>
    /// <returns>The backend; the caller disposes it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a backend; the message lists the valid names.</exception>
    /// <exception cref="BackendUnavailableException">The backend cannot run on this machine; the message says why.</exception>
    public static ComputeBackend Create(string name) => BackendRegistry.Create(name);

    /// <summary>Allocates a zero-filled buffer of <paramref name="length"/> elements on the device.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="length">Number of elements; at least 0.</param>
    /// <returns>The buffer; the caller disposes it.</returns>
    /// <exception cref="ObjectDisposedException">The backend has been disposed.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    /// <exception cref="DeviceOutOfMemoryException">The device cannot hold it; the message gives the sizes.</exception>
    public DeviceBuffer<T> Allocate<T>(int length)
        where T : unmanaged
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        long bytes = (long)length * Unsafe.SizeOf<T>();
        ReserveBytes(bytes);
        try
        {
            return AllocateCore<T>(length);
        }
        catch
        {
            ReleaseBytes(bytes);
            throw;
        }
    }

    /// <summary>
    /// <c>C = alpha * op(A) * op(B) + beta * C</c> with an FP32 C; arguments, layout and NaN policy as
    /// <see cref="BFloat16Gemm.Multiply(GemmTranspose, GemmTranspose, int, int, int, float, ReadOnlySpan{BFloat16}, int, ReadOnlySpan{BFloat16}, int, float, Span{float}, int)"/>
    /// (row-major, leading dimensions in elements, <c>beta == 0</c> means C is not read).
    /// </summary>
    /// <param name="transA">How A is stored.</param>
    /// <param name="transB">How B is stored.</param>
    /// <param name="m">Rows of op(A) and C; at least 1.</param>
    /// <param name="n">Columns of op(B) and C; at least 1.</param>
    /// <param name="k">Columns of op(A), rows of op(B); at least 1.</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">A, on this backend.</param>
    /// <param name="lda">Leading dimension of A in elements.</param>
    /// <param name="b">B, on this backend.</param>
    /// <param name="ldb">Leading dimension of B in elements.</param>
    /// <param name="beta">Scale of the old C; 0 means C is write-only.</param>
    /// <param name="c">C, on this backend.</param>
    /// <param name="ldc">Leading dimension of C in elements; at least <paramref name="n"/>.</param>
    /// <exception cref="ArgumentNullException">A buffer is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension below 1 or a leading dimension too small.</exception>
    /// <exception cref="ArgumentException">A buffer is too short, belongs to another backend, or C is also an input.</exception>
    /// <exception cref="ObjectDisposedException">The backend or a buffer has been disposed.</exception>
    public void Gemm(
        GemmTranspose transA, GemmTranspose transB, int m, int n, int k, float alpha,
        DeviceBuffer<BFloat16> a, int lda, DeviceBuffer<BFloat16> b, int ldb, float beta, DeviceBuffer<float> c, int ldc) =>
        GemmBatched(transA, transB, m, n, k, alpha, a, lda, 0, b, ldb, 0, beta, c, ldc, 0, 1);

    /// <summary>As the FP32 overload, with a bfloat16 C: FP32 accumulation, one round to nearest even per element
    /// (and a bfloat16 C read back exactly when <paramref name="beta"/> is not 0).</summary>
    /// <param name="transA">How A is stored.</param>
    /// <param name="transB">How B is stored.</param>
    /// <param name="m">Rows of op(A) and C; at least 1.</param>
    /// <param name="n">Columns of op(B) and C; at least 1.</param>
    /// <param name="k">Columns of op(A), rows of op(B); at least 1.</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">A, on this backend.</param>
    /// <param name="lda">Leading dimension of A in elements.</param>
    /// <param name="b">B, on this backend.</param>
    /// <param name="ldb">Leading dimension of B in elements.</param>
    /// <param name="beta">Scale of the old C; 0 means C is write-only.</param>
    /// <param name="c">C, on this backend.</param>
    /// <param name="ldc">Leading dimension of C in elements; at least <paramref name="n"/>.</param>
    /// <exception cref="ArgumentNullException">A buffer is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension below 1 or a leading dimension too small.</exception>
    /// <exception cref="ArgumentException">A buffer is too short, belongs to another backend, or C is also an input.</exception>
    /// <exception cref="ObjectDisposedException">The backend or a buffer has been disposed.</exception>
    public void Gemm(
        GemmTranspose transA, GemmTranspose transB, int m, int n, int k, float alpha,
        DeviceBuffer<BFloat16> a, int lda, DeviceBuffer<BFloat16> b, int ldb, float beta, DeviceBuffer<BFloat16> c, int ldc) =>
        GemmBatched(transA, transB, m, n, k, alpha, a, lda, 0, b, ldb, 0, beta, c, ldc, 0, 1);

    /// <summary>
    /// <paramref name="batchCount"/> independent GEMMs of one shape in one call (one per virtual NPU, say): matrix
    /// <c>z</c> of A, B and C starts <c>z * stride</c> elements into its buffer. A stride of 0 shares one operand
    /// across the batch; C's matrices must not overlap.
    /// </summary>
    /// <param name="transA">How A is stored.</param>
    /// <param name="transB">How B is stored.</param>
    /// <param name="m">Rows of op(A) and C; at least 1.</param>
    /// <param name="n">Columns of op(B) and C; at least 1.</param>
    /// <param name="k">Columns of op(A), rows of op(B); at least 1.</param>
    /// <param name="alpha">Scale of the products.</param>
    /// <param name="a">The A matrices, on this backend.</param>
    /// <param name="lda">Leading dimension of each A in elements.</param>
    /// <param name="strideA">Elements between consecutive A matrices; at least 0.</param>
    /// <param name="b">The B matrices, on this backend.</param>
    /// <param name="ldb">Leading dimension of each B in elements.</param>
    /// <param name="strideB">Elements between consecutive B matrices; at least 0.</param>
    /// <param name="beta">Scale of the old C; 0 means C is write-only.</param>
    /// <param name="c">The C matrices, on this backend.</param>
    /// <param name="ldc">Leading dimension of each C in elements.</param>
    /// <param name="strideC">Elements between consecutive C matrices; at least one matrix's extent when
    /// <paramref name="batchCount"/> &gt; 1.</param>
    /// <param name="batchCount">Number of matrices; at least 1 (at most 65535 on the ILGPU backends).</param>
    /// <exception cref="ArgumentNullException">A buffer is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension, stride or count out of range.</exception>
    /// <exception cref="ArgumentException">A buffer is too short for the batch, belongs to another backend, or C is an input.</exception>
    /// <exception cref="ObjectDisposedException">The backend or a buffer has been disposed.</exception>
    public void GemmBatched(
        GemmTranspose transA, GemmTranspose transB, int m, int n, int k, float alpha,
        DeviceBuffer<BFloat16> a, int lda, long strideA, DeviceBuffer<BFloat16> b, int ldb, long strideB,
        float beta, DeviceBuffer<float> c, int ldc, long strideC, int batchCount)
    {
        GemmKernelArguments args = ValidateGemm(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batchCount);
        GemmCore(args, a, b, c, batchCount);
    }

    /// <summary>The batched GEMM with bfloat16 C matrices; see the FP32 overload.</summary>
    /// <param name="transA">How A is stored.</param>
    /// <param name="transB">How B is stored.</param>
    /// <param name="m">Rows of op(A) and C; at least 1.</param>
    /// <param name="n">Columns of op(B) and C; at least 1.</param>
    /// <param name="k">Columns of op(A), rows of op(B); at least 1.</param>
    /// <param name="alpha">Scale of the products.</param>
    /// <param name="a">The A matrices, on this backend.</param>
    /// <param name="lda">Leading dimension of each A in elements.</param>
    /// <param name="strideA">Elements between consecutive A matrices; at least 0.</param>
    /// <param name="b">The B matrices, on this backend.</param>
    /// <param name="ldb">Leading dimension of each B in elements.</param>
    /// <param name="strideB">Elements between consecutive B matrices; at least 0.</param>
    /// <param name="beta">Scale of the old C; 0 means C is write-only.</param>
    /// <param name="c">The C matrices, on this backend.</param>
    /// <param name="ldc">Leading dimension of each C in elements.</param>
    /// <param name="strideC">Elements between consecutive C matrices; at least one matrix's extent when
    /// <paramref name="batchCount"/> &gt; 1.</param>
    /// <param name="batchCount">Number of matrices; at least 1 (at most 65535 on the ILGPU backends).</param>
    /// <exception cref="ArgumentNullException">A buffer is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension, stride or count out of range.</exception>
    /// <exception cref="ArgumentException">A buffer is too short for the batch, belongs to another backend, or C is an input.</exception>
    /// <exception cref="ObjectDisposedException">The backend or a buffer has been disposed.</exception>
    public void GemmBatched(
        GemmTranspose transA, GemmTranspose transB, int m, int n, int k, float alpha,
        DeviceBuffer<BFloat16> a, int lda, long strideA, DeviceBuffer<BFloat16> b, int ldb, long strideB,
        float beta, DeviceBuffer<BFloat16> c, int ldc, long strideC, int batchCount)
    {
        GemmKernelArguments args = ValidateGemm(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batchCount);
        if (ReferenceEquals(c, a) || ReferenceEquals(c, b))
        {
            throw new ArgumentException("c is also an input (a or b); GEMM needs a separate output buffer.", nameof(c));
        }

        GemmCore(args, a, b, c, batchCount);
    }

    /// <summary>
    /// Sums FP32 buffers element-wise into <paramref name="destination"/> in a fixed order:
    /// <c>((s0 + s1) + s2) + ... + s(N-1)</c>, each addition rounded to FP32 (see <see cref="Kernels.Reduce.BufferSum"/>).
    /// Bit-identical on every backend (a NaN result is a NaN everywhere, its payload the hardware's); <paramref name="destination"/> may be one of the sources.
    /// </summary>
    /// <param name="sources">N &gt;= 1 buffers of the destination's length, on this backend.</param>
    /// <param name="destination">Receives the sum.</param>
    /// <exception cref="ArgumentNullException">The list or a buffer is null.</exception>
    /// <exception cref="ArgumentException">No sources, a length mismatch, or a buffer of another backend.</exception>
    /// <exception cref="ObjectDisposedException">The backend or a buffer has been disposed.</exception>
    public void Reduce(IReadOnlyList<DeviceBuffer<float>> sources, DeviceBuffer<float> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        Reduce(sources, destination, 0, destination.Length);
    }

    /// <summary>
    /// Sums elements <c>[start, start + length)</c> of every source into the same elements of
    /// <paramref name="destination"/> (a chunk of a ring or tree reduction), in the order of the whole-buffer overload.
    /// </summary>
    /// <param name="sources">N &gt;= 1 buffers of the destination's length, on this backend.</param>
    /// <param name="destination">Receives the sum in the chunk; elements outside it are untouched.</param>
    /// <param name="start">First element of the chunk; at least 0.</param>
    /// <param name="length">Elements in the chunk; at least 0, with <c>start + length</c> at most the buffers' length.</param>
    /// <exception cref="ArgumentNullException">The list or a buffer is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The chunk lies outside the buffers.</exception>
    /// <exception cref="ArgumentException">No sources, a length mismatch, or a buffer of another backend.</exception>
    /// <exception cref="ObjectDisposedException">The backend or a buffer has been disposed.</exception>
    public void Reduce(IReadOnlyList<DeviceBuffer<float>> sources, DeviceBuffer<float> destination, int start, int length)
    {
        ValidateReduce(sources, destination, start, length);
        ReduceCore(sources, destination, start, length);
    }

    /// <summary>
    /// Sums bfloat16 buffers element-wise: inputs widened exactly, summed in FP32 in the order
    /// <c>((s0 + s1) + s2) + ...</c>, rounded once to nearest even on store. Bit-identical on every backend (NaN payloads aside);
    /// <paramref name="destination"/> may be one of the sources.
    /// </summary>
    /// <param name="sources">N &gt;= 1 buffers of the destination's length, on this backend.</param>
    /// <param name="destination">Receives the rounded sum.</param>
    /// <exception cref="ArgumentNullException">The list or a buffer is null.</exception>
    /// <exception cref="ArgumentException">No sources, a length mismatch, or a buffer of another backend.</exception>
    /// <exception cref="ObjectDisposedException">The backend or a buffer has been disposed.</exception>
    public void Reduce(IReadOnlyList<DeviceBuffer<BFloat16>> sources, DeviceBuffer<BFloat16> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        Reduce(sources, destination, 0, destination.Length);
    }

    /// <summary>The bfloat16 sum over the chunk <c>[start, start + length)</c>; see the whole-buffer overloads.</summary>
    /// <param name="sources">N &gt;= 1 buffers of the destination's length, on this backend.</param>
    /// <param name="destination">Receives the rounded sum in the chunk; elements outside it are untouched.</param>
    /// <param name="start">First element of the chunk; at least 0.</param>
    /// <param name="length">Elements in the chunk; at least 0, with <c>start + length</c> at most the buffers' length.</param>
    /// <exception cref="ArgumentNullException">The list or a buffer is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The chunk lies outside the buffers.</exception>
    /// <exception cref="ArgumentException">No sources, a length mismatch, or a buffer of another backend.</exception>
    /// <exception cref="ObjectDisposedException">The backend or a buffer has been disposed.</exception>
    public void Reduce(IReadOnlyList<DeviceBuffer<BFloat16>> sources, DeviceBuffer<BFloat16> destination, int start, int length)
    {
        ValidateReduce(sources, destination, start, length);
        ReduceCore(sources, destination, start, length);
    }

    /// <summary>Narrows every element to bfloat16 (round to nearest even; NaN stays a quiet NaN of the same sign),
    /// bit-identical to <see cref="BFloat16Convert"/>.</summary>
    /// <param name="source">FP32 values, on this backend.</param>
    /// <param name="destination">Receives them; the same length.</param>
    /// <exception cref="ArgumentNullException">A buffer is null.</exception>
    /// <exception cref="ArgumentException">The lengths differ, or a buffer of another backend.</exception>
    /// <exception cref="ObjectDisposedException">The backend or a buffer has been disposed.</exception>
    public void Convert(DeviceBuffer<float> source, DeviceBuffer<BFloat16> destination)
    {
        ValidatePair(source, destination);
        ConvertCore(source, destination);
    }

    /// <summary>Widens every bfloat16 element to FP32 (exact).</summary>
    /// <param name="source">bfloat16 values, on this backend.</param>
    /// <param name="destination">Receives them; the same length.</param>
    /// <exception cref="ArgumentNullException">A buffer is null.</exception>
    /// <exception cref="ArgumentException">The lengths differ, or a buffer of another backend.</exception>
    /// <exception cref="ObjectDisposedException">The backend or a buffer has been disposed.</exception>
    public void Convert(DeviceBuffer<BFloat16> source, DeviceBuffer<float> destination)
    {
        ValidatePair(source, destination);
        ConvertCore(source, destination);
    }

    /// <summary>Copies a whole buffer into another of the same length on the device.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="source">The buffer to read.</param>
    /// <param name="destination">The buffer to write.</param>
    /// <exception cref="ArgumentNullException">A buffer is null.</exception>
    /// <exception cref="ArgumentException">The lengths differ, or a buffer of another backend.</exception>
    /// <exception cref="ObjectDisposedException">The backend or a buffer has been disposed.</exception>
    public void Copy<T>(DeviceBuffer<T> source, DeviceBuffer<T> destination)
        where T : unmanaged
    {
        ValidatePair(source, destination);
        Copy(source, 0, destination, 0, source.Length);
    }

    /// <summary>Copies <paramref name="length"/> elements between buffers on the device; the two ranges must not
    /// overlap when both are in one buffer.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="source">The buffer to read.</param>
    /// <param name="sourceOffset">First element to read; at least 0.</param>
    /// <param name="destination">The buffer to write.</param>
    /// <param name="destinationOffset">First element to write; at least 0.</param>
    /// <param name="length">Elements to copy; at least 0.</param>
    /// <exception cref="ArgumentNullException">A buffer is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A range lies outside its buffer.</exception>
    /// <exception cref="ArgumentException">Overlapping ranges in one buffer, or a buffer of another backend.</exception>
    /// <exception cref="ObjectDisposedException">The backend or a buffer has been disposed.</exception>
    public void Copy<T>(DeviceBuffer<T> source, int sourceOffset, DeviceBuffer<T> destination, int destinationOffset, int length)
        where T : unmanaged
    {
        CheckOwned(source, nameof(source));
        CheckOwned(destination, nameof(destination));
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        CheckRange(sourceOffset, length, source.Length, nameof(sourceOffset));
        CheckRange(destinationOffset, length, destination.Length, nameof(destinationOffset));
        if (ReferenceEquals(source, destination) && length > 0 &&
            sourceOffset < destinationOffset + length && destinationOffset < sourceOffset + length)
        {
            throw new ArgumentException(
                $"source [{sourceOffset}, {sourceOffset + length}) and destination [{destinationOffset}, {destinationOffset + length}) overlap in one buffer.",
                nameof(destination));
        }

        if (length > 0)
        {
            CopyCore(source, sourceOffset, destination, destinationOffset, length);
        }
    }

    /// <summary>Waits until every operation queued on the device has finished.</summary>
    /// <exception cref="ObjectDisposedException">The backend has been disposed.</exception>
    public abstract void Synchronize();

    /// <summary>Releases the device context and every buffer allocated from it. Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            DisposeCore();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>The backend's name and device.</summary>
    /// <returns>For example <c>cuda: NVIDIA H100 80GB HBM3</c>.</returns>
    public override string ToString() => $"{Name}: {DeviceName}";

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsDisposed, this);

    internal void ReleaseBytes(long bytes) => Interlocked.Add(ref _allocatedBytes, -bytes);

    /// <summary>Counts <paramref name="bytes"/> against the device's memory, or refuses with the sizes involved.</summary>
    internal void ReserveBytes(long bytes)
    {
        long limit = Math.Min(MemoryBytes, MemoryLimitBytes);
        long held = Interlocked.Add(ref _allocatedBytes, bytes) - bytes;
        if (held + bytes > limit)
        {
            Interlocked.Add(ref _allocatedBytes, -bytes);
            throw new DeviceOutOfMemoryException(DeviceName, bytes, limit, held);
        }
    }

    private protected abstract DeviceBuffer<T> AllocateCore<T>(int length)
        where T : unmanaged;

    private protected abstract void GemmCore(GemmKernelArguments args, DeviceBuffer<BFloat16> a, DeviceBuffer<BFloat16> b, DeviceBuffer<float> c, int batchCount);

    private protected abstract void GemmCore(GemmKernelArguments args, DeviceBuffer<BFloat16> a, DeviceBuffer<BFloat16> b, DeviceBuffer<BFloat16> c, int batchCount);

    private protected abstract void ReduceCore(IReadOnlyList<DeviceBuffer<float>> sources, DeviceBuffer<float> destination, int start, int length);

    private protected abstract void ReduceCore(IReadOnlyList<DeviceBuffer<BFloat16>> sources, DeviceBuffer<BFloat16> destination, int start, int length);

    private protected abstract void ConvertCore(DeviceBuffer<float> source, DeviceBuffer<BFloat16> destination);

    private protected abstract void ConvertCore(DeviceBuffer<BFloat16> source, DeviceBuffer<float> destination);

    private protected abstract void CopyCore<T>(DeviceBuffer<T> source, int sourceOffset, DeviceBuffer<T> destination, int destinationOffset, int length)
        where T : unmanaged;

    private protected abstract void DisposeCore();

    private GemmKernelArguments ValidateGemm<TC>(
        GemmTranspose transA, GemmTranspose transB, int m, int n, int k, float alpha,
        DeviceBuffer<BFloat16> a, int lda, long strideA, DeviceBuffer<BFloat16> b, int ldb, long strideB,
        float beta, DeviceBuffer<TC> c, int ldc, long strideC, int batchCount)
        where TC : unmanaged
    {
        CheckOwned(a, nameof(a));
        CheckOwned(b, nameof(b));
        CheckOwned(c, nameof(c));
        ArgumentOutOfRangeException.ThrowIfLessThan(batchCount, 1);
        if (batchCount > MaxBatchCount)
        {
            throw new ArgumentOutOfRangeException(nameof(batchCount), batchCount,
                $"batchCount is {batchCount} but {Name} launches at most {MaxBatchCount} matrices per call; split the batch.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(strideA);
        ArgumentOutOfRangeException.ThrowIfNegative(strideB);
        ArgumentOutOfRangeException.ThrowIfNegative(strideC);

        // The first matrix of each operand, with the GEMM contract's own checks and messages.
        BFloat16Gemm.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (batchCount > 1)
        {
            (int aRows, int aCols) = transA == GemmTranspose.None ? (m, k) : (k, m);
            (int bRows, int bCols) = transB == GemmTranspose.None ? (k, n) : (n, k);
            long cExtent = Extent(m, n, ldc);
            if (strideC < cExtent)
            {
                throw new ArgumentOutOfRangeException(nameof(strideC), strideC,
                    $"strideC is {strideC} but one {m} x {n} C with ldc = {ldc} spans {cExtent} elements: the batch's C matrices would overlap.");
            }

            CheckBatchFits("a", a.Length, strideA, Extent(aRows, aCols, lda), batchCount);
            CheckBatchFits("b", b.Length, strideB, Extent(bRows, bCols, ldb), batchCount);
            CheckBatchFits("c", c.Length, strideC, cExtent, batchCount);
        }

        return new GemmKernelArguments(m, n, k, lda, ldb, ldc, transA == GemmTranspose.Transpose, transB == GemmTranspose.Transpose,
            alpha, beta, strideA, strideB, strideC);
    }

    private static long Extent(int rows, int cols, int ld) => ((long)(rows - 1) * ld) + cols;

    private static void CheckBatchFits(string name, int length, long stride, long extent, int batchCount)
    {
        // In 128 bits: a stride near long.MaxValue must be refused as too long, not wrap past the check.
        Int128 needed = ((Int128)(batchCount - 1) * stride) + extent;
        if (length < needed)
        {
            throw new ArgumentException(
                $"{name} has {length} elements but {batchCount} matrices {stride} elements apart, each spanning {extent}, need {needed}.",
                name);
        }
    }

    private void ValidateReduce<T>(IReadOnlyList<DeviceBuffer<T>> sources, DeviceBuffer<T> destination, int start, int length)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(sources);
        CheckOwned(destination, nameof(destination));
        if (sources.Count == 0)
        {
            throw new ArgumentException("sources is empty; a sum needs at least one buffer.", nameof(sources));
        }

        for (int s = 0; s < sources.Count; s++)
        {
            DeviceBuffer<T> source = sources[s] ?? throw new ArgumentNullException(nameof(sources), $"sources[{s}] is null.");
            CheckOwned(source, nameof(sources));
            if (source.Length != destination.Length)
            {
                throw new ArgumentException(
                    $"sources[{s}] has {source.Length} elements but destination has {destination.Length}; they must be equal.",
                    nameof(sources));
            }
        }

        ArgumentOutOfRangeException.ThrowIfNegative(length);
        CheckRange(start, length, destination.Length, nameof(start));
    }

    private void ValidatePair<TS, TD>(DeviceBuffer<TS> source, DeviceBuffer<TD> destination)
        where TS : unmanaged
        where TD : unmanaged
    {
        CheckOwned(source, nameof(source));
        CheckOwned(destination, nameof(destination));
        if (source.Length != destination.Length)
        {
            throw new ArgumentException(
                $"destination has {destination.Length} elements but source has {source.Length}; they must be equal.",
                nameof(destination));
        }
    }

    private void CheckOwned<T>(DeviceBuffer<T> buffer, string name)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(buffer, name);
        ThrowIfDisposed();
        if (!ReferenceEquals(buffer.Backend, this))
        {
            throw new ArgumentException(
                $"{name} belongs to backend '{buffer.Backend.Name}' ({buffer.Backend.DeviceName}), not to this '{Name}' backend; copy it through the host first.",
                name);
        }

        buffer.ThrowIfDisposed();
    }

    private static void CheckRange(int offset, int count, int length, string name)
    {
        if (offset < 0 || (long)offset + count > length)
        {
            throw new ArgumentOutOfRangeException(name, offset,
                $"{name} is {offset} with {count} elements, but the buffer has {length}: {name} must be in [0, {length - count}].");
        }
    }
}
