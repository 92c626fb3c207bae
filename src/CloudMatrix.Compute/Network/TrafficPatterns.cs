using System.Globalization;
using CloudMatrix.Compute.Memory;

namespace CloudMatrix.Compute.Network;

/// <summary>
/// Synthetic traffic for <see cref="NetworkSimulator.Run"/>, as <c>cmx simulate --pattern</c> names it: every flow
/// independent (no dependencies, no delay), all starting at time 0.
/// </summary>
public static class TrafficPatterns
{
    /// <summary>The pattern names <see cref="Create"/> accepts: <c>all-to-all</c> and <c>ring</c>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["all-to-all", "ring"];

    /// <summary>Every ordered pair of distinct devices exchanges <paramref name="bytes"/>: n (n − 1) flows.</summary>
    /// <param name="devices">Devices 0..n−1 take part; at least 1.</param>
    /// <param name="bytes">Bytes of each flow; finite, at least 0.</param>
    /// <returns>The flows, ids 0.. in (source, destination) row-major order.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="devices"/> is below 1 or above 46341 (more flows than a list holds), or <paramref name="bytes"/> is negative or not finite.</exception>
    /// <exception cref="MemoryBudgetExceededException">The flows would need more memory than <see cref="MemoryBudget"/> allows.</exception>
    public static IReadOnlyList<Flow> AllToAll(int devices, double bytes)
    {
        Check(devices, bytes);
        double flows = (double)devices * (devices - 1);
        if (flows > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(devices), devices,
                $"An all-to-all of {devices.ToString(CultureInfo.InvariantCulture)} devices has {flows.ToString("N0", CultureInfo.InvariantCulture)} flows, more than one list holds; valid: 1..{MaxAllToAllDevices.ToString(CultureInfo.InvariantCulture)} devices.");
        }

        MemoryBudget.Ensure(flows * BytesPerFlow, $"an all-to-all of {devices.ToString(CultureInfo.InvariantCulture)} devices ({flows.ToString("N0", CultureInfo.InvariantCulture)} flows)");
        var list = new List<Flow>(devices * (devices - 1));
        for (int a = 0; a < devices; a++)
        {
            for (int b = 0; b < devices; b++)
            {
                if (a != b) list.Add(new Flow(list.Count, a, b, bytes));
            }
        }

        return list;
    }

    /// <summary>Device i sends <paramref name="bytes"/> to device (i + 1) mod n: n flows, id i from device i.</summary>
    /// <param name="devices">Devices 0..n−1 take part; at least 1.</param>
    /// <param name="bytes">Bytes of each flow; finite, at least 0.</param>
    /// <returns>The flows.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="devices"/> is below 1 or <paramref name="bytes"/> is negative or not finite.</exception>
    public static IReadOnlyList<Flow> Ring(int devices, double bytes)
    {
        Check(devices, bytes);
        return [.. Enumerable.Range(0, devices).Select(a => new Flow(a, a, (a + 1) % devices, bytes))];
    }

    /// <summary>The pattern called <paramref name="name"/> (one of <see cref="Names"/>, any case).</summary>
    /// <param name="name">The pattern's name.</param>
    /// <param name="devices">Devices 0..n−1 take part; at least 1.</param>
    /// <param name="bytes">Bytes of each flow; finite, at least 0.</param>
    /// <returns>The flows.</returns>
    /// <exception cref="ArgumentException">An unknown name.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="devices"/> is below 1 (or too many for an all-to-all), or <paramref name="bytes"/> is negative or not finite.</exception>
    /// <exception cref="MemoryBudgetExceededException">The flows would need more memory than <see cref="MemoryBudget"/> allows.</exception>
    public static IReadOnlyList<Flow> Create(string name, int devices, double bytes)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Trim().ToLowerInvariant() switch
        {
            "all-to-all" => AllToAll(devices, bytes),
            "ring" => Ring(devices, bytes),
            _ => throw new ArgumentException($"Traffic pattern '{name}' is unknown; valid: {string.Join(", ", Names)}.", nameof(name)),
        };
    }

    // The most devices whose n (n - 1) flows fit in one list.
    private const int MaxAllToAllDevices = 46_341;

    // Memory of one flow and its list slot, bytes: an estimate, on the high side.
    private const double BytesPerFlow = 96;

    private static void Check(int devices, double bytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(devices, 1);
        if (!(double.IsFinite(bytes) && bytes >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(bytes), bytes.ToString(CultureInfo.InvariantCulture), "Bytes per flow must be finite and >= 0.");
        }
    }
}
