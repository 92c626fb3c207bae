using System.Reflection;
using System.Text.RegularExpressions;
using CloudMatrix.Compute.Kernels.Ilgpu;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace CloudMatrix.Compute.Kernels.Tests.Ilgpu;

/// <summary>
/// Compiles every ILGPU kernel to PTX with ILGPU's own PTX backend, on a machine with no GPU and no CUDA driver,
/// and fails on anything a GPU could not load: an unsupported intrinsic (ILGPU throws while compiling), a call to
/// a function the module does not define (<c>.extern</c>), or local-memory spills of the register tile. This is how
/// GPU breakage is caught where there is no GPU.
/// </summary>
public sealed partial class IlgpuPtxCompileTests
{
    /// <summary>Every method of the kernels assembly marked as an ILGPU kernel.</summary>
    private static IReadOnlyList<MethodInfo> AllKernels { get; } = typeof(IlgpuKernelAttribute).Assembly.GetTypes()
        .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
        .Where(m => m.GetCustomAttribute<IlgpuKernelAttribute>() is not null)
        .OrderBy(m => m.DeclaringType!.Name + "." + m.Name, StringComparer.Ordinal)
        .ToList();

    // Volta (V100), Ampere (A100), Ada (L4/L40), Hopper (H100/H200): the GPUs this product is run on. A kernel in
    // inline PTX is compiled only for the architectures it declares it runs on.
    public static TheoryData<string, int, int> KernelsAndArchitectures()
    {
        var data = new TheoryData<string, int, int>();
        foreach (MethodInfo kernel in AllKernels)
        {
            int minimum = kernel.GetCustomAttribute<IlgpuKernelAttribute>()!.MinimumCudaArchitecture;
            foreach ((int major, int minor) in new[] { (7, 0), (8, 0), (8, 9), (9, 0) })
            {
                if ((major * 10) + minor >= minimum)
                {
                    data.Add(Name(kernel), major, minor);
                }
            }
        }

        return data;
    }

    public static TheoryData<string, int, int> TensorCoreKernelsAndArchitectures()
    {
        var data = new TheoryData<string, int, int>();
        foreach (MethodInfo kernel in AllKernels.Where(m => m.DeclaringType == typeof(TensorCoreGemmKernels)))
        {
            foreach ((int major, int minor) in new[] { (8, 0), (8, 9), (9, 0) })
            {
                data.Add(Name(kernel), major, minor);
            }
        }

        return data;
    }

    [Fact]
    public void KernelsAssembly_HasTheGemmReduceAndConvertKernels()
    {
        var names = AllKernels.Select(Name).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("IlgpuGemmKernels.GemmSingleOutput", names);
        Assert.Contains("IlgpuGemmKernels.GemmBFloat16Output", names);
        Assert.Contains("IlgpuElementwiseKernels.AddSingle", names);
        Assert.Contains("IlgpuElementwiseKernels.ConvertToBFloat16", names);
        Assert.Contains("IlgpuElementwiseKernels.ConvertToSingle", names);
        Assert.Contains("TensorCoreGemmKernels.GemmSingleOutput", names);
        Assert.Contains("TensorCoreGemmKernels.GemmBFloat16Output", names);
        Assert.Contains("AsyncTensorCoreGemmKernels.GemmSingleOutput", names);
        Assert.Contains("AsyncTensorCoreGemmKernels.GemmBFloat16Output", names);
    }

    [Fact]
    public void OnlyTheTensorCoreKernels_NeedSm80()
    {
        // Everything else must keep running on Volta, OpenCL and the CPU accelerator.
        foreach (MethodInfo method in AllKernels)
        {
            int minimum = method.GetCustomAttribute<IlgpuKernelAttribute>()!.MinimumCudaArchitecture;
            bool tensorCores = method.DeclaringType == typeof(TensorCoreGemmKernels) || method.DeclaringType == typeof(AsyncTensorCoreGemmKernels);
            Assert.Equal(tensorCores ? TensorCoreGemmKernels.MinimumArchitecture : 0, minimum);
        }

        Assert.Equal(80, TensorCoreGemmKernels.MinimumArchitecture);
    }

