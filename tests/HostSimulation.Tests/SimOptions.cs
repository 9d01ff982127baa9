namespace FastDb.HostSimulation.Tests;

internal sealed record SimOptions
{
    public int Nodes = 5;
    /// <summary>Node 0 bootstraps alone and the others join it (--join), instead of octopus's static layout.</summary>
    public bool JoinFlow;
    public int TickMs = 10, HeartbeatTicks = 3, ElectionMinTicks = 10, ElectionMaxTicks = 20;
    public int SnapshotEveryEntries = 40;
    public int Clients = 4;
    /// <summary>Simulated time the clients send new requests, then the faults stop and everything must be answered.</summary>
    public double WorkloadMs = 6_000, SettleMs = 60_000;
    /// <summary>A client that gets no answer this long stops waiting (its connection closes) and sends the same body again.</summary>
    public double ClientTimeoutMs = 2_500;
    public bool Faults = true, DiskFaults = true;
    /// <summary>Off: no process is killed (octopus's default monkeys: the murder monkey is off unless enabled).</summary>
    public bool CrashFaults = true;
    /// <summary>Chance per frame of a connection break losing it, and of it arriving twice.</summary>
    public double DropRate = 0.01, DupRate = 0.005;
    /// <summary>Route around silent peers (ClusterOptions.RelayAroundSilentPeers; production's --relay, off by default).</summary>
    public bool Relay;
    /// <summary>The leader hands over to the member with the fastest links (ClusterOptions.PlaceLeaderByLatency), as production does.</summary>
    public bool PlaceLeader = true;
    /// <summary>The failure detector on closed links (ClusterOptions.SuspectLeaderOnLinkClose), off as in production.</summary>
    public bool SuspectLeader;
    /// <summary>An append with entries stands in for the next heartbeat (RaftOptions.HeartbeatOnlyWhenIdle), as production does.</summary>
    public bool IdleHeartbeats = true;
    /// <summary>The leader's batch window (ClusterOptions.BatchWindowMs, production's --batch-window-ms).</summary>
    public int BatchWindowMs;
    /// <summary>RaftOptions.CommitQuorum (production's --commit-quorum): 0 a majority, 2 flexible quorums.</summary>
    public int CommitQuorum;
}
