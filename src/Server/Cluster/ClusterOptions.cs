using FastDb.Raft;

namespace FastDb.Server.Cluster;

/// <summary>What the cluster replicator needs from the command line.</summary>
public sealed record ClusterOptions
{
    /// <summary>This node's address as its peers spell it (see <see cref="NodeAddress"/>).</summary>
    public required string SelfAddress { get; init; }

    /// <summary>A member to ask for admission (normalized address), or null to bootstrap a new cluster.</summary>
    public string? Join { get; init; }

    /// <summary>
    /// Peers found at start-up (see <see cref="NodeAddress.DiscoverPeers"/>). When the storage is empty and this is not,
    /// every discovered node starts from the same static configuration instead of joining one by one.
    /// </summary>
    public IReadOnlyList<string> InitialPeers { get; init; } = [];

    /// <summary>The directory relative peer addresses resolve against (the node's working directory).</summary>
    public string WorkingDirectory { get; init; } = Directory.GetCurrentDirectory();

    public int TickMs { get; init; } = 10;
    public int ElectionTimeoutMaxMs { get; init; } = 300;
    public int SnapshotEveryEntries { get; init; } = 10_000;

    /// <summary>Mutual TLS on TCP peer links (null: plain). Its identity is <see cref="SelfAddress"/>.</summary>
    public FastDb.Forwarder.PeerTls? PeerTls { get; init; }

    /// <summary>Without PeerTls on TCP: plain peer connections only from loopback addresses (unless --insecure).</summary>
    public bool PlainPeersFromLoopbackOnly { get; init; }

    /// <summary>
    /// Send frames for a silent peer through peers that still hear from it (see <see cref="RelayingTransport"/>).
    /// Off whenever <see cref="PeerTls"/> is on: a relay could speak for the origin. Off by default: under octopus's
    /// link faults (at most a second) it gained nothing measurable and costs bytes (README, "Routing around a dead link").
    /// </summary>
    public bool RelayAroundSilentPeers { get; init; }

    /// <summary>
    /// Compress plain peer links (Forwarder's LinkCompression.cs; links under <see cref="PeerTls"/> never are):
    /// about a third fewer bytes between peers, for a few microseconds of zlib per batch.
    /// </summary>
    public bool CompressPeerLinks { get; init; }

    /// <summary>Connections to each peer (see <see cref="PeerLinks"/>): 3 gives forwards and acks lanes of their own.</summary>
    public int PeerLanes { get; init; } = PeerLinks.DefaultLanes;

    /// <summary>The leader hands over to the member under which requests commit soonest (see <see cref="LatencyProbe"/>).</summary>
    public bool PlaceLeaderByLatency { get; init; } = true;

    /// <summary>A follower whose link to a silent leader closed stops honouring its lease and elects early (see
    /// <see cref="RaftHost.SuspectLeaderTicks"/>). Off by default: under octopus it lost 1.1% (12 pairs).</summary>
    public bool SuspectLeaderOnLinkClose { get; init; }

    /// <summary>
    /// How long a leader holds requests to propose them as one batch (see <see cref="RequestRouter"/>); 0 proposes
    /// each loop turn's requests at once.
    /// </summary>
    public int BatchWindowMs { get; init; }

    /// <summary>Raft settings in ticks (Id is filled in by the replicator).</summary>
    public required RaftOptions Raft { get; init; }
}