    [Theory]
    [MemberData(nameof(TensorCoreKernelsAndArchitectures))]
    public void TensorCoreKernel_IsOneFunctionOfBf16MmaWithItsAccumulatorsInRegisters(string kernel, int major, int minor)
    {
        MethodInfo method = AllKernels.Single(m => Name(m) == kernel);
        string ptx = CompileToPtx(method, new CudaArchitecture(major, minor));

        // bf16 mma.sync m16n8k16 needs sm_80 and PTX ISA 7.0: what ILGPU declares must allow it.
        Match target = TargetRegex().Match(ptx);
        Assert.Equal(80, int.Parse(target.Groups["sm"].Value, System.Globalization.CultureInfo.InvariantCulture));
        Match version = VersionRegex().Match(ptx);
        Assert.True(version.Success, $"{kernel}: no .version line");
        var isa = new Version(int.Parse(version.Groups["major"].Value, System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(version.Groups["minor"].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(isa >= new Version(7, 0), $"{kernel}: PTX ISA {isa} is older than 7.0, which bf16 mma.sync needs");

        // 4 x 8 products per 16-deep step, two steps per slice, all in the loop body (not unrolled).
        Assert.Equal(64, MmaRegex().Count(ptx));

        // The accumulators are declared once, as PTX registers of the entry itself: a separate .func would not see
        // them, and an inline-PTX output in a .NET local would sit in local memory.
        Assert.Equal(1, Regex.Count(ptx, @"\.reg \.f32 cmx_acc<128>;"));
        Assert.DoesNotContain(".func", ptx, StringComparison.Ordinal);
        Assert.DoesNotContain(".local", ptx, StringComparison.Ordinal);

        // The tiles and the epilogue go through shared memory, with one group barrier per slice (plus the one
        // before the epilogue) and warp barriers around each staged slice of C.
        Assert.Contains(".shared", ptx, StringComparison.Ordinal);
        Assert.Contains("bar.sync", ptx, StringComparison.Ordinal);
        Assert.Contains("bar.warp.sync", ptx, StringComparison.Ordinal);
        Assert.Contains("ld.global.v4.b32", ptx, StringComparison.Ordinal);
        Assert.Contains("st.shared.v4.b32", ptx, StringComparison.Ordinal);
    }

    public static TheoryData<string, int, int> AsyncTensorCoreKernelsAndArchitectures()
    {
        var data = new TheoryData<string, int, int>();
        foreach (MethodInfo kernel in AllKernels.Where(m => m.DeclaringType == typeof(AsyncTensorCoreGemmKernels)))
        {
            foreach ((int major, int minor) in new[] { (8, 0), (8, 9), (9, 0) })
            {
                data.Add(Name(kernel), major, minor);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AsyncTensorCoreKernelsAndArchitectures))]
    public void AsyncTensorCoreKernel_CopiesAsynchronouslyAndLoadsFragmentsWithLdmatrix(string kernel, int major, int minor)
    {
        MethodInfo method = AllKernels.Single(m => Name(m) == kernel);
        string ptx = CompileToPtx(method, new CudaArchitecture(major, minor));

        // Two 16-deep steps of 32 products per slice; per step four x4 loads of A and four of B, in each storage
        // order (plain where K is contiguous, .trans where M or N is), so 32 ldmatrix in the code, half of them .trans.
        Assert.Equal(64, MmaRegex().Count(ptx));
        Assert.Equal(32, Regex.Count(ptx, @"ldmatrix\.sync\.aligned\.m8n8\.x4\."));
        Assert.Equal(16, Regex.Count(ptx, @"ldmatrix\.sync\.aligned\.m8n8\.x4\.trans\."));
        Assert.Contains("cp.async.cg.shared.global", ptx, StringComparison.Ordinal);
        Assert.Contains("cp.async.wait_group 0;", ptx, StringComparison.Ordinal);
        Assert.Contains("cp.async.commit_group;", ptx, StringComparison.Ordinal);

        // The kernel's shared memory is its own declaration only (ILGPU allocates none), within the 48 KiB of static
        // shared memory; accumulators and fragments are declared PTX registers; nothing goes through local memory.
        Match shared = Regex.Match(ptx, @"\.shared \.align 128 \.b8 cmx_smem\[(?<bytes>\d+)\];");
        Assert.True(shared.Success, $"{kernel}: no cmx_smem declaration");
        Assert.Equal(2 * AsyncTensorCoreLayout.StageBytes, int.Parse(shared.Groups["bytes"].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(2 * AsyncTensorCoreLayout.StageBytes <= 48 * 1024);
        Assert.Equal(1, Regex.Count(ptx, @"\.shared \."));
        Assert.Equal(1, Regex.Count(ptx, @"\.reg \.f32 cmx_acc<128>;"));
        Assert.DoesNotContain(".local", ptx, StringComparison.Ordinal);
        Assert.DoesNotContain(".func", ptx, StringComparison.Ordinal);
        Assert.Equal(80, int.Parse(TargetRegex().Match(ptx).Groups["sm"].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [MemberData(nameof(KernelsAndArchitectures))]
    public void Kernel_CompilesToSelfContainedPtx(string kernel, int major, int minor)
    {
        MethodInfo method = AllKernels.Single(m => Name(m) == kernel);
        var architecture = new CudaArchitecture(major, minor);
        string ptx = CompileToPtx(method, architecture);

        // ILGPU 1.5.3 emits at most sm_80 code (it runs on later GPUs through the driver's JIT), never more than asked.
        Match target = TargetRegex().Match(ptx);
        Assert.True(target.Success, $"{kernel}: no .target line");
        int emitted = int.Parse(target.Groups["sm"].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(emitted, 70, (major * 10) + minor);
        Assert.Matches(EntryRegex(), ptx);

        // An .extern declaration is a symbol the module expects someone else to supply: the driver's JIT would
        // refuse to link it (e.g. a libdevice math function compiled without libdevice).
        string[] externs = ptx.Split('\n').Where(line => line.TrimStart().StartsWith(".extern", StringComparison.Ordinal)).ToArray();
        Assert.True(externs.Length == 0, $"{kernel} for sm_{major}{minor} declares external symbols:\n{string.Join('\n', externs)}");

        // Every call must target a function defined in this module.
        var defined = FunctionRegex().Matches(ptx).Select(m => m.Groups["name"].Value).ToHashSet(StringComparer.Ordinal);
        var called = CallRegex().Matches(ptx).Select(m => m.Groups["name"].Value).Distinct(StringComparer.Ordinal);
        var unresolved = called.Where(name => !defined.Contains(name)).ToArray();
        Assert.True(unresolved.Length == 0, $"{kernel} calls functions the module does not define: {string.Join(", ", unresolved)}");
    }

    [Fact]
    public void GemmKernels_KeepTheirRegisterTileOutOfLocalMemory_AndReadSharedMemoryInQuads()
    {
        // The 8 x 8 accumulator block must live in registers; local memory (.local) here would mean the register
        // tile was spilled to an array and the kernel would run several times slower. The operands come from shared
        // memory in 128-bit loads: four per k (two quads of op(A), two of op(B)).
        foreach (MethodInfo method in AllKernels.Where(m => m.DeclaringType == typeof(IlgpuGemmKernels)))
        {
            string ptx = CompileToPtx(method, CudaArchitecture.SM_90);
            Assert.DoesNotContain(".local", ptx, StringComparison.Ordinal);
            Assert.Contains(".shared", ptx, StringComparison.Ordinal);
            Assert.Contains("bar.sync", ptx, StringComparison.Ordinal);
            Assert.Equal(4, ptx.Split("ld.shared.v4.f32").Length - 1);
        }
    }

    private static string CompileToPtx(MethodInfo method, CudaArchitecture architecture)
    {
        using var context = Context.Create(builder => builder.Optimize(OptimizationLevel.O2));
        using var backend = new PTXBackend(context, architecture, CudaInstructionSet.ISA_78, nvvmAPI: null!);
        bool explicitlyGrouped = method.GetCustomAttribute<IlgpuKernelAttribute>()!.ExplicitlyGrouped;
        EntryPointDescription entry = explicitlyGrouped
            ? EntryPointDescription.FromExplicitlyGroupedKernel(method)
            : EntryPointDescription.FromImplicitlyGroupedKernel(method);
        var compiled = (PTXCompiledKernel)backend.Compile(entry, KernelSpecialization.Empty);
        if (Environment.GetEnvironmentVariable("CMX_DUMP_PTX") is string directory)
        {
            // For reading the generated code: CMX_DUMP_PTX=/some/dir dotnet test ... --filter IlgpuPtxCompileTests
            File.WriteAllText(Path.Combine(directory, $"{Name(method)}.{architecture}.ptx"), compiled.PTXAssembly);
        }

        return compiled.PTXAssembly;
    }

    private static string Name(MethodInfo method) => method.DeclaringType!.Name + "." + method.Name;

    [GeneratedRegex(@"\.target\s+sm_(?<sm>\d+)")]
    private static partial Regex TargetRegex();

    [GeneratedRegex(@"^\.version\s+(?<major>\d+)\.(?<minor>\d+)", RegexOptions.Multiline)]
    private static partial Regex VersionRegex();

    [GeneratedRegex(@"mma\.sync\.aligned\.m16n8k16\.row\.col\.f32\.bf16\.bf16\.f32\s")]
    private static partial Regex MmaRegex();

    [GeneratedRegex(@"\.entry\s+\S+")]
    private static partial Regex EntryRegex();

    [GeneratedRegex(@"\.func\s+(\([^)]*\)\s*)?(?<name>[A-Za-z_$][\w$]*)")]
    private static partial Regex FunctionRegex();

    [GeneratedRegex(@"\bcall(\.uni)?\s+(\([^)]*\),\s*)?(?<name>[A-Za-z_$][\w$]*)")]
    private static partial Regex CallRegex();
}
