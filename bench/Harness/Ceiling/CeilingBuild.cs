using FastDb.Harness.Nodes;

namespace FastDb.Harness.Ceiling;

/// <summary>Publishes bench/CeilingStandIn (the yardstick's node) into ROOT/ceiling-bin and returns its executable.</summary>
public static class CeilingBuild
{
    public static Task<string> PublishAsync(string root, TextWriter log, CancellationToken token) =>
        ServerBuild.PublishProjectAsync(Path.Combine("bench", "CeilingStandIn", "FastDb.CeilingStandIn.csproj"), "sqlcluster-ceiling",
            "the ceiling stand-in", Path.Combine(root, "ceiling-bin"), Path.Combine(root, "ceiling-build"), log, token);
}
