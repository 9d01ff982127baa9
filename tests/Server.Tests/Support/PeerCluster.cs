using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using FastDb.Forwarder;

namespace FastDb.Server.Tests.Support;

/// <summary>
/// Three (or N) real sqlcluster processes, hand-run style: every node works in ROOT, listens on ./n{i}/node.sock (or
/// on TCP, 127.0.0.1 and a free port) with data in ./n{i}/data; node 0 founds the cluster, the others join it.
/// Restartable; stderr kept per node; killed on dispose.
/// </summary>
public sealed class PeerCluster : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private readonly Process?[] _nodes;
    private readonly StringBuilder[] _stderr;
    private readonly int[]? _ports; // TCP: each node's port; null: Unix sockets
    private readonly string[]? _hosts; // TCP: each node's loopback address (127.0.0.1 unless given)
    private readonly Func<int, string[]> _extraArgs;

    public string Root { get; } = Directory.CreateTempSubdirectory("fastdb-peer-").FullName;
    public int Count => _nodes.Length;

    private PeerCluster(int count, bool tcp, string[]? hosts, Func<int, string[]>? extraArgs)
    {
        _nodes = new Process?[count];
        _extraArgs = extraArgs ?? (_ => []);
        if (tcp)
        {
            _hosts = hosts ?? Enumerable.Repeat("127.0.0.1", count).ToArray();
            _ports = _hosts.Select(FreePort).ToArray();
        }
        _stderr = Enumerable.Range(0, count).Select(_ => new StringBuilder()).ToArray();
    }

    /// <summary>The address node <paramref name="node"/> has in the cluster (its peers' name for it).</summary>
    public string Address(int node) => _ports is null ? $"./n{node}/node.sock" : $"{_hosts![node]}:{_ports[node]}";

    /// <summary>A port free on <paramref name="host"/> right now (the node binds it a moment later).</summary>
    public static int FreePort(string host)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Parse(host), 0));
        return ((System.Net.IPEndPoint)probe.LocalEndPoint!).Port;
    }

    /// <summary>TCP: the nodes serve HTTPS with certificates of this CA (set before they start, e.g. in StartAsync's prepare).</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? HttpsAuthority { get; set; }

    /// <summary>An HTTP client for a node, over its Unix socket or TCP (HTTPS verified against HttpsAuthority when set).</summary>
    public HttpClient Client(int node, TimeSpan timeout)
    {
        if (_ports is null) return UnixHttp.CreateClient(SocketPath(node), timeout);
        if (HttpsAuthority is not { } ca) return new HttpClient { BaseAddress = new Uri($"http://{Address(node)}"), Timeout = timeout };
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            if (certificate is not System.Security.Cryptography.X509Certificates.X509Certificate2 presented) return false;
            using var chain = new System.Security.Cryptography.X509Certificates.X509Chain();
            chain.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
            return chain.Build(presented) && presented.MatchesHostname(_hosts![node]);
        };
        return new HttpClient(handler) { BaseAddress = new Uri($"https://{Address(node)}"), Timeout = timeout };
    }

    /// <summary>A raw peer connection to a node, opened with a preamble naming <paramref name="name"/>.</summary>
    public Task<HostilePeer> ConnectPeerAsync(int node, string name) => _ports is null
        ? HostilePeer.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath(node)), name)
        : HostilePeer.ConnectAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Parse(_hosts![node]), _ports[node]), name);

    public string SocketPath(int node) => Path.Combine(Root, $"n{node}", "node.sock");

    public int Pid(int node) => _nodes[node]?.Id ?? throw new InvalidOperationException($"node {node} is not running");

    public string Stderr(int node)
    {
        lock (_stderr[node]) return _stderr[node].ToString();
    }

    /// <param name="hosts">TCP: each node's loopback address (default 127.0.0.1 for all).</param>
    /// <param name="extraArgs">More arguments for node i (e.g. its peer certificate files).</param>
    /// <param name="prepare">Runs once the cluster's addresses and directories exist, before any node starts.</param>
    public static async Task<PeerCluster> StartAsync(int count = 3, bool tcp = false, string[]? hosts = null,
        Func<int, string[]>? extraArgs = null, Action<PeerCluster>? prepare = null)
    {
        var cluster = new PeerCluster(count, tcp, hosts, extraArgs);
        try
        {
            for (var i = 0; i < count; i++) Directory.CreateDirectory(Path.Combine(cluster.Root, $"n{i}"));
            prepare?.Invoke(cluster);
            for (var i = 0; i < count; i++)
            {
                cluster.Start(i);
                if (i == 0) await cluster.WaitForAsync(0, s => s.GetProperty("role").GetString() == "leader", "node 0 leading");
            }
            await cluster.WaitForMembersAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private void Start(int i)
    {
        string[] join = i > 0 ? ["--join=" + Address(0)] : [];
        _nodes[i] = NodeLauncher.Start( // the native binary users run
            NodeLauncher.CreateStartInfo(ServerProcess.ExecutablePath, Root, ["-l", Address(i), "-d", $"./n{i}/data", .. join, .. _extraArgs(i)]),
            NodeLauncher.AppendTo(_stderr[i]));
    }

    /// <summary>Every node answers /status, knows all members, and one of them leads.</summary>
    public async Task WaitForMembersAsync()
    {
        for (var i = 0; i < Count; i++)
            await WaitForAsync(i, s => s.GetProperty("members").GetArrayLength() == Count && s.GetProperty("leader").GetUInt64() != 0,
                $"node {i} sees {Count} members and a leader");
    }

    /// <summary>SIGKILL every node, then start each again on its data (the committed log is replayed).</summary>
    public async Task RestartAllAsync()
    {
        for (var i = 0; i < Count; i++) Kill(i);
        for (var i = 0; i < Count; i++)
        {
            lock (_stderr[i]) _stderr[i].AppendLine("---- restarted by the test ----");
            if (_ports is null) File.Delete(SocketPath(i)); // a SIGKILLed node leaves its socket file behind
            Start(i);
        }
        await WaitForMembersAsync();
    }

    public void Kill(int node)
    {
        if (_nodes[node] is not { } process || process.HasExited) return;
        process.Kill();
        process.WaitForExit(10_000);
    }

    /// <summary>Throws, with its stderr, if a node's process has ended.</summary>
    public void AssertAllRunning(string when)
    {
        for (var i = 0; i < Count; i++)
            if (_nodes[i] is not { HasExited: false })
                throw new Xunit.Sdk.XunitException($"node {i} exited {when}:\n{Stderr(i)}");
    }

    public async Task WaitForAsync(int node, Func<JsonElement, bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < ReadyTimeout)
        {
            using (var status = await StatusAsync(node))
                if (status is not null && condition(status.RootElement)) return;
            if (_nodes[node] is { HasExited: true }) throw new Xunit.Sdk.XunitException($"node {node} exited while waiting for: {what}\n{Stderr(node)}");
            await Task.Delay(50);
        }
        throw new TimeoutException($"cluster under {Root} not ready: {what}\n{Stderr(node)}");
    }

    public async Task<JsonDocument?> StatusAsync(int node)
    {
        using var client = Client(node, TimeSpan.FromSeconds(3));
        try
        {
            return JsonDocument.Parse(await client.GetStringAsync("/status"));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or SocketException or IOException)
        {
            return null;
        }
    }

    /// <summary>The leader's index, id and term as node 0 sees them.</summary>
    public async Task<(int Node, ulong Id, ulong Term)> LeaderAsync()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            for (var i = 0; i < Count; i++)
            {
                using var status = await StatusAsync(i);
                if (status is null) continue;
                var root = status.RootElement;
                if (root.GetProperty("role").GetString() == "leader")
                    return (i, root.GetProperty("nodeId").GetUInt64(), root.GetProperty("term").GetUInt64());
            }
            await Task.Delay(50);
        }
        throw new TimeoutException("no leader");
    }

    public async Task<ulong> NodeIdAsync(int node)
    {
        using var status = await StatusAsync(node) ?? throw new InvalidOperationException($"node {node} does not answer");
        return status.RootElement.GetProperty("nodeId").GetUInt64();
    }

    /// <summary>POST /sql to a node until it answers 200 (bounded); returns the body after the SequenceNumber line.</summary>
    public async Task<(long Sequence, string Body)> SqlAsync(int node, string script)
    {
        using var client = Client(node, TimeSpan.FromSeconds(30));
        var answer = await Workload.SendUntilAnsweredAsync(client, script, TimeSpan.FromSeconds(60));
        return (answer.Sequence, answer.Body);
    }

    /// <summary>Resident set size of a node, from /proc.</summary>
    public long RssBytes(int node)
    {
        foreach (var line in File.ReadLines($"/proc/{Pid(node)}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        throw new InvalidOperationException("no VmRSS");
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = 0; i < Count; i++)
        {
            Kill(i);
            _nodes[i]?.Dispose();
        }
        await Task.Yield();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>
/// A raw peer connection, as a hostile process would open one: any preamble name, any frame bytes. It never reads
/// frames (inbound peer connections are read-only), only notices when the node closes it.
/// </summary>
public sealed class HostilePeer : IDisposable
{
    private readonly Socket _socket;

    private HostilePeer(Socket socket) => _socket = socket;

    public static async Task<HostilePeer> ConnectAsync(System.Net.EndPoint endPoint, string name)
    {
        var peer = new HostilePeer(endPoint is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        await peer._socket.ConnectAsync(endPoint);
        await peer.SendAsync(Preamble.Encode(name));
        return peer;
    }

    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            while (bytes.Length > 0)
            {
                var sent = await _socket.SendAsync(bytes);
                bytes = bytes[sent..];
            }
        }
        catch (SocketException)
        {
            // closed by the node mid-send: what the test looks at afterwards
        }
    }

    public Task SendFrameAsync(byte type, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[FrameCodec.FrameSize(payload.Length)];
        FrameCodec.WriteFrame(frame, type, payload);
        return SendAsync(frame);
    }

    public Task SendRaftAsync(FastDb.Raft.Message message) => SendFrameAsync(1, FastDb.Raft.MessageCodec.ToBytes(message));

    /// <summary>True once the node closed the connection (within the timeout).</summary>
    public async Task<bool> ClosedByNodeAsync(int timeoutMs = 5000)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        try
        {
            var buffer = new byte[64];
            while (true)
                if (await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token) == 0) return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    public void Dispose() => _socket.Dispose();
}
