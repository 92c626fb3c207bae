namespace CloudMatrix.Compute.Cli;

/// <summary>
/// <c>cmx</c> with no arguments: the main job on the CloudMatrix384 preset. It grows as the library does; today it
/// reports what this build can do.
/// </summary>
internal static class MainJob
{
    public static int Run(CliContext context, bool json)
    {
        var about = Commands.About.Current();
        if (json)
        {
            context.WriteJson(new { about.Version, System = "cloudmatrix384", Host = about });
            return CmxApp.ExitOk;
        }

        TextWriter o = context.Out;
        o.WriteLine($"CloudMatrix.Compute {about.Version}: CloudMatrix384 preset");
        o.WriteLine($"host: {about.HostCores} cores, {about.Runtime}, SIMD {string.Join("/", about.Simd)}");
        o.WriteLine("Run 'cmx --help' to list the verbs.");
        return CmxApp.ExitOk;
    }
}
