using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CloudMatrix.Compute.Topology;

/// <summary>
/// Reads and writes the versioned topology file format (<c>"format": "cmx-topology", "version": 1</c>), documented
/// in <c>docs/topology-format.md</c>. Saving then loading gives an equal system, and loading then saving gives the
/// same text.
/// </summary>
public static partial class TopologyFile
{
    /// <summary>The <c>format</c> field's value.</summary>
    public const string FormatName = "cmx-topology";

    /// <summary>The format version this library writes and reads.</summary>
    public const int Version = 1;

    /// <summary>
    /// The largest <c>count</c> one link entry of a file may carry: the entry stands for that many parallel identical
    /// links (the 18 NVLinks of a GPU, say), loaded as if listed one by one.
    /// </summary>
    public const int MaxParallelLinks = 65536;

    /// <summary>Loads the topology file at <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="TopologyFormatException">The file is not valid: the message names the file, the JSON path and the reason.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static SystemSpec Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Writes <paramref name="system"/> to <paramref name="path"/> (UTF-8, indented).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="system"/> or <paramref name="path"/> is null.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Save(SystemSpec system, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        File.WriteAllText(path, ToJson(system), new UTF8Encoding(false));
    }

    /// <summary>The file text of <paramref name="system"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="system"/> is null.</exception>
    public static string ToJson(SystemSpec system)
    {
        ArgumentNullException.ThrowIfNull(system);
        using var stream = new MemoryStream();
        // Names and sources are written as they are (µ, ×, §), not as \u escapes; JSON-significant characters are still escaped.
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("format", FormatName);
            w.WriteNumber("version", Version);
            w.WriteString("name", system.Name);
            w.WriteString("granularity", system.Granularity == DeviceGranularity.Die ? "die" : "npu");
            w.WriteNumber("nodes", system.NodeCount);
            w.WriteNumber("racks", system.RackCount);
            w.WriteNumber("supernodes", system.SupernodeCount);
            w.WriteNumber("power_watts", system.PowerWatts);
            w.WriteNumber("cost_usd", system.CostUsd);
            w.WriteStartObject("sources");
            foreach (var s in system.Sources)
            {
                w.WriteString(s.Key, s.Value);
            }

            w.WriteEndObject();
            NpuSpec n = system.Npu;
            w.WriteStartObject("npu");
            w.WriteString("name", n.Name);
            w.WriteNumber("dies", n.Dies);
            w.WriteNumber("bf16_flops_per_second", n.Bf16FlopsPerSecond);
            w.WriteNumber("fp16_flops_per_second", n.Fp16FlopsPerSecond);
            w.WriteNumber("fp32_flops_per_second", n.Fp32FlopsPerSecond);
            w.WriteNumber("vector_flops_per_second", n.VectorFlopsPerSecond);
            w.WriteNumber("hbm_capacity_bytes", n.HbmCapacityBytes);
            w.WriteNumber("hbm_bytes_per_second", n.HbmBytesPerSecond);
            w.WriteNumber("scale_up_links", n.ScaleUpLinks);
            w.WriteNumber("scale_up_link_bytes_per_second", n.ScaleUpLinkBytesPerSecond);
            w.WriteNumber("scale_out_bytes_per_second", n.ScaleOutBytesPerSecond);
            w.WriteNumber("die_to_die_bytes_per_second", n.DieToDieBytesPerSecond);
            w.WriteEndObject();
            if (system.Cpu is { } cpu)
            {
                w.WriteStartObject("cpu");
                w.WriteString("name", cpu.Name);
                w.WriteNumber("count_per_node", cpu.CountPerNode);
                w.WriteNumber("scale_up_bytes_per_second", cpu.ScaleUpBytesPerSecond);
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("cpu");
            }

            w.WriteStartArray("switch_chips");
            foreach (SwitchChipSpec c in system.Switches.Select(s => s.Chip).Distinct())
            {
                w.WriteStartObject();
                w.WriteString("name", c.Name);
                w.WriteNumber("ports", c.Ports);
                w.WriteNumber("port_bytes_per_second", c.PortBytesPerSecond);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("devices");
            foreach (DeviceSpec d in system.Devices)
            {
                w.WriteStartObject();
                w.WriteString("id", d.Id);
                w.WriteNumber("node", d.NodeIndex);
                w.WriteNumber("supernode", d.SupernodeIndex);
                w.WriteNumber("chip", d.ChipIndex);
                w.WriteNumber("die", d.DieIndex);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("switches");
            foreach (SwitchSpec s in system.Switches)
            {
                w.WriteStartObject();
                w.WriteString("id", s.Id);
                w.WriteString("tier", s.Tier);
                w.WriteString("chip", s.Chip.Name);
                w.WriteNumber("node", s.NodeIndex);
                w.WriteNumber("supernode", s.SupernodeIndex);
                w.WriteNumber("plane", s.Plane);
                if (s.Group is null)
                {
                    w.WriteNull("group");
                }
                else
                {
                    w.WriteString("group", s.Group);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("links");
            foreach (LinkSpec l in system.Links)
            {
                w.WriteStartObject();
                w.WriteString("id", l.Id);
                w.WriteString("from", l.From);
                w.WriteString("to", l.To);
                w.WriteNumber("bandwidth_bytes_per_second", l.BandwidthBytesPerSecond);
                w.WriteNumber("latency_seconds", l.LatencySeconds);
                w.WriteString("medium", MediumName(l.Medium));
                w.WriteString("network", l.Network == LinkNetwork.ScaleOut ? "scale_out" : "scale_up");
                w.WriteNumber("optical_transceivers", l.OpticalTransceivers);
                w.WriteNumber("plane", l.Plane);
                w.WriteNumber("power_watts", l.PowerWatts);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            if (!system.Communication.IsIdeal)
            {
                WriteCommunication(w, system.Communication);
            }

            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    /// <summary>Parses file text; <paramref name="sourceName"/> names it in error messages.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> or <paramref name="sourceName"/> is null.</exception>
    /// <exception cref="TopologyFormatException">The text is not a valid topology: the message names the source, the JSON path and the reason.</exception>
    public static SystemSpec Parse(string json, string sourceName = "(text)")
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(sourceName);
        JsonDocument doc;
        var (parsed, problemPath, problem) = JsonDocuments.Parse(json);
        doc = parsed ?? throw new TopologyFormatException(sourceName, problemPath, problem);

        using (doc)
        {
            var r = new Reader(sourceName);
            try
            {
                return r.ReadSystem(doc.RootElement);
            }
            catch (InvalidOperationException ex)
            {
                // A safety net: every field read above already names its JSON path.
                throw new TopologyFormatException(sourceName, "$", ex.Message);
            }
            catch (ArgumentException ex) when (ex.ParamName is { } p && ex is not ArgumentNullException)
            {
                throw new TopologyFormatException(sourceName, p, Reason(ex, p));
            }
        }
    }

    // An ArgumentException's message without the framework's "(Parameter 'p')" suffix and the path it starts with.
    private static string Reason(ArgumentException ex, string path)
    {
        string reason = ex.Message;
        int cut = reason.IndexOf(" (Parameter '", StringComparison.Ordinal);
        if (cut >= 0)
        {
            reason = reason[..cut];
        }

        return reason.StartsWith(path + ": ", StringComparison.Ordinal) ? reason[(path.Length + 2)..] : reason;
    }

    private static string MediumName(LinkMedium m) => m switch
    {
        LinkMedium.Optical => "optical",
        LinkMedium.OnPackage => "on_package",
        _ => "electrical",
    };

    // Optional in version 1: a file without it describes a system with ideal collective costs, as before.
    private static void WriteCommunication(Utf8JsonWriter w, CommunicationCosts c)
    {
        w.WriteStartObject("communication");
        w.WriteString("source", c.Source);
        w.WriteNumber("reduce_pipeline_slices", c.ReducePipelineSlices);
        w.WriteStartArray("protocols");
        foreach (CollectiveProtocol p in c.Protocols)
        {
            w.WriteStartObject();
            WriteProtocol(w, p);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        if (c.InSwitch is { } inSwitch)
        {
            w.WriteStartObject("in_switch");
            WriteProtocol(w, inSwitch);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("in_switch");
        }

        if (c.InSwitchPipeline is { } pipeline)
        {
            w.WriteStartObject("in_switch_pipeline");
            w.WriteString("source", pipeline.Source);
            w.WriteNumber("channels", pipeline.Channels);
            w.WriteNumber("max_heads", pipeline.MaxHeads);
            w.WriteNumber("max_chunk_bytes", pipeline.MaxChunkBytes);
            w.WriteNumber("fill_loops", pipeline.FillLoops);
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static void WriteProtocol(Utf8JsonWriter w, CollectiveProtocol p)
    {
        w.WriteString("name", p.Name);
        w.WriteString("source", p.Source);
        w.WriteNumber("launch_seconds", p.LaunchSeconds);
        foreach (var (name, cost) in new[] { ("scale_up", p.ScaleUp), ("scale_out", p.ScaleOut) })
        {
            w.WriteStartObject(name);
            w.WriteNumber("step_latency_seconds", cost.StepLatencySeconds);
            w.WriteNumber("bandwidth_efficiency", cost.BandwidthEfficiency);
            w.WriteEndObject();
        }
    }

    [GeneratedRegex(@"links\[(\d+)\]", RegexOptions.CultureInvariant)]
    private static partial Regex LinkPath();

    private sealed class Reader(string source)
    {
        private CommunicationCosts ReadCommunication(JsonElement c)
        {
            const string path = "communication";
            Object(c, path);
            Fields(c, path, "source", "reduce_pipeline_slices", "protocols", "in_switch", "in_switch_pipeline");
            var protocols = new List<CollectiveProtocol>();
            int i = 0;
            foreach (JsonElement p in Arr(c, "protocols", required: false))
            {
                protocols.Add(ReadProtocol(p, $"communication.protocols[{i++}]"));
            }

            CollectiveProtocol? inSwitch = c.TryGetProperty("in_switch", out JsonElement s) && s.ValueKind != JsonValueKind.Null
                ? ReadProtocol(s, "communication.in_switch")
                : null;
            var costs = new CommunicationCosts
            {
                Source = Str(c, path, "source", ""),
                ReducePipelineSlices = Int(c, path, "reduce_pipeline_slices", 1),
                Protocols = protocols,
                InSwitch = inSwitch,
                InSwitchPipeline = c.TryGetProperty("in_switch_pipeline", out JsonElement q) && q.ValueKind != JsonValueKind.Null
                    ? ReadPipeline(q, "communication.in_switch_pipeline")
                    : null,
            };
            try
            {
                costs.Validate();
            }
            catch (ArgumentException ex)
            {
                throw Fail(path, ex.Message);
            }

            return costs;
        }

        private InSwitchPipeline ReadPipeline(JsonElement p, string path)
        {
            Object(p, path);
            Fields(p, path, "source", "channels", "max_heads", "max_chunk_bytes", "fill_loops");
            return new InSwitchPipeline(Int(p, path, "channels"), Int(p, path, "max_heads"), Int(p, path, "max_chunk_bytes"), Num(p, path, "fill_loops", 0))
            {
                Source = Str(p, path, "source", ""),
            };
        }

        private CollectiveProtocol ReadProtocol(JsonElement p, string path)
        {
            Object(p, path);
            Fields(p, path, "name", "source", "launch_seconds", "scale_up", "scale_out");
            LinkClassCost Cost(string name)
            {
                if (!p.TryGetProperty(name, out JsonElement e) || e.ValueKind == JsonValueKind.Null) return LinkClassCost.Ideal;
                string at = Join(path, name);
                Object(e, at);
                Fields(e, at, "step_latency_seconds", "bandwidth_efficiency");
                return new LinkClassCost(Num(e, at, "step_latency_seconds", 0), Num(e, at, "bandwidth_efficiency", 1));
            }

            return new CollectiveProtocol(Str(p, path, "name"), Num(p, path, "launch_seconds", 0), Cost("scale_up"), Cost("scale_out"))
            {
                Source = Str(p, path, "source", ""),
            };
        }

        public SystemSpec ReadSystem(JsonElement root)
        {
            Object(root, "$");
            // "$schema" lets an editor find docs/topology.schema.json; the reader has no use for it.
            Fields(root, "$", "$schema", "format", "version", "name", "granularity", "nodes", "racks", "supernodes", "power_watts",
                "cost_usd", "sources", "npu", "cpu", "switch_chips", "devices", "switches", "links", "communication");
            string format = Str(root, "$", "format");
            if (format != FormatName)
            {
                throw Fail("format", $"must be \"{FormatName}\", was \"{format}\"");
            }

            int version = Int(root, "$", "version");
            if (version != Version)
            {
                throw Fail("version", $"this library reads version {Version}, the file is version {version}");
            }

            JsonElement npuEl = Req(root, "$", "npu");
            Object(npuEl, "npu");
            Fields(npuEl, "npu", "name", "dies", "bf16_flops_per_second", "fp16_flops_per_second", "fp32_flops_per_second",
                "vector_flops_per_second", "hbm_capacity_bytes", "hbm_bytes_per_second", "scale_up_links",
                "scale_up_link_bytes_per_second", "scale_out_bytes_per_second", "die_to_die_bytes_per_second");
            var npu = new NpuSpec(Str(npuEl, "npu", "name"), Int(npuEl, "npu", "dies"),
                Num(npuEl, "npu", "bf16_flops_per_second"), Num(npuEl, "npu", "fp16_flops_per_second", 0),
                Num(npuEl, "npu", "fp32_flops_per_second", 0), Num(npuEl, "npu", "vector_flops_per_second"),
                Long(npuEl, "npu", "hbm_capacity_bytes"), Num(npuEl, "npu", "hbm_bytes_per_second"))
            {
                ScaleUpLinks = Int(npuEl, "npu", "scale_up_links", 0),
                ScaleUpLinkBytesPerSecond = Num(npuEl, "npu", "scale_up_link_bytes_per_second", 0),
                ScaleOutBytesPerSecond = Num(npuEl, "npu", "scale_out_bytes_per_second", 0),
                DieToDieBytesPerSecond = Num(npuEl, "npu", "die_to_die_bytes_per_second", 0),
            };
            string granularity = Str(root, "$", "granularity", "npu");
            var b = new TopologyBuilder(Str(root, "$", "name"), npu)
            {
                Granularity = granularity switch
                {
                    "npu" => DeviceGranularity.Npu,
                    "die" => DeviceGranularity.Die,
                    _ => throw Fail("granularity", $"must be \"npu\" or \"die\", was \"{granularity}\""),
                },
                NodeCount = Int(root, "$", "nodes", 0),
                RackCount = Int(root, "$", "racks", 0),
                SupernodeCount = Int(root, "$", "supernodes", 0),
                PowerWatts = Num(root, "$", "power_watts", 0),
                CostUsd = Num(root, "$", "cost_usd", 0),
            };
            if (root.TryGetProperty("sources", out JsonElement sources) && sources.ValueKind != JsonValueKind.Null)
            {
                Object(sources, "sources");
                foreach (JsonProperty p in sources.EnumerateObject())
                {
                    string key = Name(p, "sources");
                    b.Source(key, p.Value.ValueKind == JsonValueKind.String
                        ? Text(p.Value, "sources." + key)
                        : throw Fail("sources." + key, "must be a string"));
                }
            }

            if (root.TryGetProperty("cpu", out JsonElement cpu) && cpu.ValueKind != JsonValueKind.Null)
            {
                Object(cpu, "cpu");
                Fields(cpu, "cpu", "name", "count_per_node", "scale_up_bytes_per_second");
                b.Cpu = new CpuSpec(Str(cpu, "cpu", "name"), Int(cpu, "cpu", "count_per_node"), Num(cpu, "cpu", "scale_up_bytes_per_second", 0));
            }

            var chips = new Dictionary<string, SwitchChipSpec>(StringComparer.Ordinal);
            int i = 0;
            foreach (JsonElement c in Arr(root, "switch_chips", required: false))
            {
                string p = $"switch_chips[{i++}]";
                Object(c, p);
                Fields(c, p, "name", "ports", "port_bytes_per_second");
                var chip = new SwitchChipSpec(Str(c, p, "name"), Int(c, p, "ports"), Num(c, p, "port_bytes_per_second"));
                if (!chips.TryAdd(chip.Name, chip))
                {
                    throw Fail(p + ".name", $"duplicate switch chip name '{chip.Name}'");
                }
            }

            i = 0;
            foreach (JsonElement d in Arr(root, "devices", required: true))
            {
                string p = $"devices[{i}]";
                Object(d, p);
                Fields(d, p, "id", "node", "supernode", "chip", "die");
                b.AddDevice(Str(d, p, "id"), Int(d, p, "node", 0), Int(d, p, "supernode", 0), Int(d, p, "chip", i), Int(d, p, "die", -1));
                i++;
            }

            i = 0;
            foreach (JsonElement s in Arr(root, "switches", required: false))
            {
                string p = $"switches[{i++}]";
                Object(s, p);
                Fields(s, p, "id", "tier", "chip", "node", "supernode", "plane", "group");
                string chipName = Str(s, p, "chip");
                if (!chips.TryGetValue(chipName, out SwitchChipSpec? chip))
                {
                    throw Fail(p + ".chip", $"'{chipName}' is not in switch_chips (dangling chip name)");
                }

                string? group = s.TryGetProperty("group", out JsonElement g) && g.ValueKind != JsonValueKind.Null
                    ? (g.ValueKind == JsonValueKind.String ? Text(g, p + ".group") : throw Fail(p + ".group", "must be a string or null"))
                    : null;
                b.AddSwitch(new SwitchSpec(Str(s, p, "id"), Str(s, p, "tier", ""), chip, Int(s, p, "node", -1),
                    Int(s, p, "supernode", 0), Int(s, p, "plane", -1), group));
            }

            i = 0;
            foreach (JsonElement l in Arr(root, "links", required: true))
            {
                int fileIndex = i++;
                string p = $"links[{fileIndex}]";
                Object(l, p);
                Fields(l, p, "id", "from", "to", "count", "bandwidth_bytes_per_second", "latency_seconds", "medium", "network",
                    "optical_transceivers", "plane", "power_watts");
                string medium = Str(l, p, "medium", "electrical");
                string network = Str(l, p, "network", "scale_up");
                var link = new LinkSpec(Str(l, p, "id"), Str(l, p, "from"), Str(l, p, "to"),
                    Num(l, p, "bandwidth_bytes_per_second"), Num(l, p, "latency_seconds", 0),
                    medium switch
                    {
                        "electrical" => LinkMedium.Electrical,
                        "optical" => LinkMedium.Optical,
                        "on_package" => LinkMedium.OnPackage,
                        _ => throw Fail(p + ".medium", $"must be \"electrical\", \"optical\" or \"on_package\", was \"{medium}\""),
                    },
                    network switch
                    {
                        "scale_up" => LinkNetwork.ScaleUp,
                        "scale_out" => LinkNetwork.ScaleOut,
                        _ => throw Fail(p + ".network", $"must be \"scale_up\" or \"scale_out\", was \"{network}\""),
                    },
                    Num(l, p, "optical_transceivers", 0), Int(l, p, "plane", -1))
                {
                    PowerWatts = Num(l, p, "power_watts", 0),
                };
                int count = Count(l, p);
                // Copy k of N gets the id TopologyBuilder gives the k-th parallel link between the same ends
                // (id, id#1, id#2, ...), so a file with a count loads to the same system as one listing the copies.
                for (int k = 0; k < count; k++)
                {
                    b.AddLink(k == 0 ? link : link with { Id = link.Id + "#" + k.ToString(CultureInfo.InvariantCulture) });
                    _fileIndexOfLink.Add(fileIndex);
                }
            }

            if (root.TryGetProperty("communication", out JsonElement communication) && communication.ValueKind != JsonValueKind.Null)
            {
                b.Communication = ReadCommunication(communication);
            }

            try
            {
                return b.Build();
            }
            catch (ArgumentException ex) when (ex.ParamName is { } path && ex is not ArgumentNullException)
            {
                // The validator numbers the links after expanding counts; the file numbers them as written.
                throw Fail(FileLinkPaths(path), FileLinkPaths(Reason(ex, path)));
            }
        }

        // Expanded link index -> index of the file's links[] entry it came from.
        private readonly List<int> _fileIndexOfLink = [];

        private string FileLinkPaths(string text) => LinkPath().Replace(text, m =>
        {
            int k = int.Parse(m.Groups[1].ValueSpan, CultureInfo.InvariantCulture);
            return k < _fileIndexOfLink.Count ? $"links[{_fileIndexOfLink[k]}]" : m.Value;
        });

        /// <summary>The number of parallel identical links a file's link entry stands for (<c>count</c>, default 1).</summary>
        private int Count(JsonElement l, string path)
        {
            string range = "1.." + MaxParallelLinks.ToString(CultureInfo.InvariantCulture);
            if (!l.TryGetProperty("count", out JsonElement v) || v.ValueKind == JsonValueKind.Null)
            {
                return 1;
            }

            if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out long n))
            {
                throw Fail(path + ".count", $"must be a whole number in {range} (parallel identical links), was {v.GetRawText()}");
            }

            return n is >= 1 and <= MaxParallelLinks
                ? (int)n
                : throw Fail(path + ".count", $"must be in {range} (parallel identical links), was {n}");
        }

        private TopologyFormatException Fail(string path, string reason) => new(source, path, reason);

        // A name that is not a plain identifier (empty, spaces, dots) is written in bracket notation, so the path
        // never comes out empty or ambiguous.
        private static string Join(string parent, string name) =>
            name.Length > 0 && name.All(c => char.IsLetterOrDigit(c) || c is '_' or '$')
                ? (parent == "$" ? name : parent + "." + name)
                : parent + "[" + System.Text.Json.JsonSerializer.Serialize(name) + "]";

        private void Object(JsonElement e, string path)
        {
            if (e.ValueKind != JsonValueKind.Object)
            {
                throw Fail(path, $"must be a JSON object, was {e.ValueKind.ToString().ToLowerInvariant()}");
            }
        }

        private void Fields(JsonElement e, string path, params string[] known)
        {
            foreach (JsonProperty p in e.EnumerateObject())
            {
                string name = Name(p, path);
                if (Array.IndexOf(known, name) < 0)
                {
                    throw Fail(Join(path, name), $"unknown field; known fields here: {string.Join(", ", known)}");
                }
            }
        }

        // JSON may escape a lone UTF-16 surrogate ("\ud800"), which no .NET string can hold as text; the reader
        // throws InvalidOperationException for it, outside this parser's contract, so it is reported here instead.
        private string Text(JsonElement v, string path)
        {
            try
            {
                return v.GetString()!;
            }
            catch (InvalidOperationException)
            {
                throw Fail(path, $"must be valid Unicode text, was {v.GetRawText()} (a lone UTF-16 surrogate escape)");
            }
        }

        private string Name(JsonProperty p, string path)
        {
            try
            {
                return p.Name;
            }
            catch (InvalidOperationException)
            {
                throw Fail(path, "a field name is not valid Unicode text (a lone UTF-16 surrogate escape)");
            }
        }

        private JsonElement Req(JsonElement e, string path, string name) =>
            e.TryGetProperty(name, out JsonElement v) && v.ValueKind != JsonValueKind.Null
                ? v
                : throw Fail(Join(path, name), "is required");

        private JsonElement[] Arr(JsonElement root, string name, bool required)
        {
            if (!root.TryGetProperty(name, out JsonElement a) || a.ValueKind == JsonValueKind.Null)
            {
                return required ? throw Fail(name, "is required") : [];
            }

            return a.ValueKind == JsonValueKind.Array ? a.EnumerateArray().ToArray() : throw Fail(name, "must be a JSON array");
        }

        private string Str(JsonElement e, string path, string name, string? fallback = null)
        {
            if (!e.TryGetProperty(name, out JsonElement v) || v.ValueKind == JsonValueKind.Null)
            {
                return fallback ?? throw Fail(Join(path, name), "is required");
            }

            return v.ValueKind == JsonValueKind.String ? Text(v, Join(path, name)) : throw Fail(Join(path, name), $"must be a string, was {v.ValueKind.ToString().ToLowerInvariant()}");
        }

        private double Num(JsonElement e, string path, string name, double? fallback = null)
        {
            if (!e.TryGetProperty(name, out JsonElement v) || v.ValueKind == JsonValueKind.Null)
            {
                return fallback ?? throw Fail(Join(path, name), "is required");
            }

            if (v.ValueKind == JsonValueKind.Number)
            {
                // TryGetDouble refuses a literal beyond double's range (1e400), which GetDouble would throw for.
                return v.TryGetDouble(out double n) ? n : throw Fail(Join(path, name), $"must be a finite number, was {v.GetRawText()}");
            }

            // JSON has no NaN or infinity; accept them as strings so validation can say what is wrong with them.
            if (v.ValueKind == JsonValueKind.String &&
                double.TryParse(Text(v, Join(path, name)), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && !double.IsFinite(d))
            {
                return d;
            }

            throw Fail(Join(path, name), $"must be a number, was {v.GetRawText()}");
        }

        private int Int(JsonElement e, string path, string name, int? fallback = null)
        {
            if (!e.TryGetProperty(name, out JsonElement v) || v.ValueKind == JsonValueKind.Null)
            {
                return fallback ?? throw Fail(Join(path, name), "is required");
            }

            return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i)
                ? i
                : throw Fail(Join(path, name), $"must be a whole number, was {v.GetRawText()}");
        }

        private long Long(JsonElement e, string path, string name)
        {
            return e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long i)
                ? i
                : throw Fail(Join(path, name), e.TryGetProperty(name, out v) ? $"must be a whole number, was {v.GetRawText()}" : "is required");
        }
    }
}
