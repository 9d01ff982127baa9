using System.Collections.Concurrent;
using FastDb.Raft;
using FastDb.Server.Storage;
using Microsoft.Extensions.Logging;

namespace FastDb.Server.Cluster;

/// <summary>
/// Who the members are and where to reach them: the static bootstrap a brand-new octopus layout starts from, joining
/// (asking a member until this node is one; admitting a joiner as leader), and the id → address map the host sends by
/// (learned from the log's configuration changes, snapshots, and members that speak to us).
/// The map is read on connection threads (see <see cref="LearnSender"/>); everything else runs on the host's loop.
/// </summary>
public sealed class Membership
{
    /// <summary>Ticks between join requests while this node is not yet a member.</summary>
    private const int JoinRetryTicks = 10;

    private readonly ClusterOptions _options;
    private readonly ulong _self;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<ulong, string> _addresses = new();
    // Members removed by a committed change and not added back, with their address: told so when they speak.
    private readonly Dictionary<ulong, string> _removed = new();
    private readonly Dictionary<ulong, long> _removedToldAt = new();
    private long _ticks;
    private RaftNode? _raft;

    public Membership(ClusterOptions options, ILogger log)
    {
        _options = options;
        _self = NodeAddress.IdOf(options.SelfAddress);
        _log = log;
        _addresses[_self] = options.SelfAddress;
    }

    /// <summary>The Raft node whose configuration this follows (set once, after recovery created it).</summary>
    public void Attach(RaftNode raft)
    {
        _raft = raft;
        RememberMembers(raft.Members);
    }

    private RaftNode Raft => _raft ?? throw new InvalidOperationException("Membership.Attach was not called");

    public bool TryGetAddress(ulong id, out string address) => _addresses.TryGetValue(id, out address!);

    public string AddressOrEmpty(ulong id) => _addresses.GetValueOrDefault(id, "");

    /// <summary>The leader's address, when a leader other than this node is known.</summary>
    public bool TryGetLeaderAddress(out string address)
    {
        var leader = Raft.LeaderId;
        address = "";
        return leader != 0 && leader != _self && _addresses.TryGetValue(leader, out address!);
    }

    /// <summary>
    /// Learns a sender's address only if it is a member (or we are still joining and know no members): every address
    /// learned gets a peer link that redials it forever, so a stranger naming itself a thousand ways must not make a
    /// thousand of them. Members' addresses also come from the log. Any thread.
    /// </summary>
    public void LearnSender(ulong from, string peerName, IReadOnlyList<ulong> members)
    {
        if (members.Count == 0 || members.Contains(from)) _addresses.TryAdd(from, peerName);
    }

    // ------------------------------------------------------------------ start-up

    /// <summary>
    /// Prepares an empty store before Raft starts. A node with peers or a join target and nothing stored is new, or
    /// a member whose directory was wiped (they look alike): it must not vote with a log that may lack what it
    /// acknowledged before, so it catches up from a leader first; the marker, written before anything else, keeps it
    /// so across restarts until then (an octopus layout votes as at a first boot meanwhile, for candidates holding
    /// only the bootstrap: see RaftNode). With discovered peers it also writes the static bootstrap.
    /// Returns what is then stored, and whether the node still has to bootstrap a new cluster alone.
    /// </summary>
    public static (LoadedLog Loaded, bool BootstrapAlone) PrepareStore(ILogStore store, LoadedLog loaded, ClusterOptions options, ILogger log)
    {
        var brandNew = loaded.HardState.Term == 0 && loaded.Entries.Count == 0 && loaded.Snapshot is null;
        if (brandNew && (options.Join is not null || options.InitialPeers.Count > 0))
        {
            var bootstrapEntries = options.InitialPeers.Count > 0 ? options.InitialPeers.Append(options.SelfAddress).Distinct(StringComparer.Ordinal).Count() : 0;
            store.SetCatchUpMarker((ulong)bootstrapEntries);
        }
        if (brandNew && options.InitialPeers.Count > 0)
        {
            log.LogInformation("{Self}: new cluster of {Count} discovered members", options.SelfAddress, options.InitialPeers.Count + 1);
            return (BootstrapStaticConfiguration(store, options.SelfAddress, options.InitialPeers), false);
        }
        return (loaded, brandNew && options.Join is null);
    }

