using System.CommandLine;
using System.CommandLine.Parsing;

namespace FastDb.Server.Startup;

/// <summary>
/// The sqlcluster command line. Flags arrive as octopus passes them, Go style: <c>-l ./node1.sock -d DIR --join=./node0.sock -v</c>.
/// </summary>
public static class CommandLine
{
    private static readonly Option<string?> Listen = new("--listen", "-l")
    {
        Description = $"Where to listen: a Unix socket path (relative paths resolve against the current directory; a stale socket file is removed) or host:port for TCP. Default {NodeOptions.DefaultListen}.",
        HelpName = "PATH|HOST:PORT",
    };

    private static readonly Option<string?> DataDirectory = new("--data-dir", "-d")
    {
        Description = $"Data directory for the log and snapshots; recovered on restart, never wiped. Default {NodeOptions.DefaultDataDirectory}.",
        HelpName = "DIR",
    };

    private static readonly Option<string?> Join = new("--join")
    {
        Description = "Address of an existing member to join (as octopus passes it: --join=./node0.sock).",
        HelpName = "ADDRESS",
    };

    private static readonly Option<string?> Name = new("--name")
    {
        Description = "Node name shown in /status. Default: the socket's file name without extension.",
    };

    private static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Detailed logs on stderr (default: warnings and errors only).",
    };

    private static readonly Option<int> TickMs = PositiveInt("--tick-ms", 10, "Raft clock tick, in milliseconds.");
    private static readonly Option<int> HeartbeatMs = PositiveInt("--heartbeat-ms", 30, "Leader heartbeat interval, in milliseconds.");
    private static readonly Option<int> ElectionMinMs = PositiveInt("--election-timeout-min-ms", 100, "Lower bound of the randomized election timeout, in milliseconds.");
    private static readonly Option<int> ElectionMaxMs = PositiveInt("--election-timeout-max-ms", 200, "Upper bound of the randomized election timeout, in milliseconds.");

    private static readonly Option<bool> BroadcastAcks = Switch("--broadcast-acks", true,
        "Followers send their append acknowledgements to every member, so a follower that received a request learns its commit one link delay sooner (default true; --broadcast-acks false halves the Raft messages per entry).");

    private static readonly Option<int> CommitQuorum = new("--commit-quorum")
    {
        Description = "Members that commit an entry: 0 (the default) a majority; 2 the leader and one follower (flexible quorums: a request that lands on a follower is answered one link delay sooner, but electing a leader then needs every member but one, and a committed entry survives one lost disk, not two). Every member must be started with the same value: peers that differ refuse each other.",
        DefaultValueFactory = _ => 0,
    };

    private static readonly Option<bool> IdleHeartbeats = Switch("--idle-heartbeats", true,
        "The leader skips a follower's heartbeat when an append with entries went to it since the last one (default true: under load about 2 fewer frames per request; --idle-heartbeats false sends every heartbeat).");

    private static readonly Option<bool> Relay = Switch("--relay", false,
        "Send frames for a peer whose link has gone silent through peers that still reach it (default false; always off with peer TLS).");

    private static readonly Option<bool> PeerCompression = Switch("--peer-compression", true,
        "Compress plain peer links with DEFLATE, one stream per connection (default true: about a third fewer bytes between peers; links under peer TLS are never compressed).");

    private static readonly Option<bool> LeaderPlacement = Switch("--leader-placement", true,
        "The leader measures every link's round trip and hands leadership to the member under which requests commit soonest (default true).");

    private static readonly Option<bool> SuspectLeader = Switch("--suspect-leader", false,
        "A follower whose connection to its leader closed, with the leader silent since, stops honouring its lease and elects early instead of waiting out its election timer (default false).");

    private static readonly Option<int> Nice = new("--nice")
    {
        Description = "Run at this nice value at least, 0-19 (default 10): CPU work sharing the machine (octopus's checker) goes first; 0 keeps the priority the node was started with.",
        DefaultValueFactory = _ => 10,
    };

    private static readonly Option<bool> CpuIdle = Switch("--cpu-idle", false,
        "Schedule the node's threads as SCHED_IDLE (Linux): they run only on cores nothing else wants (default false).");

    private static readonly Option<int> PeerLanes = new("--peer-lanes")
    {
        Description = "Connections per peer, 1-3 (default 3): append acknowledgements (2) and forwarded requests (3) get their own, so they never wait behind other frames' delays on one in-order connection.",
        DefaultValueFactory = _ => Cluster.PeerLinks.DefaultLanes,
    };

    private static readonly Option<int> BatchWindowMs = new("--batch-window-ms")
    {
        Description = "A leader holds requests this long, 0-50 ms, to propose them as one append (default 0: each loop turn's at once).",
        DefaultValueFactory = _ => 0,
    };

    private static readonly Option<bool> Fsync = new("--fsync")
    {
        Description = "fsync the log on every write (survives a machine crash; slower). Off by default: a killed process still loses nothing.",
    };

    private static readonly Option<long> MaxBodyBytes = new("--max-body-bytes")
    {
        Description = "Largest accepted POST /sql body; larger ones get 413.",
        DefaultValueFactory = _ => 1 << 20,
    };

    // No flags for the dedup window's bounds: whether a re-sent request runs again depends on them, so a node with
    // other values would answer differently from its peers (the replicas fork). They are DedupWindow's constants.

    private static readonly Option<string> SocketMode = new("--socket-mode")
    {
        Description = "Permissions of the Unix socket, in octal: 600 (the default) admits only this user; 660 also its group.",
        DefaultValueFactory = _ => "600",
    };

    private static readonly Option<string?> PeerCertFile = new("--peer-cert-file")
    {
        Description = "PEM certificate of this node for mutual TLS with its peers (TCP only; see `sqlcluster cert`). Its identity must be this node's address (-l). Needs --peer-key-file and --peer-trusted-ca-file.",
        HelpName = "FILE",
    };

    private static readonly Option<string?> PeerKeyFile = new("--peer-key-file")
    {
        Description = "PEM private key of --peer-cert-file.",
        HelpName = "FILE",
    };

    private static readonly Option<string?> PeerTrustedCaFile = new("--peer-trusted-ca-file")
    {
        Description = "PEM certificate of the cluster CA: a peer's certificate must chain to it (and to nothing else).",
        HelpName = "FILE",
    };

    private static readonly Option<bool> Insecure = new("--insecure")
    {
        Description = "On TCP without peer TLS, accept plain peer connections from any address (default: loopback only).",
    };

    private static readonly Option<string?> CertFile = new("--cert-file")
    {
        Description = "PEM certificate for HTTPS on the client API (TCP only). Needs --key-file.",
        HelpName = "FILE",
    };

    private static readonly Option<string?> KeyFile = new("--key-file")
    {
        Description = "PEM private key of --cert-file.",
        HelpName = "FILE",
    };

    private static readonly Option<string?> Auth = new("--auth")
    {
        Description = "Users and permissions of the client API, a JSON file in rqlite's shape: [{\"username\": ..., \"password\": HASH, \"perms\": [...]}] (see `sqlcluster hash-password`).",
        HelpName = "FILE",
    };

    private static readonly Option<int> SnapshotEvery = PositiveInt("--snapshot-every", 10_000, "Snapshot the state machine and truncate the log every this many entries.");

    static CommandLine()
    {
        MaxBodyBytes.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<long>() < 1) r.AddError("--max-body-bytes must be at least 1");
        });
        BatchWindowMs.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 0 or > 50) r.AddError("--batch-window-ms must be from 0 to 50");
        });
        CommitQuorum.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 0 or 1 or > 255) r.AddError("--commit-quorum must be 0 (a majority) or from 2 to 255");
        });
        PeerLanes.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > Cluster.PeerLinks.DefaultLanes) r.AddError("--peer-lanes must be from 1 to 3");
        });
        Nice.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 0 or > 19) r.AddError("--nice must be from 0 to 19");
        });
        SocketMode.Validators.Add(r =>
        {
            if (!TryParseSocketMode(r.GetValueOrDefault<string>(), out _))
                r.AddError("--socket-mode must be an octal mode of owner and group bits only, such as 600 or 660");
        });
    }

    /// <summary>Builds the root command; <paramref name="runNode"/> and <paramref name="runExec"/> do the work.</summary>
    public static RootCommand Build(Func<NodeOptions, CancellationToken, Task<int>> runNode, Func<CancellationToken, Task<int>> runExec)
    {
        var root = new RootCommand("sqlcluster: a replicated SQL server (drop-in for Stripe CTF3 level 4). POST /sql with a SQL script; GET /healthcheck; GET /status.");
        foreach (var option in new Option[] { Listen, DataDirectory, Join, Name, Verbose, TickMs, HeartbeatMs, ElectionMinMs, ElectionMaxMs, BroadcastAcks, CommitQuorum, IdleHeartbeats, Relay, PeerCompression, PeerLanes, LeaderPlacement, SuspectLeader, Fsync, Nice, CpuIdle, BatchWindowMs, MaxBodyBytes, SocketMode, SnapshotEvery,
                     PeerCertFile, PeerKeyFile, PeerTrustedCaFile, Insecure, CertFile, KeyFile, Auth })
            root.Options.Add(option);

        root.Validators.Add(result =>
        {
            var listen = result.GetValue(Listen);
            if (listen is not null)
            {
                try
                {
                    ListenAddress.Parse(listen, Environment.CurrentDirectory);
                }
                catch (FormatException e)
                {
                    result.AddError($"-l: {e.Message}");
                }
            }
            var peerFiles = new[] { result.GetValue(PeerCertFile), result.GetValue(PeerKeyFile), result.GetValue(PeerTrustedCaFile) };
            if (peerFiles.Any(f => f is not null) && peerFiles.Any(f => f is null))
                result.AddError("peer TLS needs all three of --peer-cert-file, --peer-key-file and --peer-trusted-ca-file");
            if ((result.GetValue(CertFile) is null) != (result.GetValue(KeyFile) is null))
                result.AddError("HTTPS needs both --cert-file and --key-file");
            var tcp = listen is not null && !ListenAddress.Parse(listen, Environment.CurrentDirectory).IsUnixSocket;
            if (!tcp && (peerFiles.Any(f => f is not null) || result.GetValue(CertFile) is not null))
                result.AddError("TLS (--peer-cert-file, --cert-file) is for a TCP listen address (-l HOST:PORT); Unix sockets are guarded by their file permissions");
        });

        root.SetAction((parse, ct) =>
        {
            var options = ToOptions(parse);
            if (options.ElectionTimeoutMinMs > options.ElectionTimeoutMaxMs)
            {
                StandardError.Writer.WriteLine($"--election-timeout-min-ms ({options.ElectionTimeoutMinMs}) must not exceed --election-timeout-max-ms ({options.ElectionTimeoutMaxMs})");
                return Task.FromResult(1);
            }
            return runNode(options, ct);
        });

        root.Subcommands.Add(CertCommand.Build());
        root.Subcommands.Add(HashPasswordCommand.Build());

        var exec = new Command("exec", "Run a SQL script from stdin on a fresh in-memory database and print what the sqlite3 shell would: stdout, stderr, exit code.");
        exec.SetAction((_, ct) => runExec(ct));
        root.Subcommands.Add(exec);
        return root;
    }

    private static NodeOptions ToOptions(ParseResult parse)
    {
        var cwd = Environment.CurrentDirectory;
        var listenText = parse.GetValue(Listen);
        var dataText = parse.GetValue(DataDirectory);
        var listen = ListenAddress.Parse(listenText ?? NodeOptions.DefaultListen, cwd);
        var name = parse.GetValue(Name)
                   ?? (listen.UnixSocketPath is { } path ? Cluster.NodeAddress.DisplayName(Cluster.NodeAddress.Advertised(path, null, 0, cwd)) : listen.ToString());
        return new NodeOptions
        {
            Listen = listen,
            DataDirectory = Path.GetFullPath(dataText ?? NodeOptions.DefaultDataDirectory, cwd),
            Join = parse.GetValue(Join),
            NodeName = name,
            Verbose = parse.GetValue(Verbose),
            TickMs = parse.GetValue(TickMs),
            HeartbeatMs = parse.GetValue(HeartbeatMs),
            ElectionTimeoutMinMs = parse.GetValue(ElectionMinMs),
            ElectionTimeoutMaxMs = parse.GetValue(ElectionMaxMs),
            BroadcastAcks = parse.GetValue(BroadcastAcks),
            CommitQuorum = parse.GetValue(CommitQuorum),
            HeartbeatOnlyWhenIdle = parse.GetValue(IdleHeartbeats),
            Relay = parse.GetValue(Relay),
            PeerCompression = parse.GetValue(PeerCompression),
            PeerLanes = parse.GetValue(PeerLanes),
            LeaderPlacement = parse.GetValue(LeaderPlacement),
            SuspectLeader = parse.GetValue(SuspectLeader),
            Fsync = parse.GetValue(Fsync),
            Nice = parse.GetValue(Nice),
            CpuIdle = parse.GetValue(CpuIdle),
            BatchWindowMs = parse.GetValue(BatchWindowMs),
            MaxBodyBytes = parse.GetValue(MaxBodyBytes),
            SocketMode = TryParseSocketMode(parse.GetValue(SocketMode), out var mode) ? mode : NodeOptions.DefaultSocketMode,
            SnapshotEveryEntries = parse.GetValue(SnapshotEvery),
            PeerCertFile = parse.GetValue(PeerCertFile),
            PeerKeyFile = parse.GetValue(PeerKeyFile),
            PeerTrustedCaFile = parse.GetValue(PeerTrustedCaFile),
            Insecure = parse.GetValue(Insecure),
            CertFile = parse.GetValue(CertFile),
            KeyFile = parse.GetValue(KeyFile),
            AuthFile = parse.GetValue(Auth),
            UsedDefaults = listenText is null && dataText is null,
        };
    }

    /// <summary>An octal mode with owner read/write and no bits for others (a socket anyone may dial is never wanted).</summary>
    internal static bool TryParseSocketMode(string? text, out UnixFileMode mode)
    {
        mode = default;
        if (string.IsNullOrEmpty(text) || text.Length > 4) return false;
        var bits = 0;
        foreach (var c in text)
        {
            if (c is < '0' or > '7') return false;
            bits = bits * 8 + (c - '0');
        }
        mode = (UnixFileMode)bits;
        const UnixFileMode ownerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        const UnixFileMode others = UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        return (mode & ownerReadWrite) == ownerReadWrite && (mode & others) == 0 && bits <= 0x1FF;
    }

    /// <summary>A true/false flag with a default (--flag, --flag false).</summary>
    private static Option<bool> Switch(string name, bool defaultValue, string description) =>
        new(name) { Description = description, DefaultValueFactory = _ => defaultValue };

    private static Option<int> PositiveInt(string name, int defaultValue, string description)
    {
        var option = new Option<int>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1) r.AddError($"{name} must be at least 1");
        });
        return option;
    }
}
