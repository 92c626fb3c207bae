using System.Reflection;
using CloudMatrix.Compute.Kernels.Ilgpu;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.OpenCL;
using ILGPU.Runtime;
using ILGPU.Runtime.OpenCL;

namespace CloudMatrix.Compute.Kernels.Tests.Ilgpu;

/// <summary>
/// Compiles every ILGPU kernel to OpenCL C source with ILGPU's OpenCL backend, without an OpenCL runtime. This does
/// not prove a driver's compiler accepts the source, but it catches what ILGPU itself cannot translate for OpenCL
/// (an unsupported intrinsic throws here), for a device with OpenCL C 2.0 and nothing optional (no fp16, fp64,
/// 64-bit atomics or subgroups). Kernels written in inline PTX (a nonzero
/// <see cref="IlgpuKernelAttribute.MinimumCudaArchitecture"/>) run on CUDA only and are left out.
/// </summary>
public sealed class IlgpuOpenCLCompileTests
{
    public static TheoryData<string> Kernels()
    {
        var data = new TheoryData<string>();
        foreach (MethodInfo method in KernelMethods())
        {
            data.Add(method.DeclaringType!.Name + "." + method.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Kernel_CompilesToOpenCLC(string kernel)
    {
        MethodInfo method = KernelMethods().Single(m => m.DeclaringType!.Name + "." + m.Name == kernel);
        using var context = Context.Create(builder => builder.Optimize(OptimizationLevel.O2));
        var capabilities = new CLCapabilityContext(float16: false, float64: false, genericAddressSpace: true, int64_Atomics: false, subGroups: false);
        using var backend = new CLBackend(context, capabilities, CLDeviceVendor.Other, CLCVersion.CL20);
        EntryPointDescription entry = method.GetCustomAttribute<IlgpuKernelAttribute>()!.ExplicitlyGrouped
            ? EntryPointDescription.FromExplicitlyGroupedKernel(method)
            : EntryPointDescription.FromImplicitlyGroupedKernel(method);
        var compiled = (CLCompiledKernel)backend.Compile(entry, KernelSpecialization.Empty);

        Assert.Contains("kernel void", compiled.Source, StringComparison.Ordinal);
        Assert.DoesNotContain("double", compiled.Source, StringComparison.Ordinal);
        if (method.DeclaringType == typeof(IlgpuGemmKernels))
        {
            Assert.Contains("barrier", compiled.Source, StringComparison.Ordinal);
            Assert.Contains("local", compiled.Source, StringComparison.Ordinal);
        }
    }

    private static IEnumerable<MethodInfo> KernelMethods() => typeof(IlgpuKernelAttribute).Assembly.GetTypes()
        .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
        .Where(m => m.GetCustomAttribute<IlgpuKernelAttribute>() is { MinimumCudaArchitecture: 0 });
}
