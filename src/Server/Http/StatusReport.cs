using System.Text.Json.Serialization;

namespace FastDb.Server.Http;

/// <summary>The body of GET /status.</summary>
public sealed record StatusReport(
    string Node,
    ulong NodeId,
    string Role,
    ulong Term,
    ulong Leader,
    string? LeaderName,
    IReadOnlyList<ulong> Members,
    ulong CommitIndex,
    ulong AppliedIndex,
    ulong LastLogIndex,
    ulong SnapshotIndex,
    long? LastSequenceNumber,
    int DedupWindowEntries,
    long DedupAnswerChars,
    int RequestsInFlight,
    double UptimeSeconds,
    long GcHeapBytes,
    long WorkingSetBytes,
    IReadOnlyList<FastDb.Server.Replication.MemberStatus> Nodes,
    IReadOnlyList<FastDb.Server.Replication.TrafficCount> PeerTraffic);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(StatusReport))]
public sealed partial class StatusJsonContext : JsonSerializerContext;
