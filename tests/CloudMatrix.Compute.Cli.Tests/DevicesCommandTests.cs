using System.Text.Json;

namespace CloudMatrix.Compute.Cli.Tests;

public class DevicesCommandTests
{
    [Fact]
    public void Devices_Json_ListsEveryBackend_WithDeviceOrReason_AndTheAutoChoice()
    {
        var (code, output, _) = CmxRunner.Run("devices", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        JsonElement[] backends = doc.RootElement.GetProperty("backends").EnumerateArray().ToArray();
        Assert.Equal(["cpu-simd", "ilgpu-cpu", "cuda", "opencl"], backends.Select(b => b.GetProperty("name").GetString()));
        foreach (JsonElement backend in backends)
        {
            bool available = backend.GetProperty("available").GetBoolean();
            Assert.Equal(available, backend.GetProperty("device").ValueKind == JsonValueKind.String);
            Assert.Equal(available, backend.GetProperty("memory_bytes").ValueKind == JsonValueKind.Number);
            Assert.Equal(!available, backend.GetProperty("reason").ValueKind == JsonValueKind.String);
        }

        string auto = doc.RootElement.GetProperty("auto").GetString()!;
        Assert.Contains(auto, new[] { "cuda", "opencl", "cpu-simd" });
        Assert.True(backends.Single(b => b.GetProperty("name").GetString() == auto).GetProperty("available").GetBoolean());
    }

    [Fact]
    public void Devices_Human_NamesTheAutoChoice()
    {
        var (code, output, _) = CmxRunner.Run("devices");
        Assert.Equal(0, code);
        Assert.Contains("cpu-simd", output, StringComparison.Ordinal);
        Assert.Contains("auto picks:", output, StringComparison.Ordinal);
    }
}
