using System.Text;
using System.Text.RegularExpressions;

namespace CloudMatrix.Compute.Tests.Topology;

/// <summary>
/// Text-level mutations of a valid JSON file, for the fuzz tests of the file readers: replace a value token with an
/// awkward one (lone surrogates, 1e400, huge integers, wrong types), delete or insert a span, duplicate or drop a
/// line (duplicate keys, missing fields), rename a key. Works on text so it can write what no JSON writer would.
/// </summary>
internal static partial class JsonMutator
{
    private static readonly string[] Values =
    [
        "-1", "0", "1", "2", "-0.0", "1.5", "1e400", "-1e400", "1e-400", "2147483647", "2147483648", "-2147483649",
        "9223372036854775808", "1e308", "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "null", "true", "false", "[]", "{}",
        "[1, 2]", "{\"a\": 1}", "\"\"", "\" \"", "\"x\"", "\"\\ud800\"", "\"a\\udfffb\"", "\"\\u0000\"", "\"d0\"", "\"switch\"",
        "\"scale_out\"", "\"optical\"", "\"die\"", "\"cmx-topology\"", "\"cmx-flows\"", "2000000000", "65536", "0.5",
    ];

    private static readonly string[] Snippets =
    [
        ",", ":", "{", "}", "[", "]", "\"", "\\", "\"\\ud800\": 1,", "\"extra\": 1,", "// c\n", "/* c */", "\u00e9", "\uffff",
    ];

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"|-?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?|true|false|null")]
    private static partial Regex Token();

    /// <summary>One to three mutations of <paramref name="json"/>, chosen by <paramref name="rng"/>.</summary>
    public static string Mutate(string json, Random rng)
    {
        string text = json;
        for (int n = 1 + rng.Next(3); n > 0; n--)
        {
            text = Once(text, rng);
        }

        return text;
    }

    private static string Once(string text, Random rng)
    {
        switch (rng.Next(7))
        {
            case 0:
            case 1:
            case 2:
            {
                MatchCollection tokens = Token().Matches(text);
                if (tokens.Count == 0) return text;
                Match m = tokens[rng.Next(tokens.Count)];
                // A key is followed by ':'; replacing it renames the field (possibly to a duplicate or a lone surrogate).
                bool key = m.Index + m.Length < text.Length && text[m.Index + m.Length] == ':';
                string replacement = key ? (rng.Next(2) == 0 ? "\"\\ud800\"" : NearbyKey(tokens, rng)) : Values[rng.Next(Values.Length)];
                return string.Concat(text.AsSpan(0, m.Index), replacement, text.AsSpan(m.Index + m.Length));
            }

            case 3:
            {
                int start = rng.Next(text.Length), length = Math.Min(1 + rng.Next(24), text.Length - start);
                return text.Remove(start, length);
            }

            case 4:
                return text.Insert(rng.Next(text.Length + 1), Snippets[rng.Next(Snippets.Length)]);
            default:
            {
                var lines = text.Split('\n').ToList();
                int i = rng.Next(lines.Count);
                if (rng.Next(2) == 0)
                {
                    lines.Insert(i, lines[i]);
                }
                else
                {
                    lines.RemoveAt(i);
                }

                var sb = new StringBuilder();
                return sb.AppendJoin('\n', lines).ToString();
            }
        }
    }

    private static string NearbyKey(MatchCollection tokens, Random rng)
    {
        Match m = tokens[rng.Next(tokens.Count)];
        return m.Value.StartsWith('"') ? m.Value : "\"id\"";
    }
}
