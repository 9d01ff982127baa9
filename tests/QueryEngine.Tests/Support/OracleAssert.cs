using System.Text;
using Xunit.Sdk;

namespace FastDb.QueryEngine.Tests.Support;

/// <summary>Runs scripts through the engine and compares engine output with the sqlite3 shell, with readable diffs.</summary>
public static class OracleAssert
{
    /// <summary>The engine's answer to a script on a fresh database, in the shell's terms.</summary>
    public static ShellResult RunEngine(string script) => ToShellResult(new Database().Execute(script));

    public static ShellResult ToShellResult(ExecutionResult result) => new(result.Stdout, result.Stderr, result.ExitCode);

    /// <summary>Run <paramref name="script"/> through a fresh engine and a fresh sqlite3 and require byte equality.</summary>
    public static void EngineMatchesShell(string script, string? context = null)
    {
        var expected = Sqlite3Shell.Run(script);
        var actual = RunEngine(script);
        Equal(expected, actual, script, context);
    }

    /// <summary>Require two results to be equal in stdout, stderr and exit code; the message shows every difference.</summary>
    /// <summary><paramref name="setup"/> then <paramref name="script"/> on one sqlite3 database file, and on one
    /// engine snapshotted and restored between the two: each part must print what sqlite3 prints, so the snapshot
    /// kept everything the script reads.</summary>
    public static void EngineMatchesShellAcrossSnapshot(string setup, string script)
    {
        var engine = new EngineRunner();
        using var file = new TempDatabaseFile();
        Equal(Sqlite3Shell.Run(setup, file.Path), engine.ExecuteScript(setup), setup);
        Assert.Null(engine.SnapshotAndRestore());
        Equal(Sqlite3Shell.Run(script, file.Path), engine.ExecuteScript(script), script);
    }

    public static void Equal(ShellResult expected, ShellResult actual, string script, string? context = null,
        string expectedName = "sqlite3", string actualName = "engine")
    {
        var report = Describe(expected, actual, expectedName, actualName);
        if (report is null) return;
        var message = new StringBuilder();
        if (context is not null) message.AppendLine(context);
        message.AppendLine(report);
        message.AppendLine("script:");
        message.AppendLine(Clip(script, 2000));
        throw new XunitException(message.ToString());
    }

    /// <summary>Null when equal, else a readable description of every difference.</summary>
    public static string? Describe(ShellResult expected, ShellResult actual, string expectedName = "sqlite3", string actualName = "engine")
    {
        var sb = new StringBuilder();
        if (expected.ExitCode != actual.ExitCode)
            sb.AppendLine($"exit code: {expectedName} {expected.ExitCode}, {actualName} {actual.ExitCode}");
        AppendTextDiff(sb, "stdout", expected.Stdout, actual.Stdout, expectedName, actualName);
        AppendTextDiff(sb, "stderr", expected.Stderr, actual.Stderr, expectedName, actualName);
        return sb.Length == 0 ? null : sb.ToString();
    }

    /// <summary>Where two texts first differ (line and column), both lines escaped, then both texts in full (clipped).</summary>
    public static void AppendTextDiff(StringBuilder sb, string what, string expected, string actual,
        string expectedName = "sqlite3", string actualName = "engine")
    {
        if (expected == actual) return;
        var expectedLines = expected.Split('\n');
        var actualLines = actual.Split('\n');
        var line = 0;
        while (line < expectedLines.Length && line < actualLines.Length && expectedLines[line] == actualLines[line]) line++;
        sb.AppendLine($"{what} differs at line {line + 1}:");
        sb.AppendLine($"  {expectedName,-8}: {LineOrEnd(expectedLines, line)}");
        sb.AppendLine($"  {actualName,-8}: {LineOrEnd(actualLines, line)}");
        sb.AppendLine($"  full {what} of {expectedName}:");
        sb.AppendLine(Indent(Clip(expected, 3000)));
        sb.AppendLine($"  full {what} of {actualName}:");
        sb.AppendLine(Indent(Clip(actual, 3000)));
    }

    static string LineOrEnd(string[] lines, int index) =>
        index < lines.Length ? "«" + Escape(lines[index]) + "»" + (index == lines.Length - 1 ? " (last, no newline after)" : "")
                             : "(end of text)";

    /// <summary>Make control characters and trailing spaces visible.</summary>
    public static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            switch (c)
            {
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\\': sb.Append("\\\\"); break;
                default:
                    if (char.IsControl(c)) sb.Append($"\\u{(int)c:x4}");
                    else sb.Append(c);
                    break;
            }
        }
        return sb.ToString();
    }

    static string Indent(string text) => "    | " + text.Replace("\n", "\n    | ");

    public static string Clip(string text, int max) =>
        text.Length <= max ? text : text[..max] + $"... ({text.Length - max} more chars)";
}
