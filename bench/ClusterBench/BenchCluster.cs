using System.Diagnostics;
using System.Text.Json;
using FastDb.Harness.Network;
using FastDb.Harness.Nodes;
using FastDb.Harness.Randomness;
using FastDb.Harness.Workload;
using FastDb.TestSupport;

namespace FastDb.ClusterBench;

/// <summary>What every measurement shares: where the server is, how many nodes, the links' fixed one-way delay.</summary>
public sealed record BenchOptions(string? Sqlcluster, int Nodes, int LinkMs, int Clients, string Root, IReadOnlyList<string> NodeArgs);

/// <summary>
/// A cluster of real sqlcluster processes in octopus's layout, every node-to-node byte through the harness's proxies
/// with a fixed one-way delay and no jitter (so latencies can be read as multiples of it), and a client that talks
/// to each node's own socket directly, as octopus's does.
/// </summary>
public sealed class BenchCluster : IAsyncDisposable
{
    private readonly NodeLayout _layout;
    private readonly ProxyNetwork _network;
    private readonly List<NodeProcess> _nodes;
    private readonly HttpClient _http;
    private readonly List<StreamWriter> _logs = new(); // each node's stdout and stderr, in ROOT/node{i}.log

    public TrafficStats Traffic { get; } = new();
    public int NodeCount => _nodes.Count;
    public NodeLayout Layout => _layout;

    private BenchCluster(string sqlcluster, BenchOptions options)
    {
        _layout = new NodeLayout(options.Root, options.Nodes);
        _layout.Prepare();
        var topology = new NetworkTopology(options.Nodes, SeedStreams.Create(1, "bench"));
        foreach (var link in topology.Links)
        {
            link.LatencyMs = (uint)options.LinkMs;
            link.JitterMs = 0;
        }
        _network = new ProxyNetwork(topology, _layout, Traffic);
        _nodes = Enumerable.Range(0, options.Nodes)
            .Select(i => new NodeProcess(i, sqlcluster, _layout.Arguments(i, options.NodeArgs), _layout.WorkingDir(i), NodeLog(i),
                reason => Console.Error.WriteLine($"[bench] node{i}: {reason}")))
            .ToList();
        var handler = UnixHttp.CreateHandler(context =>
            _layout.OwnSocketPath(int.Parse(context.DnsEndPoint.Host.AsSpan(4), System.Globalization.CultureInfo.InvariantCulture)));
        handler.MaxConnectionsPerServer = 64;
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public static async Task<BenchCluster> StartAsync(BenchOptions options, CancellationToken token)
    {
        var sqlcluster = options.Sqlcluster is { } given ? Path.GetFullPath(given)
            : await ServerBuild.PublishAsync(Path.GetFullPath(options.Root) + "-build", Console.Out, token).ConfigureAwait(false);
        var cluster = new BenchCluster(sqlcluster, options);
        cluster._network.Start();
        foreach (var node in cluster._nodes) node.Start();
        using var boot = CancellationTokenSource.CreateLinkedTokenSource(token);
        boot.CancelAfter(TimeSpan.FromSeconds(60));
        while (true)
        {
            try
            {
                var (status, _) = await cluster.PostAsync(0, Queries.BootQuery(), null, boot.Token).ConfigureAwait(false);
                if (status == 200) break;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(50, boot.Token).ConfigureAwait(false);
        }
        return cluster;
    }

    private StreamWriter NodeLog(int node)
    {
        var writer = new StreamWriter(Path.Combine(_layout.Root, $"node{node}.log")) { AutoFlush = true };
        _logs.Add(writer);
        return writer;
    }

    /// <summary>POST /sql to node i (optionally with an Idempotency-Key); the status and the body.</summary>
    public async Task<(int Status, string Body)> PostAsync(int node, string script, string? idempotencyKey, CancellationToken token)
    {
        using var request = UnixHttp.SqlRequest($"http://node{node}/sql", script, idempotencyKey);
        using var response = await _http.SendAsync(request, token).ConfigureAwait(false);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(token).ConfigureAwait(false));
    }

    /// <summary>POST a JSON body to <paramref name="pathAndQuery"/> on node i (rqlite's API); the status and the body.</summary>
    public async Task<(int Status, string Body)> PostJsonAsync(int node, string pathAndQuery, string json, CancellationToken token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://node{node}{pathAndQuery}")
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        using var response = await _http.SendAsync(request, token).ConfigureAwait(false);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(token).ConfigureAwait(false));
    }

