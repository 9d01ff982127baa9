using System.Text.Json;

namespace FastDb.Shell.Cluster;

/// <summary>One member as a node's GET /status describes it.</summary>
public sealed record MemberInfo(ulong Id, string Name, string Address, string Endpoint, bool Self, bool Leader, bool? Reachable);

/// <summary>The parts of a node's GET /status the shell uses.</summary>
public sealed record ClusterStatus(
    string Node,
    string Role,
    ulong Term,
    string? LeaderName,
    ulong CommitIndex,
    ulong AppliedIndex,
    long? LastSequenceNumber,
    IReadOnlyList<MemberInfo> Members)
{
    public MemberInfo? Leader => Members.FirstOrDefault(m => m.Leader);

    public MemberInfo? SelfMember => Members.FirstOrDefault(m => m.Self);

    /// <summary>Parses GET /status; throws <see cref="JsonException"/> or <see cref="KeyNotFoundException"/> on anything else.</summary>
    public static ClusterStatus Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var members = new List<MemberInfo>();
        if (root.TryGetProperty("nodes", out var nodes) && nodes.ValueKind == JsonValueKind.Array)
        {
            foreach (var n in nodes.EnumerateArray())
            {
                members.Add(new MemberInfo(
                    n.GetProperty("id").GetUInt64(),
                    n.GetProperty("name").GetString() ?? "",
                    n.GetProperty("address").GetString() ?? "",
                    n.GetProperty("endpoint").GetString() ?? "",
                    n.GetProperty("self").GetBoolean(),
                    n.GetProperty("leader").GetBoolean(),
                    n.GetProperty("reachable").ValueKind switch
                    {
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        _ => null,
                    }));
            }
        }
        var last = root.GetProperty("lastSequenceNumber");
        return new ClusterStatus(
            root.GetProperty("node").GetString() ?? "",
            root.GetProperty("role").GetString() ?? "",
            root.GetProperty("term").GetUInt64(),
            root.TryGetProperty("leaderName", out var leaderName) && leaderName.ValueKind == JsonValueKind.String ? leaderName.GetString() : null,
            root.GetProperty("commitIndex").GetUInt64(),
            root.GetProperty("appliedIndex").GetUInt64(),
            last.ValueKind == JsonValueKind.Number ? last.GetInt64() : null,
            members);
    }
}

/// <summary>How much of the cluster is up, as the shell last saw it; compared between heartbeats to warn on change.</summary>
public sealed record Reachability(int Reachable, int Total, string? LeaderName, ulong Term, string Up = "")
{
    public int Majority => Total / 2 + 1;

    public bool MajorityUp => Reachable >= Majority && LeaderName is not null;

    /// <summary>The line to print when this differs from what was seen before (null: nothing worth saying).</summary>
    public string? Describe(Reachability? before)
    {
        if (before is not null && before.Reachable == Reachable && before.Total == Total && before.LeaderName == LeaderName && before.Term == Term)
            return null;
        if (Reachable < Majority)
            return $"WARNING: only {Reachable} of {Total} nodes reachable: statements (reads too) wait until a majority is back";
        if (LeaderName is null)
            return $"WARNING: {Reachable} of {Total} nodes reachable but no leader (term {Term}): statements (reads too) wait until one is elected";
        if (Reachable < Total)
            return $"WARNING: {Total - Reachable} of {Total} nodes unreachable; a majority ({Majority}) is still up";
        // All up: only worth saying after a warning.
        return before is not null && (!before.MajorityUp || before.Reachable < before.Total)
            ? $"All {Total} nodes reachable again (leader: {LeaderName}, term {Term})"
            : null;
    }
}
