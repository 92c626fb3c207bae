namespace CloudMatrix.Compute.Backends;

/// <summary>The ILGPU accelerators CloudMatrix.Compute can run on.</summary>
internal enum IlgpuBackendKind
{
    /// <summary>ILGPU's CPU accelerator (an emulator of a GPU: correct, slow).</summary>
    Cpu,

    /// <summary>An NVIDIA GPU through the CUDA driver.</summary>
    Cuda,

    /// <summary>A GPU through an OpenCL 2.0+ runtime.</summary>
    OpenCL,
}
