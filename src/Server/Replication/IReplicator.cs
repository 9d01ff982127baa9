using FastDb.Server.StateMachine;

namespace FastDb.Server.Replication;

/// <summary>
/// Gets a client request into the log and returns its answer once this node has applied it. The implementation is
/// the Raft host in src/Server/Cluster (a lone node is a one-member cluster).
/// Implementations must never fail a request for a transient reason (no leader yet, leader changed): they hold it
/// until it commits, since a client retry of a committed request would otherwise cost a sequence-number gap.
/// </summary>
public interface IReplicator : IAsyncDisposable
{
    /// <summary>Starts background work (recovery already done by the constructor or factory).</summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Proposes the request (or joins an identical one in flight, or answers from the dedup window) and waits until
    /// this node has applied it. Cancellation only stops the waiting: a request already handed to the log still
    /// commits and is applied, so nothing is ever half-applied.
    /// </summary>
    ValueTask<Answer> SubmitAsync(ClientRequest request, CancellationToken cancellationToken);

    /// <summary>The id this node stamps on the requests it proposes (the origin half of <see cref="RequestId"/>).</summary>
    ulong LocalNodeId { get; }

    /// <summary>A consistent view of this node's replication state, for GET /status.</summary>
    ReplicatorStatus Status { get; }

    /// <summary>Client requests this node has received and not yet answered.</summary>
    int RequestsInFlight { get; }

    /// <summary>What this node has sent its peers since it started, by kind (for GET /status).</summary>
    IReadOnlyList<TrafficCount> PeerTraffic { get; }

    /// <summary>
    /// How many members are known to hold the applied log entry at <paramref name="index"/> (a lower bound; at least
    /// a majority once committed). For answers that tell a client how widely its write is stored.
    /// </summary>
    ValueTask<int> CountReplicasAsync(ulong index, CancellationToken cancellationToken);

    /// <summary>
    /// Asks for member <paramref name="nodeId"/> to be removed with a single-server configuration change (proposed
    /// here if this node leads, else passed to the leader). Returns what this node did; the removal has happened once
    /// <see cref="Status"/> no longer lists the member.
    /// </summary>
    ValueTask<FastDb.Server.Cluster.RemoveOutcome> RemoveMemberAsync(ulong nodeId, CancellationToken cancellationToken);

    /// <summary>
    /// The log index a read that takes no log entry may be served at once this node has applied it: ReadIndex through
    /// the leader (linearizable), or the leader's commit index while it may read locally (weak). 0 when it cannot be
    /// had now (no leader, leadership lost, no answer in time): the caller may ask again.
    /// </summary>
    ValueTask<ulong> ReadIndexAsync(FastDb.Server.Cluster.ReadConfirmation kind, CancellationToken cancellationToken);

    /// <summary>How long ago this node last heard from its leader, in ms (0 while it leads; null if never).</summary>
    long? LeaderContactAgeMs { get; }
}

/// <summary>This node was removed from the cluster: it takes no requests (send them to a member).</summary>
public sealed class NodeRemovedException() : InvalidOperationException("this node was removed from the cluster");

/// <summary>Frames of one kind a node sent its peers, and their bytes on the wire (frame headers included).</summary>
public sealed record TrafficCount(string Kind, long Frames, long Bytes);

/// <summary>The replication fields of GET /status.</summary>
public sealed record ReplicatorStatus(
    string Role,
    ulong Term,
    ulong LeaderId,
    IReadOnlyList<ulong> Members,
    ulong CommitIndex,
    ulong AppliedIndex,
    ulong LastLogIndex,
    ulong SnapshotIndex,
    IReadOnlyList<MemberStatus> Nodes);

/// <summary>
/// One member as the answering node sees it. <see cref="Endpoint"/> is what a client on this machine can connect to
/// (a Unix socket path resolved against this node's working directory, or host:port). <see cref="Reachable"/> is this
/// node's view: a leader knows it for every member (heard from within an election timeout); a follower only for
/// itself and the leader (null for the others).
/// </summary>
public sealed record MemberStatus(
    ulong Id,
    string Name,
    string Address,
    string Endpoint,
    bool Self,
    bool Leader,
    bool? Reachable,
    long? LastHeardMs);
