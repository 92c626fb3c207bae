using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace CloudMatrix.Compute.Readme.Tests;

/// <summary>
/// Turns README blocks, written as top-level programs, into one console project: each block's leading <c>using</c>
/// directives go to the top of its own file and the rest becomes the body of a static method, with <c>#line</c>
/// directives so that a compiler error names the README file and line. Program.cs runs every block in order and
/// prints "ok NAME" or "FAILED NAME: exception".
/// </summary>
public static partial class SnippetProgram
{
    [GeneratedRegex(@"^\s*(global\s+)?using\s+(static\s+)?[A-Za-z_][\w.]*(\s*=\s*[\w.<>, ]+)?\s*;\s*(//.*)?$")]
    private static partial Regex UsingDirective();

    /// <summary>The C# source of block <paramref name="index"/>: its using directives, then its code inside a method.</summary>
    /// <param name="block">The block.</param>
    /// <param name="index">Its number, which names the generated class.</param>
    /// <param name="readmePath">The path the <c>#line</c> directives name (the README on this machine).</param>
    public static string BlockSource(CodeBlock block, int index, string readmePath)
    {
        string[] lines = block.Code.Split('\n');
        var usings = new StringBuilder();
        int first = 0;
        // Leading using directives (and the blank or comment lines between them) move to file scope.
        while (first < lines.Length && (UsingDirective().IsMatch(lines[first]) || lines[first].Trim().Length == 0 || lines[first].TrimStart().StartsWith("//", StringComparison.Ordinal)))
        {
            if (UsingDirective().IsMatch(lines[first])) usings.AppendLine(lines[first].Trim());
            first++;
        }

        string body = string.Join('\n', lines[first..]);
        bool isAsync = IsAsync(block);
        var source = new StringBuilder();
        source.Append(usings);
        source.AppendLine();
        source.AppendLine(CultureInfo.InvariantCulture, $"internal static class Block{index}");
        source.AppendLine("{");
        source.AppendLine(isAsync ? "    public static async Task Run()" : "    public static void Run()");
        source.AppendLine("    {");
        source.AppendLine(CultureInfo.InvariantCulture, $"#line {block.Line + first} \"{readmePath.Replace("\\", "\\\\", StringComparison.Ordinal)}\"");
        source.AppendLine(body);
        source.AppendLine("#line default");
        source.AppendLine("    }");
        source.AppendLine("}");
        return source.ToString();
    }

    /// <summary>Whether the block awaits, so its method must be async.</summary>
    public static bool IsAsync(CodeBlock block) => block.Code.Contains("await ", StringComparison.Ordinal);

    /// <summary>Program.cs: runs every block, reports each, exits with the number that failed.</summary>
    public static string MainSource(IReadOnlyList<CodeBlock> blocks)
    {
        var source = new StringBuilder();
        source.AppendLine("int failed = 0;");
        for (int i = 0; i < blocks.Count; i++)
        {
            string call = IsAsync(blocks[i]) ? $"await Block{i}.Run();" : $"Block{i}.Run();";
            source.AppendLine(CultureInfo.InvariantCulture, $"try {{ {call} Console.WriteLine(\"ok {blocks[i].Name}\"); }}");
            source.AppendLine(CultureInfo.InvariantCulture, $"catch (Exception ex) {{ failed++; Console.WriteLine(\"FAILED {blocks[i].Name}: \" + ex); }}");
        }

        source.AppendLine("return failed;");
        return source.ToString();
    }
}