    /// <summary>
    /// Writes the same first entries every member writes: one AddNode per member, sorted by id, all in term 1 and
    /// committed (etcd's bootstrap from an initial-cluster list). Identical entries on every node satisfy log
    /// matching, so no leader has to replicate them, and the first election can happen an election timeout after
    /// start with no node being special.
    /// </summary>
    private static LoadedLog BootstrapStaticConfiguration(ILogStore store, string self, IReadOnlyList<string> peers)
    {
        var members = peers.Append(self).Distinct(StringComparer.Ordinal)
            .Select(address => (Id: NodeAddress.IdOf(address), Address: address))
            .OrderBy(m => m.Id).ToList();
        var entries = new List<Entry>(members.Count);
        foreach (var (id, address) in members)
        {
            var change = new ConfigChange(ConfigChangeType.AddNode, id, NodeAddress.ToContext(address));
            entries.Add(new Entry(1, (ulong)entries.Count + 1, EntryType.ConfigChange, ConfigChangeCodec.ToBytes(change)));
        }
        store.Append(entries);
        var hardState = new HardState(1, 0, (ulong)entries.Count);
        store.SaveHardState(hardState);
        return new LoadedLog(hardState, null, entries);
    }

    // ------------------------------------------------------------------ joining

    /// <summary>
    /// True once this node learned it was removed from the cluster (its removal committed in its own log, or a
    /// member told it): it stops voting, campaigning and joining for good (the host stops driving Raft), says so on
    /// stderr, and /status shows role "removed". Loop thread.
    /// </summary>
    public bool SelfRemoved { get; private set; }

    /// <summary>Raised once, on the loop, when <see cref="SelfRemoved"/> becomes true.</summary>
    public event Action? Removed;

    private void MarkSelfRemoved(string how)
    {
        if (SelfRemoved) return;
        SelfRemoved = true;
        _log.LogWarning("{Self} was removed from the cluster ({How}); it no longer votes or serves writes", _options.SelfAddress, how);
        Removed?.Invoke();
    }

    /// <summary>While this node is not a member: ask the join target (and the leader, once known) every few ticks.</summary>
    public void OnTick(long ticks, IPeerTransport transport)
    {
        _ticks = ticks;
        if (SelfRemoved || _options.Join is not { } join || Raft.Members.ContainsKey(_self) || ticks % JoinRetryTicks != 0) return;
        var payload = NodeAddress.ToContext(_options.SelfAddress);
        transport.Send(join, PeerFrames.Join, payload);
        if (TryGetLeaderAddress(out var leader) && leader != join) transport.Send(leader, PeerFrames.Join, payload);
    }

    /// <summary>A node asks to join: the leader adds it; a follower passes the request on to the leader.</summary>
    public void HandleJoin(string address, IPeerTransport transport)
    {
        if (NodeAddress.Validate(address) is not null) return; // checked at the edge already (PeerInput)
        var id = NodeAddress.IdOf(address);
        var raft = Raft;
        if (raft.Members.ContainsKey(id))
        {
            // A member asking to join believes it is not one: its data directory was wiped (or it is still waiting
            // for the entry that added it). Probe it now rather than at the next heartbeat; if its log is shorter
            // than we believed, its answer makes us catch it up from where it is (or from a snapshot).
            if (raft.Role == RaftRole.Leader && id != _self) raft.ProbeFollower(id);
            return;
        }
        if (raft.Role != RaftRole.Leader)
        {
            if (TryGetLeaderAddress(out var leaderAddress)) transport.Send(leaderAddress, PeerFrames.Join, NodeAddress.ToContext(address));
            return;
        }
        _addresses[id] = address;
        var result = raft.ProposeConfigChange(new ConfigChange(ConfigChangeType.AddNode, id, NodeAddress.ToContext(address)));
        if (result.Outcome == ProposeOutcome.Accepted)
            _log.LogInformation("adding {Address} to the cluster at index {Index}", address, result.Index);
    }

    // ------------------------------------------------------------------ removing

