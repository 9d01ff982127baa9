using FastDb.Forwarder;
using FastDb.Server.Replication;
using FastDb.Server.StateMachine;
using FastDb.Server.Storage;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace FastDb.Server.Startup;

/// <summary>What the node runs: the replicator, plus any connection middleware it needs on the listening socket.</summary>
public sealed record ReplicationSetup(IReplicator Replicator, Action<ListenOptions>? ConfigureListen);

/// <summary>Builds the node's replicator from the parsed options: every node runs Raft, a lone node as a one-member cluster.</summary>
public static class ReplicatorFactory
{
    public static ReplicationSetup Create(NodeOptions options, ReplicatedStateMachine stateMachine, ILogStore store, ILoggerFactory logging,
        PeerTls? peerTls = null)
    {
        // Every node runs Raft: node 0 of octopus has no --join, exactly like a lone node, so the two cannot be told
        // apart at start-up; a one-member Raft cluster commits on its own append, as the single-node path did.
        // Peer connections share the listening socket (octopus's proxies dial the node's one socket).
        var cwd = Directory.GetCurrentDirectory();
        var self = Cluster.NodeAddress.Advertised(options.Listen.UnixSocketPath, options.Listen.Host, options.Listen.Port, cwd);
        var tick = Math.Max(1, options.TickMs);
        var cluster = new Cluster.ClusterReplicator(new Cluster.ClusterOptions
        {
            SelfAddress = self,
            WorkingDirectory = cwd,
            Join = options.Join is { } join ? Cluster.NodeAddress.Normalize(join, cwd) : null,
            InitialPeers = Cluster.NodeAddress.DiscoverPeers(options.Listen.UnixSocketPath, cwd),
            TickMs = tick,
            ElectionTimeoutMaxMs = options.ElectionTimeoutMaxMs,
            SnapshotEveryEntries = options.SnapshotEveryEntries,
            PeerTls = peerTls,
            RelayAroundSilentPeers = options.Relay,
            CompressPeerLinks = options.PeerCompression,
            PeerLanes = options.PeerLanes,
            PlaceLeaderByLatency = options.LeaderPlacement,
            SuspectLeaderOnLinkClose = options.SuspectLeader,
            BatchWindowMs = options.BatchWindowMs,
            PlainPeersFromLoopbackOnly = !options.Insecure,
            Raft = new FastDb.Raft.RaftOptions
            {
                Id = Cluster.NodeAddress.IdOf(self),
                HeartbeatIntervalTicks = Math.Max(1, options.HeartbeatMs / tick),
                ElectionTimeoutMinTicks = Math.Max(2, options.ElectionTimeoutMinMs / tick),
                ElectionTimeoutMaxTicks = Math.Max(3, options.ElectionTimeoutMaxMs / tick),
                BroadcastAcks = options.BroadcastAcks,
                CommitQuorum = options.CommitQuorum,
                HeartbeatOnlyWhenIdle = options.HeartbeatOnlyWhenIdle,
                // A log entry is a ClientRequest whose id starts with the proposing node's id (= its Raft id).
                EntryOrigin = data => StateMachine.ClientRequest.TryReadId(data.Span, out var id) ? id.Origin : 0,
            },
        }, stateMachine, store, logging);
        var peerLog = logging.CreateLogger("FastDb.Peers");
        return new ReplicationSetup(cluster, listen => listen.UsePeerProtocol(cluster, peerLog, cluster.PeerProtocol));
    }
}
