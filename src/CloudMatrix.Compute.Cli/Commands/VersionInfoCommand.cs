using System.CommandLine;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CloudMatrix.Compute.Cli.Commands;

/// <summary><c>cmx about</c>: version, runtime and the host's SIMD support, as text or JSON.</summary>
internal static class VersionInfoCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("about", "Print the library version, the .NET runtime and the host's SIMD support.");
        command.SetAction(parse =>
        {
            var about = About.Current();
            if (parse.GetValue(CliContext.JsonOption))
            {
                context.WriteJson(about);
            }
            else
            {
                context.Out.WriteLine($"CloudMatrix.Compute {about.Version}");
                context.Out.WriteLine($"runtime      {about.Runtime} on {about.Os} ({about.Architecture})");
                context.Out.WriteLine($"host cores   {about.HostCores}");
                context.Out.WriteLine($"simd         {string.Join(", ", about.Simd)}");
            }

            return CmxApp.ExitOk;
        });
        return command;
    }
}

/// <summary>What <c>cmx about</c> reports.</summary>
internal sealed record About(string Version, string Runtime, string Os, string Architecture, int HostCores, IReadOnlyList<string> Simd)
{
    public static About Current()
    {
        string version = typeof(CloudMatrix.Compute.Numerics.BFloat16).Assembly
            .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        var simd = new List<string>();
        if (Vector128.IsHardwareAccelerated) simd.Add("vector128");
        if (Vector256.IsHardwareAccelerated) simd.Add("vector256");
        if (Vector512.IsHardwareAccelerated) simd.Add("vector512");
        if (System.Runtime.Intrinsics.X86.Fma.IsSupported) simd.Add("fma");
        if (System.Runtime.Intrinsics.X86.Avx512F.IsSupported) simd.Add("avx512f");
        return new About(version.Split('+')[0], RuntimeInformation.FrameworkDescription, RuntimeInformation.OSDescription,
            RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(), Environment.ProcessorCount, simd);
    }
}
