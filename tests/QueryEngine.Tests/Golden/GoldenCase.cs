using FastDb.QueryEngine.Tests.Support;

namespace FastDb.QueryEngine.Tests.Golden;

/// <summary>One script and exactly what the sqlite3 3.40.1 shell prints for it on a fresh database.</summary>
public sealed record GoldenCase(string Name, string Script, string Stdout, string Stderr, int ExitCode)
{
    public ShellResult Expected => new(Stdout, Stderr, ExitCode);

    public override string ToString() => Name;
}
