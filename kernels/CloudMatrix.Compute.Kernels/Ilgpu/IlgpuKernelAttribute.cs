namespace CloudMatrix.Compute.Kernels.Ilgpu;

/// <summary>
/// Marks a static method as an ILGPU kernel entry point, so that tests can find every kernel by reflection and
/// compile it for the GPU backends on a machine without a GPU.
/// </summary>
/// <param name="explicitlyGrouped">
/// Whether the kernel is launched with an explicit group size (<c>Grid</c>/<c>Group</c> indices, shared memory and
/// barriers) rather than one implicit index parameter.
/// </param>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
internal sealed class IlgpuKernelAttribute(bool explicitlyGrouped) : Attribute
{
    /// <summary>Whether the kernel is explicitly grouped.</summary>
    public bool ExplicitlyGrouped { get; } = explicitlyGrouped;

    /// <summary>
    /// 0 for a kernel every ILGPU backend compiles; otherwise the kernel holds inline PTX and runs only on CUDA devices
    /// of this architecture or newer, as major * 10 + minor (80 for sm_80).
    /// </summary>
    public int MinimumCudaArchitecture { get; init; }
}
