namespace FastDb.Server.Startup;

/// <summary>Everything the command line configures for one node. Paths are already resolved against the cwd.</summary>
public sealed record NodeOptions
{
    public const string DefaultListen = "./fastdb.sock";
    public const string DefaultDataDirectory = "./fastdb-data";

    /// <summary>Where HTTP clients (and peers) connect: a Unix socket path or a TCP host:port.</summary>
    public required ListenAddress Listen { get; init; }

    public required string DataDirectory { get; init; }

    /// <summary>An existing member to join (its address as seen from this node, e.g. ./node0.sock); null for node 0 or a lone node.</summary>
    public string? Join { get; init; }

    /// <summary>The node's display name in /status (defaults to the socket's file name, e.g. node1).</summary>
    public required string NodeName { get; init; }

    public bool Verbose { get; init; }

    // Raft timing (used by the cluster replicator).
    public int TickMs { get; init; } = 10;
    public int HeartbeatMs { get; init; } = 30;
    public int ElectionTimeoutMinMs { get; init; } = 100;
    public int ElectionTimeoutMaxMs { get; init; } = 200;

    public bool BroadcastAcks { get; init; } = true;
    /// <summary>RaftOptions.CommitQuorum: 0 a majority, 2 flexible quorums (a pair commits, elections need all but one).</summary>
    public int CommitQuorum { get; init; }
    public bool HeartbeatOnlyWhenIdle { get; init; } = true;
    public bool Relay { get; init; }
    public bool PeerCompression { get; init; } = true;
    /// <summary>ClusterOptions.PeerLanes.</summary>
    public int PeerLanes { get; init; } = Cluster.PeerLinks.DefaultLanes;
    public bool LeaderPlacement { get; init; } = true;
    /// <summary>ClusterOptions.SuspectLeaderOnLinkClose.</summary>
    public bool SuspectLeader { get; init; }

    public bool Fsync { get; init; }
    /// <summary>The nice value the node runs at, at least (CpuPriority); 0 keeps the one it was started with.</summary>
    public int Nice { get; init; } = 10;
    /// <summary>Every thread under SCHED_IDLE (CpuPriority.Idle), on top of the nice value.</summary>
    public bool CpuIdle { get; init; }
    /// <summary>ClusterOptions.BatchWindowMs.</summary>
    public int BatchWindowMs { get; init; }
    public long MaxBodyBytes { get; init; } = 1 << 20;
    /// <summary>Permissions of the Unix socket file: the owner only unless --socket-mode opens it to the group.</summary>
    public UnixFileMode SocketMode { get; init; } = DefaultSocketMode;
    public const UnixFileMode DefaultSocketMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public int SnapshotEveryEntries { get; init; } = 10_000;

    /// <summary>Mutual TLS with peers (all three or none): this node's certificate, its key, the cluster CA. TCP only.</summary>
    public string? PeerCertFile { get; init; }
    public string? PeerKeyFile { get; init; }
    public string? PeerTrustedCaFile { get; init; }

    /// <summary>TCP without peer TLS: accept plain peer connections from any address, not only loopback.</summary>
    public bool Insecure { get; init; }

    /// <summary>HTTPS on the client API (both or none).</summary>
    public string? CertFile { get; init; }
    public string? KeyFile { get; init; }

    /// <summary>The users file (rqlite's shape); null: the API is open to whoever can reach it.</summary>
    public string? AuthFile { get; init; }

    /// <summary>True when neither -l nor -d was given: the embedded default, announced on stderr.</summary>
    public bool UsedDefaults { get; init; }
}

/// <summary>A listen address: a Unix socket path (absolute) or a TCP host and port.</summary>
public sealed record ListenAddress(string? UnixSocketPath, string? Host, int Port)
{
    public bool IsUnixSocket => UnixSocketPath is not null;

    /// <summary>
    /// host:port (or :port) is TCP; anything else is a Unix socket path, resolved against <paramref name="workingDirectory"/>.
    /// Throws <see cref="FormatException"/> with a clear message for an empty value or a bad port.
    /// </summary>
    public static ListenAddress Parse(string value, string workingDirectory)
    {
        if (string.IsNullOrWhiteSpace(value)) throw new FormatException("the listen address is empty");
        var colon = value.LastIndexOf(':');
        if (colon >= 0 && !value.Contains('/'))
        {
            var portText = value[(colon + 1)..];
            if (!int.TryParse(portText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
                || port is < 1 or > 65535)
                throw new FormatException($"bad TCP port in listen address '{value}' (expected host:port with port 1..65535)");
            var host = value[..colon].Trim('[', ']');
            return new ListenAddress(null, host.Length == 0 ? "localhost" : host, port);
        }
        return new ListenAddress(Path.GetFullPath(value, workingDirectory), null, 0);
    }

    public override string ToString() => UnixSocketPath ?? $"{Host}:{Port}";
}
