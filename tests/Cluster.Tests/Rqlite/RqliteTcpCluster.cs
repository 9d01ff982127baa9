using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace FastDb.Cluster.Tests.Rqlite;

/// <summary>
/// Three native sqlcluster processes on loopback TCP ports (rqlite clients speak HTTP over TCP): node 0 founds the
/// cluster, the others join it. Every wait is bounded; the nodes are killed on dispose.
/// </summary>
public sealed class RqliteTcpCluster : IAsyncDisposable
{
    private readonly Process?[] _nodes;
    private readonly System.Text.StringBuilder _log = new();
    public string Root { get; } = System.IO.Directory.CreateTempSubdirectory("fastdb-rqlite-").FullName;
    public int[] Ports { get; }
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    private RqliteTcpCluster(int count)
    {
        _nodes = new Process?[count];
        Ports = Enumerable.Range(0, count).Select(_ => FreePort()).ToArray();
    }

    public string Url(int node) => $"http://127.0.0.1:{Ports[node]}";
    public string Log { get { lock (_log) return _log.ToString(); } }

    public static async Task<RqliteTcpCluster> StartAsync(int count = 3)
    {
        var cluster = new RqliteTcpCluster(count);
        try
        {
            cluster.Start(0, join: null);
            await cluster.WaitAsync(0, "/readyz", body => body.Contains("[+]store ok", StringComparison.Ordinal)).ConfigureAwait(false);
            for (int i = 1; i < count; i++) cluster.Start(i, join: $"127.0.0.1:{cluster.Ports[0]}");
            for (int i = 0; i < count; i++)
                await cluster.WaitAsync(i, "/status", body => JsonDocument.Parse(body).RootElement.GetProperty("members").GetArrayLength() == count).ConfigureAwait(false);
            for (int i = 0; i < count; i++) await cluster.WaitAsync(i, "/readyz", body => body.Contains("[+]store ok", StringComparison.Ordinal)).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private void Start(int node, string? join)
    {
        var args = new List<string> { "-l", $"127.0.0.1:{Ports[node]}", "-d", Path.Combine(Root, $"n{node}") };
        if (join is not null) args.Add("--join=" + join);
        var start = NodeLauncher.CreateStartInfo(NativeBinary.Path("sqlcluster"), Root, args);
        _nodes[node] = NodeLauncher.Start(start, line => { lock (_log) _log.Append("node ").Append(node).Append(": ").AppendLine(line); });
    }

    /// <summary>Polls GET <paramref name="path"/> on a node until <paramref name="done"/> holds for its body (60 s at most).</summary>
    public async Task WaitAsync(int node, string path, Func<string, bool> done)
    {
        var clock = Stopwatch.StartNew();
        string last = "";
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                last = await Http.GetStringAsync(Url(node) + path).ConfigureAwait(false);
                if (done(last)) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
            {
                last = e.Message;
            }
            await Task.Delay(100).ConfigureAwait(false);
        }
        throw new TimeoutException($"node {node} {path}: still {last}\n{Log}");
    }

    /// <summary>The node whose rqlite-shaped status says it leads (bounded: 60 s).</summary>
    public async Task<int> LeaderAsync()
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            for (int i = 0; i < _nodes.Length; i++)
            {
                if (_nodes[i] is null) continue;
                try
                {
                    var body = await Http.GetStringAsync(Url(i) + "/status?format=rqlite").ConfigureAwait(false);
                    if (JsonDocument.Parse(body).RootElement.GetProperty("store").GetProperty("raft").GetProperty("state").GetString() == "Leader") return i;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException) { }
            }
            await Task.Delay(100).ConfigureAwait(false);
        }
        throw new TimeoutException("no leader\n" + Log);
    }

    public void Kill(int node)
    {
        if (_nodes[node] is not { } process) return;
        Signals.Send(process.Id, Signals.SigCont);
        process.Kill();
        process.WaitForExit(10_000);
        process.Dispose();
        _nodes[node] = null;
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        for (int i = 0; i < _nodes.Length; i++) Kill(i);
        Http.Dispose();
        await Task.Yield();
        try { System.IO.Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
