using System.Globalization;
using System.Text;
using System.Text.Json;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Network;

/// <summary>
/// Reads and writes flow lists as JSON (<c>"format": "cmx-flows", "version": 1</c>), documented in
/// <c>docs/flow-format.md</c>. A flow's <c>source</c> and <c>destination</c> are device indices or device ids.
/// </summary>
public static class FlowFile
{
    /// <summary>The <c>format</c> field's value.</summary>
    public const string FormatName = "cmx-flows";

    /// <summary>The format version this library reads and writes.</summary>
    public const int Version = 1;

    /// <summary>Loads the flow file at <paramref name="path"/>, resolving device ids against <paramref name="system"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> or <paramref name="system"/> is null.</exception>
    /// <exception cref="FormatException">The file is invalid: the message names the file, the JSON path and the reason.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static IReadOnlyList<Flow> Load(string path, SystemSpec system)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(File.ReadAllText(path), system, path);
    }

    /// <summary>Parses flow-file text; <paramref name="sourceName"/> names it in error messages.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="FormatException">The text is invalid: the message names the source, the JSON path and the reason.</exception>
    public static IReadOnlyList<Flow> Parse(string json, SystemSpec system, string sourceName = "(text)")
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(sourceName);
        JsonDocument doc;
        var (parsed, problemPath, problem) = Topology.JsonDocuments.Parse(json);
        doc = parsed ?? throw new FormatException($"{sourceName}: {problemPath}: {problem}");

        using (doc)
        {
            JsonElement root = doc.RootElement;
            FormatException Fail(string path, string reason) => new($"{sourceName}: {path}: {reason}");
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Fail("$", "must be a JSON object");
            }

            foreach (JsonProperty prop in root.EnumerateObject())
            {
                string name = Name(prop, "$");
                if (name is not ("format" or "version" or "flows"))
                {
                    throw Fail(name, "unknown field; known: format, version, flows");
                }
            }

            if (!root.TryGetProperty("format", out JsonElement format) || format.ValueKind != JsonValueKind.String || Text(format, "format") != FormatName)
            {
                throw Fail("format", $"must be \"{FormatName}\"");
            }

            if (!root.TryGetProperty("version", out JsonElement version) || version.ValueKind != JsonValueKind.Number ||
                !version.TryGetInt32(out int v) || v != Version)
            {
                throw Fail("version", $"this library reads version {Version}, was {(version.ValueKind == JsonValueKind.Undefined ? "missing" : version.GetRawText())}");
            }

            if (!root.TryGetProperty("flows", out JsonElement flows) || flows.ValueKind != JsonValueKind.Array)
            {
                throw Fail("flows", "is required and must be a JSON array");
            }

            var result = new List<Flow>(flows.GetArrayLength());
            int i = 0;
            foreach (JsonElement f in flows.EnumerateArray())
            {
                string p = $"flows[{i}]";
                if (f.ValueKind != JsonValueKind.Object)
                {
                    throw Fail(p, "must be a JSON object");
                }

                foreach (JsonProperty prop in f.EnumerateObject())
                {
                    if (Name(prop, p) is not ("id" or "source" or "destination" or "bytes" or "depends_on" or "delay_seconds" or "tag"))
                    {
                        throw Fail($"{p}.{Name(prop, p)}", "unknown field; known: id, source, destination, bytes, depends_on, delay_seconds, tag");
                    }
                }

                int id = f.TryGetProperty("id", out JsonElement idEl) && idEl.ValueKind != JsonValueKind.Null
                    ? (idEl.ValueKind == JsonValueKind.Number && idEl.TryGetInt32(out int x) ? x : throw Fail(p + ".id", $"must be a whole number, was {idEl.GetRawText()}"))
                    : i;
                int source = Device(f, p, "source");
                int destination = Device(f, p, "destination");
                double bytes = Number(f, p, "bytes", null);
                double delay = Number(f, p, "delay_seconds", 0);
                if (!(double.IsFinite(bytes) && bytes >= 0))
                {
                    throw Fail(p + ".bytes", $"must be finite and >= 0, was {bytes.ToString("R", CultureInfo.InvariantCulture)}");
                }

                if (!(double.IsFinite(delay) && delay >= 0))
                {
                    throw Fail(p + ".delay_seconds", $"must be finite and >= 0, was {delay.ToString("R", CultureInfo.InvariantCulture)}");
                }

                var deps = new List<int>();
                if (f.TryGetProperty("depends_on", out JsonElement depEl) && depEl.ValueKind != JsonValueKind.Null)
                {
                    if (depEl.ValueKind != JsonValueKind.Array)
                    {
                        throw Fail(p + ".depends_on", "must be an array of flow ids");
                    }

                    int j = 0;
                    foreach (JsonElement d in depEl.EnumerateArray())
                    {
                        deps.Add(d.ValueKind == JsonValueKind.Number && d.TryGetInt32(out int dep)
                            ? dep
                            : throw Fail($"{p}.depends_on[{j}]", $"must be a flow id, was {d.GetRawText()}"));
                        j++;
                    }
                }

                string? tag = null;
                if (f.TryGetProperty("tag", out JsonElement tagEl) && tagEl.ValueKind != JsonValueKind.Null)
                {
                    tag = tagEl.ValueKind == JsonValueKind.String
                        ? Text(tagEl, p + ".tag")
                        : throw Fail(p + ".tag", $"must be a string or null, was {tagEl.GetRawText()}");
                }

                result.Add(new Flow(id, source, destination, bytes) { DependsOn = deps, DelaySeconds = delay, Tag = tag });
                i++;
            }

            return result;

            int Device(JsonElement f, string p, string name)
            {
                if (!f.TryGetProperty(name, out JsonElement e))
                {
                    throw Fail($"{p}.{name}", "is required (a device index or id)");
                }

                if (e.ValueKind == JsonValueKind.Number)
                {
                    return e.TryGetInt32(out int index) && index >= 0 && index < system.DeviceCount
                        ? index
                        : throw Fail($"{p}.{name}", $"must be a device index in 0..{system.DeviceCount - 1} of '{system.Name}', was {e.GetRawText()}");
                }

                if (e.ValueKind == JsonValueKind.String)
                {
                    string id = Text(e, $"{p}.{name}");
                    return system.ContainsId(id) && system.VertexIndex(id) < system.DeviceCount
                        ? system.VertexIndex(id)
                        : throw Fail($"{p}.{name}", $"'{id}' is no device id of '{system.Name}'");
                }

                throw Fail($"{p}.{name}", $"must be a device index or id, was {e.GetRawText()}");
            }

            // JSON may escape a lone UTF-16 surrogate ("\ud800"), which the reader refuses with
            // InvalidOperationException, outside this parser's contract: reported here with its path instead.
            string Text(JsonElement e, string path)
            {
                try
                {
                    return e.GetString()!;
                }
                catch (InvalidOperationException)
                {
                    throw Fail(path, $"must be valid Unicode text, was {e.GetRawText()} (a lone UTF-16 surrogate escape)");
                }
            }

            string Name(JsonProperty prop, string path)
            {
                try
                {
                    return prop.Name;
                }
                catch (InvalidOperationException)
                {
                    throw Fail(path, "a field name is not valid Unicode text (a lone UTF-16 surrogate escape)");
                }
            }

            double Number(JsonElement f, string p, string name, double? fallback)
            {
                if (!f.TryGetProperty(name, out JsonElement e) || e.ValueKind == JsonValueKind.Null)
                {
                    return fallback ?? throw Fail($"{p}.{name}", "is required");
                }

                return e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out double d)
                    ? d
                    : throw Fail($"{p}.{name}", $"must be a number, was {e.GetRawText()}");
            }
        }
    }

    /// <summary>The file text of <paramref name="flows"/> (device indices, every field written).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="flows"/> is null.</exception>
    public static string ToJson(IReadOnlyList<Flow> flows)
    {
        ArgumentNullException.ThrowIfNull(flows);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("format", FormatName);
            w.WriteNumber("version", Version);
            w.WriteStartArray("flows");
            foreach (Flow f in flows)
            {
                w.WriteStartObject();
                w.WriteNumber("id", f.Id);
                w.WriteNumber("source", f.Source);
                w.WriteNumber("destination", f.Destination);
                w.WriteNumber("bytes", f.Bytes);
                w.WriteStartArray("depends_on");
                foreach (int d in f.DependsOn)
                {
                    w.WriteNumberValue(d);
                }

                w.WriteEndArray();
                w.WriteNumber("delay_seconds", f.DelaySeconds);
                if (f.Tag is not null)
                {
                    w.WriteString("tag", f.Tag);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}
