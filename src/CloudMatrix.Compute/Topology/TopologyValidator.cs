using System.Globalization;

namespace CloudMatrix.Compute.Topology;

/// <summary>Checks a system description; reports the first bad field by its JSON path and the reason.</summary>
internal static class TopologyValidator
{
    internal readonly record struct Error(string Path, string Reason);

    public static Error? FirstError(SystemSpec s)
    {
        if (string.IsNullOrWhiteSpace(s.Name))
        {
            return new Error("name", "must be a non-empty string");
        }

        if (NpuError(s.Npu) is { } npuError)
        {
            return npuError;
        }

        if (s.Cpu is { } cpu)
        {
            if (cpu.CountPerNode < 0) return new Error("cpu.count_per_node", $"must be >= 0, was {cpu.CountPerNode}");
            if ((long)cpu.CountPerNode * s.NodeCount > int.MaxValue)
            {
                return new Error("cpu.count_per_node", $"times {s.NodeCount} nodes must be at most {int.MaxValue} host CPUs, was {cpu.CountPerNode}");
            }
            if (NonNegative(cpu.ScaleUpBytesPerSecond) is { } r) return new Error("cpu.scale_up_bytes_per_second", r);
        }

        if (NonNegative(s.PowerWatts) is { } p) return new Error("power_watts", p);
        if (NonNegative(s.CostUsd) is { } c) return new Error("cost_usd", c);
        if (s.RackCount < 0) return new Error("racks", $"must be >= 0, was {s.RackCount}");
        if (s.Devices.Count == 0) return new Error("devices", "must hold at least one device");

        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < s.Devices.Count; i++)
        {
            DeviceSpec d = s.Devices[i];
            string path = $"devices[{i}]";
            if (string.IsNullOrWhiteSpace(d.Id)) return new Error(path + ".id", "must be a non-empty string");
            if (!seen.TryAdd(d.Id, path)) return new Error(path + ".id", $"duplicate id '{d.Id}' (also {seen[d.Id]})");
            if (d.NodeIndex < 0 || d.NodeIndex >= s.NodeCount) return new Error(path + ".node", $"must be in 0..{s.NodeCount - 1}, was {d.NodeIndex}");
            if (d.SupernodeIndex < 0 || d.SupernodeIndex >= Math.Max(1, s.SupernodeCount)) return new Error(path + ".supernode", $"must be in 0..{s.SupernodeCount - 1}, was {d.SupernodeIndex}");
            if (d.ChipIndex < 0) return new Error(path + ".chip", $"must be >= 0, was {d.ChipIndex}");
            if (d.DieIndex < -1) return new Error(path + ".die", $"must be >= -1 (-1 for a whole chip), was {d.DieIndex}");
        }

        var chips = new Dictionary<string, SwitchChipSpec>(StringComparer.Ordinal);
        for (int i = 0; i < s.Switches.Count; i++)
        {
            SwitchSpec w = s.Switches[i];
            string path = $"switches[{i}]";
            if (string.IsNullOrWhiteSpace(w.Id)) return new Error(path + ".id", "must be a non-empty string");
            if (!seen.TryAdd(w.Id, path)) return new Error(path + ".id", $"duplicate id '{w.Id}' (also {seen[w.Id]})");
            if (w.Chip is null) return new Error(path + ".chip", "must name a switch chip");
            if (w.Chip.Ports < 1) return new Error(path + ".chip", $"chip '{w.Chip.Name}' must have >= 1 port, has {w.Chip.Ports}");
            if (Positive(w.Chip.PortBytesPerSecond) is { } r) return new Error(path + ".chip", $"chip '{w.Chip.Name}' port_bytes_per_second {r}");
            if (chips.TryGetValue(w.Chip.Name, out SwitchChipSpec? other) && other != w.Chip) return new Error(path + ".chip", $"chip name '{w.Chip.Name}' is used by two different chip specs");
            chips[w.Chip.Name] = w.Chip;
            if (w.SupernodeIndex < -1) return new Error(path + ".supernode", $"must be >= -1 (-1 for shared), was {w.SupernodeIndex}");
        }

