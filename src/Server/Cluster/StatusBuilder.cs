using System.Collections.Concurrent;
using FastDb.Raft;
using FastDb.Server.Replication;
using FastDb.Server.StateMachine;

namespace FastDb.Server.Cluster;

/// <summary>
/// This node's view of the cluster for GET /status: role, term, indexes, and each member with whether it was heard
/// from lately. Built on the loop (it reads Raft's state) every few ticks and on leader changes, and published as one
/// immutable <see cref="ReplicatorStatus"/> any thread may read.
/// </summary>
public sealed class StatusBuilder(ClusterOptions options, ulong self, RaftNode raft, ReplicatedStateMachine stateMachine, Membership membership)
{
    private readonly Dictionary<ulong, long> _lastHeardTick = new(); // when each member last spoke
    private readonly ConcurrentDictionary<string, (string Name, string Endpoint)> _labels = new(StringComparer.Ordinal);

    /// <summary>A message from <paramref name="from"/> arrived at tick <paramref name="ticks"/>.</summary>
    public void Heard(ulong from, long ticks)
    {
        if (raft.Members.ContainsKey(from)) _lastHeardTick[from] = ticks; // members only: bounded
    }

    public ReplicatorStatus Build(long ticks, ulong snapshotIndex) => new(
        membership.SelfRemoved ? "removed" : raft.Role switch
        {
            RaftRole.Leader => "leader",
            RaftRole.Candidate => "candidate",
            RaftRole.PreCandidate => "pre-candidate",
            _ => raft.Members.ContainsKey(self) ? "follower" : "joining",
        },
        raft.Term, raft.LeaderId, raft.Members.Keys.Order().ToArray(), raft.CommitIndex, stateMachine.AppliedIndex,
        raft.LastIndex, snapshotIndex, BuildMembers(ticks));

    private MemberStatus[] BuildMembers(long ticks)
    {
        var members = new MemberStatus[raft.Members.Count];
        var i = 0;
        var isLeader = raft.Role == RaftRole.Leader;
        foreach (var id in raft.Members.Keys.Order())
        {
            var address = membership.AddressOrEmpty(id);
            var (name, endpoint) = _labels.GetOrAdd(address, a => (NodeAddress.DisplayName(a), NodeAddress.Endpoint(a, options.WorkingDirectory)));
            long? heardMs = id == self ? 0 : _lastHeardTick.TryGetValue(id, out var tick) ? (ticks - tick) * options.TickMs : null;
            // Heard within an election timeout, as check-quorum counts it. Only a leader hears from everyone.
            bool? reachable = id == self ? true
                : isLeader || id == raft.LeaderId ? heardMs is { } ms && ms <= options.ElectionTimeoutMaxMs
                : null;
            members[i++] = new MemberStatus(id, name, address, endpoint, id == self, id == raft.LeaderId, reachable, heardMs);
        }
        return members;
    }
}
