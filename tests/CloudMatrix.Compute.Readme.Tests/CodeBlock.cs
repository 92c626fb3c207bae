using System.Text.RegularExpressions;

namespace CloudMatrix.Compute.Readme.Tests;

/// <summary>One fenced C# block of a Markdown file: where it is and its text.</summary>
/// <param name="File">The Markdown file, relative to the repository root, with '/' separators.</param>
/// <param name="Line">1-based line of the block's first code line (the one after the opening fence).</param>
/// <param name="Code">The block's lines, joined with '\n'.</param>
public sealed partial record CodeBlock(string File, int Line, string Code)
{
    [GeneratedRegex(@"^\s*```\s*(csharp|cs|c#)\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex CSharpFence();

    /// <summary>A name for test output and generated types: file and line.</summary>
    public string Name => $"{File}:{Line}";

    /// <summary>Every block fenced as <c>```csharp</c> (or <c>cs</c>, <c>c#</c>) in <paramref name="markdown"/>.</summary>
    public static IReadOnlyList<CodeBlock> Extract(string file, string markdown)
    {
        string[] lines = markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var blocks = new List<CodeBlock>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (!CSharpFence().IsMatch(lines[i])) continue;
            int start = i + 1;
            int end = start;
            while (end < lines.Length && !lines[end].TrimStart().StartsWith("```", StringComparison.Ordinal)) end++;
            if (end == lines.Length) throw new FormatException($"{file}:{i + 1}: a ```csharp block is never closed.");
            blocks.Add(new CodeBlock(file, start + 1, string.Join('\n', lines[start..end])));
            i = end;
        }

        return blocks;
    }
}
