using System.Text.Json.Serialization;

namespace FastDb.Server.Http.Rqlite;

/// <summary>One member as GET /nodes lists it (rqlite's field names).</summary>
public sealed record RqliteNode(string Id, string ApiAddr, string Addr, bool Voter, bool Reachable, bool Leader);

/// <summary>GET /nodes?ver=2: the members as a list.</summary>
public sealed record RqliteNodeList(IReadOnlyList<RqliteNode> Nodes);

public sealed record RqliteBuild(string Version, string Engine);
public sealed record RqliteHttp(string BindAddr);
public sealed record RqliteNodeSection(string StartTime, string Uptime);
public sealed record RqliteLeader(string NodeId, string Addr);
public sealed record RqliteRaft(string State, ulong Term, ulong CommitIndex, ulong AppliedIndex, ulong LastLogIndex, ulong SnapshotIndex, int NumPeers, bool Voter);
public sealed record RqliteStore(string NodeId, string Addr, RqliteLeader Leader, RqliteRaft Raft, IReadOnlyList<RqliteNode> Nodes);

/// <summary>GET /status?format=rqlite: the sections of rqlite's status that describe the node and its Raft state.</summary>
public sealed record RqliteStatus(RqliteBuild Build, RqliteHttp Http, RqliteNodeSection Node, RqliteStore Store);

/// <summary>Source-generated serialization (the server is Native AOT: no reflection).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(RqliteStatus))]
[JsonSerializable(typeof(RqliteNodeList))]
[JsonSerializable(typeof(Dictionary<string, RqliteNode>))]
public sealed partial class RqliteJsonContext : JsonSerializerContext;

/// <summary>The same, indented, for ?pretty.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(RqliteStatus))]
[JsonSerializable(typeof(RqliteNodeList))]
[JsonSerializable(typeof(Dictionary<string, RqliteNode>))]
public sealed partial class RqlitePrettyJsonContext : JsonSerializerContext;
