namespace FastDb.QueryEngine.Tests.Support;

/// <summary>What a snapshot must preserve: <paramref name="after"/> run on a database that replayed
/// <paramref name="before"/> and on one restored from a snapshot taken after it. The two must print the same, or a
/// node catching up from a snapshot forks from one replaying the log.</summary>
public static class SnapshotReplay
{
    public static (ExecutionResult Replaying, ExecutionResult Restored) Run(string before, string after)
    {
        var replaying = new Database();
        replaying.Execute(before);
        var expected = replaying.Execute(after);

        var first = new Database();
        first.Execute(before);
        using var ms = new MemoryStream();
        first.WriteSnapshot(ms);
        var restored = Database.ReadSnapshot(new MemoryStream(ms.ToArray()));
        return (expected, restored.Execute(after));
    }
}
