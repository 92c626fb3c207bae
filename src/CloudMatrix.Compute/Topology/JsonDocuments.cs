using System.Text;
using System.Text.Json;

namespace CloudMatrix.Compute.Topology;

/// <summary>
/// Parsing of the project's JSON files (topologies, flows) so that a failure names where it is: the JSON path of a
/// repeated key (System.Text.Json reports neither line nor path for one), else the line and byte of a syntax error.
/// </summary>
internal static class JsonDocuments
{
    private static readonly JsonDocumentOptions Lenient = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>
    /// Parses <paramref name="json"/>, refusing a repeated key (it would otherwise be read as its last value, silently).
    /// </summary>
    /// <returns>The document, or the JSON path and reason of the first problem.</returns>
    public static (JsonDocument? Document, string Path, string Reason) Parse(string json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, Lenient);
        }
        catch (JsonException ex)
        {
            string where = ex.LineNumber is { } line
                ? $" (line {line + 1}{(ex.BytePositionInLine is { } b ? $", byte {b + 1}" : "")})"
                : "";
            return (null, string.IsNullOrEmpty(ex.Path) ? "$" : ex.Path, $"not valid JSON{where}: {ex.Message}");
        }

        try
        {
            if (FirstRepeatedKey(doc.RootElement, "$") is { } repeated)
            {
                doc.Dispose();
                return (null, repeated.Path, $"the key '{repeated.Key}' appears more than once in this object; give it once");
            }
        }
        catch (InvalidOperationException ex)
        {
            // Comparing names unescapes them; a lone UTF-16 surrogate escape in one fails there.
            doc.Dispose();
            return (null, "$", $"a field name is not valid Unicode text (a lone UTF-16 surrogate escape): {ex.Message}");
        }

        return (doc, "", "");
    }

    private static (string Path, string Key)? FirstRepeatedKey(JsonElement element, string path)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty property in element.EnumerateObject())
            {
                if (!seen.Add(property.Name)) return (path, property.Name);
            }

            foreach (JsonProperty property in element.EnumerateObject())
            {
                if (FirstRepeatedKey(property.Value, Member(path, property.Name)) is { } inner) return inner;
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            int i = 0;
            foreach (JsonElement item in element.EnumerateArray())
            {
                if (FirstRepeatedKey(item, $"{path}[{i++}]") is { } inner) return inner;
            }
        }

        return null;
    }

    private static string Member(string path, string name)
    {
        bool plain = name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
        if (plain) return path == "$" ? name : $"{path}.{name}";
        var quoted = new StringBuilder(path == "$" ? "$" : path).Append("['");
        foreach (char c in name) quoted.Append(c == '\'' ? "\\'" : c.ToString());
        return quoted.Append("']").ToString();
    }
}
