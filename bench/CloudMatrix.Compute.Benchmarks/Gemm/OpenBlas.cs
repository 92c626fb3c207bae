using System.Reflection;
using System.Runtime.InteropServices;

namespace CloudMatrix.Compute.Benchmarks.Gemm;

/// <summary>
/// The OpenBLAS peer, loaded by name (Debian's libopenblas0-pthread provides <c>libopenblas.so.0</c> on the loader
/// path; see bench/setup-peers.sh). Nothing here names a file system path.
/// </summary>
internal static unsafe class OpenBlas
{
    private const string Library = "openblas";

    internal const int RowMajor = 101;
    internal const int NoTrans = 111;
    internal const int Trans = 112;

    static OpenBlas() => NativeLibrary.SetDllImportResolver(typeof(OpenBlas).Assembly, Resolve);

    /// <summary>Whether the library could be loaded.</summary>
    public static bool IsAvailable => NativeLibrary.TryLoad("libopenblas.so.0", out _) || NativeLibrary.TryLoad("libopenblas.so", out _);

    [DllImport(Library, EntryPoint = "cblas_sgemm")]
    public static extern void Sgemm(int order, int transA, int transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc);

    [DllImport(Library, EntryPoint = "openblas_set_num_threads")]
    public static extern void SetNumThreads(int threads);

    [DllImport(Library, EntryPoint = "openblas_get_corename")]
    private static extern IntPtr GetCoreNamePtr();

    [DllImport(Library, EntryPoint = "openblas_get_config")]
    private static extern IntPtr GetConfigPtr();

    /// <summary>The kernel family OpenBLAS picked at run time (e.g. SkylakeX, Cooperlake; Haswell means AVX2 only).</summary>
    public static string CoreName => Marshal.PtrToStringAnsi(GetCoreNamePtr()) ?? "?";

    /// <summary>Build configuration string of the library.</summary>
    public static string Config => Marshal.PtrToStringAnsi(GetConfigPtr()) ?? "?";

    /// <summary>Refuses to measure a peer that was steered off its best kernels by the environment.</summary>
    public static void RequireNativeKernels()
    {
        foreach (string name in new[] { "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE" })
        {
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name)))
            {
                throw new InvalidOperationException(
                    $"{name} is set; OpenBLAS would not use its own choice of kernels. Run the benchmark under 'env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE'.");
            }
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != Library)
        {
            return IntPtr.Zero;
        }

        foreach (string candidate in new[] { "libopenblas.so.0", "libopenblas.so", "libopenblas", "openblas" })
        {
            if (NativeLibrary.TryLoad(candidate, assembly, searchPath, out IntPtr handle))
            {
                return handle;
            }
        }

        throw new DllNotFoundException("OpenBLAS was not found; install it with bench/setup-peers.sh (Debian: libopenblas0-pthread).");
    }
}