    /// <summary>The node whose /status says it leads, or -1 (frozen nodes are skipped by the caller).</summary>
    public async Task<int> FindLeaderAsync(ISet<int> skip, CancellationToken token)
    {
        for (var i = 0; i < _nodes.Count; i++)
        {
            if (skip.Contains(i)) continue;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
                timeout.CancelAfter(TimeSpan.FromSeconds(1));
                var json = await _http.GetStringAsync($"http://node{i}/status", timeout.Token).ConfigureAwait(false);
                using var status = JsonDocument.Parse(json);
                if (status.RootElement.GetProperty("role").GetString() == "leader") return i;
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !token.IsCancellationRequested)
            {
            }
        }
        return -1;
    }

    /// <summary>A leader every live node agrees on (polls until one is found, bounded).</summary>
    public async Task<int> WaitForLeaderAsync(ISet<int> skip, CancellationToken token)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var leader = await FindLeaderAsync(skip, token).ConfigureAwait(false);
            if (leader >= 0) return leader;
            await Task.Delay(50, token).ConfigureAwait(false);
        }
        throw new TimeoutException("no leader within 10 s");
    }

    public int Pid(int node) => _nodes[node].Pid ?? throw new InvalidOperationException($"node{node} is not running");

    /// <summary>CPU seconds (user + system) the node processes have used so far.</summary>
    public double NodeCpuSeconds() => _nodes.Sum(node => node.Pid is { } pid ? ProcessCpuSeconds(pid) : 0);

    /// <summary>CPU seconds (user + system) process <paramref name="pid"/> has used so far (0 once it is gone).</summary>
    public static double ProcessCpuSeconds(int pid)
    {
        const double ticksPerSecond = 100.0; // USER_HZ on Linux
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // After "pid (comm) ", field 3 (state) is index 0, so utime (14) and stime (15) are indices 11 and 12.
            return (long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture)
                + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)) / ticksPerSecond;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>
    /// Context switches (voluntary + involuntary, every thread) of the node processes so far. Each is a thread going to
    /// sleep or being woken: on a small virtual machine that, not the work itself, is most of a node's CPU, and unlike
    /// CPU time the count does not inflate when other work shares the cores.
    /// </summary>
    public long NodeContextSwitches()
    {
        long total = 0;
        foreach (var node in _nodes)
        {
            if (node.Pid is not { } pid) continue;
            try
            {
                foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
                {
                    foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                        if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal)
                            || line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                            total += long.Parse(line.AsSpan(line.IndexOf(':') + 1).Trim(), System.Globalization.CultureInfo.InvariantCulture);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // a thread or the process went away while we looked
            }
        }
        return total;
    }

    /// <summary>The managed heap of each node in MiB, from its /status (0 for a node that does not answer).</summary>
    public async Task<double[]> NodeGcHeapMiBAsync(CancellationToken token)
    {
        var heaps = new double[_nodes.Count];
        for (var i = 0; i < _nodes.Count; i++)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
                timeout.CancelAfter(TimeSpan.FromSeconds(1));
                using var status = JsonDocument.Parse(await _http.GetStringAsync($"http://node{i}/status", timeout.Token).ConfigureAwait(false));
                heaps[i] = status.RootElement.GetProperty("gcHeapBytes").GetInt64() / (1024.0 * 1024);
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException or KeyNotFoundException && !token.IsCancellationRequested)
            {
            }
        }
        return heaps;
    }

    /// <summary>Resident memory of each node in MiB (VmRSS), 0 for a node that is not running.</summary>
    public double[] NodeRssMiB() => _nodes.Select(n =>
    {
        if (n.Pid is not { } pid) return 0.0;
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
        }
        catch (IOException)
        {
            return 0;
        }
    }).ToArray();

    /// <summary>Bytes on disk in each node's data directory (log, snapshot, hard state).</summary>
    public long[] NodeDiskBytes() => Enumerable.Range(0, _nodes.Count).Select(i =>
    {
        try
        {
            return new DirectoryInfo(_layout.WorkingDir(i)).EnumerateFiles("*", SearchOption.AllDirectories)
                .Where(f => !f.Name.EndsWith(".sock", StringComparison.Ordinal)).Sum(f => f.Length);
        }
        catch (IOException)
        {
            return 0L;
        }
    }).ToArray();

    /// <summary>Octopus's murder: SIGTERM, then the same command line again after <paramref name="downtime"/>.</summary>
    public Task KillForAsync(int node, TimeSpan downtime) => _nodes[node].KillFor(downtime);

    public bool Freeze(int node) => Signals.Send(Pid(node), Signals.SigStop);

    public bool Thaw(int node) => Signals.Send(Pid(node), Signals.SigCont);

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
            if (node.Pid is { } pid) Signals.Send(pid, Signals.SigCont);
        await Task.WhenAll(_nodes.Select(n => n.ShutdownAsync(TimeSpan.FromSeconds(2)))).ConfigureAwait(false);
        await _network.DisposeAsync().ConfigureAwait(false);
        _http.Dispose();
        // The writers stay open: a node's last lines may still arrive on its output events. AutoFlush has written
        // everything so far; the process exit closes the files.
    }

    /// <summary>Milliseconds since an arbitrary origin, for latency arithmetic.</summary>
    public static double NowMs() => Stopwatch.GetTimestamp() * 1000.0 / Stopwatch.Frequency;
}