        var linkIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var parent = Enumerable.Range(0, s.Devices.Count + s.Switches.Count).ToArray();
        // The simulator routes a flow inside a supernode over scale-up links only and between supernodes over
        // scale-out links only, so connectivity is checked per network, as the routes will need it.
        int[] scaleUp = (int[])parent.Clone(), scaleOut = (int[])parent.Clone();
        for (int i = 0; i < s.Links.Count; i++)
        {
            LinkSpec l = s.Links[i];
            string path = $"links[{i}]";
            if (string.IsNullOrWhiteSpace(l.Id)) return new Error(path + ".id", "must be a non-empty string");
            if (!linkIds.TryAdd(l.Id, i)) return new Error(path + ".id", $"duplicate link id '{l.Id}' (also links[{linkIds[l.Id]}])");
            if (l.From is null || !s.ContainsId(l.From)) return new Error(path + ".from", $"'{l.From}' is no device or switch id (dangling link end)");
            if (l.To is null || !s.ContainsId(l.To)) return new Error(path + ".to", $"'{l.To}' is no device or switch id (dangling link end)");
            if (l.From == l.To) return new Error(path + ".to", $"a link must join two different ends, both are '{l.To}'");
            if (Positive(l.BandwidthBytesPerSecond) is { } bw) return new Error(path + ".bandwidth_bytes_per_second", bw);
            if (NonNegative(l.LatencySeconds) is { } lat) return new Error(path + ".latency_seconds", lat);
            if (NonNegative(l.OpticalTransceivers) is { } tr) return new Error(path + ".optical_transceivers", tr);
            if (NonNegative(l.PowerWatts) is { } pw) return new Error(path + ".power_watts", pw);
            if (!Enum.IsDefined(l.Medium)) return new Error(path + ".medium", $"must be electrical, optical or on_package, was {(int)l.Medium}");
            if (!Enum.IsDefined(l.Network)) return new Error(path + ".network", $"must be scale_up or scale_out, was {(int)l.Network}");
            Union(parent, s.VertexIndex(l.From), s.VertexIndex(l.To));
            Union(l.Network == LinkNetwork.ScaleOut ? scaleOut : scaleUp, s.VertexIndex(l.From), s.VertexIndex(l.To));
        }

        int root = Find(parent, 0);
        for (int i = 1; i < s.Devices.Count; i++)
        {
            if (Find(parent, i) != root)
            {
                return new Error($"devices[{i}]",
                    $"device '{s.Devices[i].Id}' is disconnected: no chain of links reaches device '{s.Devices[0].Id}'");
            }
        }

        return RouteError(s, scaleUp, scaleOut);
    }

    // Every pair of devices must have a route on the network the simulator will use for it.
    private static Error? RouteError(SystemSpec s, int[] scaleUp, int[] scaleOut)
    {
        var firstOfSupernode = new Dictionary<int, int>();
        for (int i = 0; i < s.Devices.Count; i++)
        {
            int k = s.Devices[i].SupernodeIndex;
            if (!firstOfSupernode.TryAdd(k, i) && Find(scaleUp, i) != Find(scaleUp, firstOfSupernode[k]))
            {
                DeviceSpec first = s.Devices[firstOfSupernode[k]];
                return new Error($"devices[{i}]",
                    $"device '{s.Devices[i].Id}' is disconnected from device '{first.Id}' of the same supernode {k} over scale-up links " +
                    "(flows inside a supernode use scale-up links only)");
            }
        }

        if (firstOfSupernode.Count > 1)
        {
            for (int i = 1; i < s.Devices.Count; i++)
            {
                if (Find(scaleOut, i) != Find(scaleOut, 0))
                {
                    return new Error($"devices[{i}]",
                        $"device '{s.Devices[i].Id}' of supernode {s.Devices[i].SupernodeIndex} is disconnected from device '{s.Devices[0].Id}' " +
                        $"of supernode {s.Devices[0].SupernodeIndex} over scale-out links (flows between supernodes use scale-out links only)");
                }
            }
        }

        return null;
    }

    private static Error? NpuError(NpuSpec n)
    {
        if (n is null) return new Error("npu", "must be present");
        if (string.IsNullOrWhiteSpace(n.Name)) return new Error("npu.name", "must be a non-empty string");
        if (n.Dies < 1) return new Error("npu.dies", $"must be >= 1, was {n.Dies}");
        if (Positive(n.Bf16FlopsPerSecond) is { } a) return new Error("npu.bf16_flops_per_second", a);
        if (NonNegative(n.Fp16FlopsPerSecond) is { } b) return new Error("npu.fp16_flops_per_second", b);
        if (NonNegative(n.Fp32FlopsPerSecond) is { } c) return new Error("npu.fp32_flops_per_second", c);
        if (Positive(n.VectorFlopsPerSecond) is { } d) return new Error("npu.vector_flops_per_second", d);
        if (n.HbmCapacityBytes < 0) return new Error("npu.hbm_capacity_bytes", $"must be >= 0, was {n.HbmCapacityBytes}");
        if (Positive(n.HbmBytesPerSecond) is { } e) return new Error("npu.hbm_bytes_per_second", e);
        if (n.ScaleUpLinks < 0) return new Error("npu.scale_up_links", $"must be >= 0, was {n.ScaleUpLinks}");
        if (NonNegative(n.ScaleUpLinkBytesPerSecond) is { } f) return new Error("npu.scale_up_link_bytes_per_second", f);
        if (NonNegative(n.ScaleOutBytesPerSecond) is { } g) return new Error("npu.scale_out_bytes_per_second", g);
        if (NonNegative(n.DieToDieBytesPerSecond) is { } h) return new Error("npu.die_to_die_bytes_per_second", h);
        return null;
    }

    private static string? Positive(double v) =>
        double.IsFinite(v) && v > 0 ? null : $"must be finite and > 0, was {Show(v)}";

    private static string? NonNegative(double v) =>
        double.IsFinite(v) && v >= 0 ? null : $"must be finite and >= 0, was {Show(v)}";

    private static string Show(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static int Find(int[] parent, int x)
    {
        while (parent[x] != x)
        {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }

        return x;
    }

    private static void Union(int[] parent, int a, int b) => parent[Find(parent, a)] = Find(parent, b);
}
