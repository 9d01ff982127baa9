namespace FastDb.Harness.Cli;

public enum CheckerKind
{
    /// <summary>octopus's: one sqlite3 shell process per answer (the score octopus would give).</summary>
    Sqlite3,
    /// <summary>One in-process SQLite database: the cluster's own throughput beyond the checker's cap.</summary>
    Inproc,
}

/// <summary>Everything one harness run needs (the command line of octopus plus this harness's extras).</summary>
public sealed record HarnessOptions
{
    public string? Sqlcluster { get; init; }
    public int Nodes { get; init; } = 5;
    public long Seed { get; init; }
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);
    public string Root { get; init; } = "/tmp/fastdb-harness";
    public string? JsonPath { get; init; }
    public string? PlotPath { get; init; }
    public string? LogDir { get; init; }
    public bool EnableMurderMonkey { get; init; }
    public IReadOnlySet<string> DisabledMonkeys { get; init; } = new HashSet<string>();
    public CheckerKind Checker { get; init; } = CheckerKind.Sqlite3;
    public string Sqlite3 { get; init; } = "sqlite3";
    /// <summary>How long the boot query may keep failing before the run gives up (octopus waits forever).</summary>
    public TimeSpan BootTimeout { get; init; } = TimeSpan.FromSeconds(60);
    public bool Quiet { get; init; }
    public IReadOnlyList<string> ExtraArgs { get; init; } = Array.Empty<string>();

    public ISet<string> EnabledMonkeys()
    {
        var set = new HashSet<string>();
        foreach (var m in Monkeys.MonkeyConfig.All)
        {
            bool on = m.EnabledByDefault || (m.Name == "murder" && EnableMurderMonkey);
            if (on && !DisabledMonkeys.Contains(m.Name)) set.Add(m.Name);
        }
        return set;
    }
}