    /// <summary>
    /// An admin asked (DELETE /nodes/{id}, or a member passing the request on) to remove member <paramref name="id"/>:
    /// the leader proposes the single-server change; a follower passes it to the leader. Returns what happened.
    /// </summary>
    public RemoveOutcome HandleRemove(ulong id, IPeerTransport transport)
    {
        var raft = Raft;
        if (!raft.Members.ContainsKey(id)) return RemoveOutcome.NotAMember;
        if (raft.Role != RaftRole.Leader)
        {
            if (!TryGetLeaderAddress(out var leaderAddress)) return RemoveOutcome.NoLeader;
            transport.Send(leaderAddress, PeerFrames.Remove, PeerInput.NodeIdBytes(id));
            return RemoveOutcome.Forwarded;
        }
        if (raft.Members.Count == 1) return RemoveOutcome.LastMember;
        var result = raft.ProposeConfigChange(new ConfigChange(ConfigChangeType.RemoveNode, id, ReadOnlyMemory<byte>.Empty));
        if (result.Outcome != ProposeOutcome.Accepted) return RemoveOutcome.Busy; // another change in flight, or a transfer
        _log.LogWarning("removing member {Id} ({Address}) from the cluster at index {Index}", id, AddressOrEmpty(id), result.Index);
        return RemoveOutcome.Proposed;
    }

    /// <summary>
    /// A Raft message from <paramref name="from"/>: if that node was removed (committed, not added back), tell it, at
    /// most every few ticks: with its progress gone it never hears the commit of its own removal from the leader.
    /// </summary>
    public void OnMessageFrom(ulong from, IPeerTransport transport)
    {
        if (_removed.Count == 0 || !_removed.TryGetValue(from, out var address)) return;
        if (_removedToldAt.TryGetValue(from, out var told) && _ticks - told < JoinRetryTicks) return;
        _removedToldAt[from] = _ticks;
        transport.Send(address, PeerFrames.Removed, ReadOnlySpan<byte>.Empty);
    }

    /// <summary>A member told this node it was removed (only members' word counts: checked at the edge).</summary>
    public void OnToldRemoved(string by)
    {
        // Our own configuration may not show it yet (the removal's append may not have reached us); a member's word is
        // enough, as in etcd, where a removed member learns it from its peers' refusal.
        MarkSelfRemoved($"told by {by}");
    }

    // ------------------------------------------------------------------ the configuration in the log

    /// <summary>
    /// A committed configuration change updates the addresses (the change itself takes effect inside Raft).
    /// A change that does not decode, or names an address no node can have, can only be in the log from an older
    /// build that did not validate its peers (this one rejects it at the edge). It is committed, so it is in every
    /// node's log and every restart hands it over again: throwing here would crash-loop the whole cluster. Instead it
    /// is treated deterministically as the Raft core treats it (a malformed change is a no-op there; a valid AddNode
    /// with a bad address adds a member nobody dials, which the reachable majority outvotes), no address is
    /// recorded, and it is logged. Refusing to start would not be safer: the entry cannot be removed from a
    /// committed log, so the cluster could never start again.
    /// </summary>
    public void OnCommittedChange(in Entry entry)
    {
        try
        {
            var change = PeerInput.ReadConfigChange(entry.Data.Span, $"entry {entry.Index}");
            if (change.Type == ConfigChangeType.AddNode)
            {
                _addresses[change.NodeId] = NodeAddress.FromContext(change.Context);
                _removed.Remove(change.NodeId);
            }
            else if (change.NodeId == _self)
            {
                MarkSelfRemoved($"its removal committed at index {entry.Index}");
            }
            else if (_addresses.TryGetValue(change.NodeId, out var removedAddress))
            {
                _removed[change.NodeId] = removedAddress;
            }
        }
        catch (FormatException e)
        {
            _log.LogError("committed configuration change at index {Index} is malformed ({Reason}); no address is recorded for it, as on every node", entry.Index, e.Message);
        }
    }

    /// <summary>
    /// Records members' addresses (from the recovered configuration or an installed snapshot). One that is not a
    /// valid address (only an older build could have let it into the log or a snapshot) is left out and logged, so
    /// it is never dialed: dialing it would throw on the loop.
    /// </summary>
    public void RememberMembers(IReadOnlyDictionary<ulong, ReadOnlyMemory<byte>> members)
    {
        foreach (var (memberId, context) in members)
        {
            if (NodeAddress.TryFromContext(context.Span) is { } address) _addresses[memberId] = address;
            else _log.LogError("member {Id} has an invalid address in the configuration; it is never dialed", memberId);
        }
    }
}
