using FastDb.TestSupport;
using System.Diagnostics;
using System.Text.Json;

namespace FastDb.Shell.Tests.Support;

/// <summary>
/// Real sqlcluster processes. Hand-run style (<see cref="StartAsync"/>): every node works in ROOT, listens on
/// ./n{i}/node.sock, node 0 founds the cluster and the others join it. Octopus style (<see cref="StartOctopusAsync"/>):
/// node i works in ROOT/node{i}, listens on ./node{i}.sock, and finds the others through relay sockets
/// ROOT/node{i}/node{j}.sock made before any node starts, as octopus's proxies are. Killed (SIGCONT first, then
/// SIGKILL) on dispose.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly Process?[] _nodes;

    public string Root { get; } = Directory.CreateTempSubdirectory("fastdb-shell-").FullName;
    public int Count => _nodes.Length;

    private readonly bool _octopus;
    private readonly List<SocketRelay> _relays = [];

    private TestCluster(int count, bool octopus = false)
    {
        _nodes = new Process?[count];
        _octopus = octopus;
    }

    /// <summary>The node's own socket (in octopus's layout, ROOT/node{i}/node{i}.sock, which no proxy is in front of).</summary>
    public string SocketPath(int node) => _octopus ? Path.Combine(Root, $"node{node}", $"node{node}.sock") : Path.Combine(Root, $"n{node}", "node.sock");

    /// <summary>Octopus's layout with <paramref name="count"/> nodes, every node started at once, as octopus does.</summary>
    public static async Task<TestCluster> StartOctopusAsync(int count = 5)
    {
        var cluster = new TestCluster(count, octopus: true);
        try
        {
            for (var i = 0; i < count; i++) Directory.CreateDirectory(Path.Combine(cluster.Root, $"node{i}"));
            for (var i = 0; i < count; i++)
                for (var j = 0; j < count; j++)
                    if (i != j) cluster._relays.Add(new SocketRelay(Path.Combine(cluster.Root, $"node{i}", $"node{j}.sock"), cluster.SocketPath(j)));
            for (var i = 0; i < count; i++) cluster.Start(i);
            for (var i = 0; i < count; i++)
                await cluster.WaitAsync(i, s => s.GetProperty("members").GetArrayLength() == count
                    && s.TryGetProperty("leaderName", out var l) && l.ValueKind == JsonValueKind.String, $"node {i} knowing {count} members and a leader").ConfigureAwait(false);
            var leader = await cluster.LeaderAsync().ConfigureAwait(false);
            await cluster.WaitAsync(leader, s => s.GetProperty("nodes").EnumerateArray().Count(n => n.GetProperty("reachable").ValueKind == JsonValueKind.True) == count,
                $"the leader hearing all {count} nodes").ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Each running node's role, term and leader, for a failure message.</summary>
    public async Task<string> DescribeAsync()
    {
        var lines = new List<string>();
        for (var i = 0; i < Count; i++)
        {
            if (_nodes[i] is null) { lines.Add($"node {i}: not running"); continue; }
            using var status = await StatusAsync(i).ConfigureAwait(false);
            lines.Add(status is null ? $"node {i}: no answer"
                : $"node {i}: {status.RootElement.GetProperty("role")} term {status.RootElement.GetProperty("term")} leader {status.RootElement.GetProperty("leaderName")}");
        }
        return string.Join('\n', lines);
    }

    /// <summary>The node that says it leads in a term a majority of all nodes is in with a leader named (bounded:
    /// 60 s). A node deposed a moment ago still says "leader" until it hears the new term; one leader per term makes
    /// the majority's term name this one.</summary>
    public async Task<int> LeaderAsync()
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            var terms = new long?[Count];
            var leader = -1;
            for (var i = 0; i < Count; i++)
            {
                if (_nodes[i] is null) continue;
                using var status = await StatusAsync(i).ConfigureAwait(false);
                if (status is null) continue;
                var root = status.RootElement;
                if (root.TryGetProperty("leaderName", out var name) && name.ValueKind == JsonValueKind.String) terms[i] = root.GetProperty("term").GetInt64();
                if (root.GetProperty("role").GetString() == "leader") leader = i;
            }
            if (leader >= 0 && terms[leader] is { } term && terms.Count(t => t == term) > Count / 2) return leader;
            await Task.Delay(50).ConfigureAwait(false);
        }
        throw new TimeoutException($"no leader a majority agrees on under {Root}");
    }

    public int Pid(int node) => _nodes[node]?.Id ?? throw new InvalidOperationException($"node {node} is not running");

    public static async Task<TestCluster> StartAsync(int count = 3)
    {
        var cluster = new TestCluster(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                Directory.CreateDirectory(Path.Combine(cluster.Root, $"n{i}"));
                cluster.Start(i);
                if (i == 0) await cluster.WaitAsync(0, s => s.GetProperty("role").GetString() == "leader", "node 0 leading").ConfigureAwait(false);
            }
            await cluster.WaitAsync(0, s => s.GetProperty("members").GetArrayLength() == count
                && s.GetProperty("nodes").EnumerateArray().Count(n => n.GetProperty("reachable").ValueKind == JsonValueKind.True) == count,
                $"{count} members, all heard by the leader").ConfigureAwait(false);
            // A shell learns the members from the node it connects to: every node must know them all first (a node
            // that joined last may not have applied the others' configuration changes yet).
            for (var i = 1; i < count; i++)
                await cluster.WaitAsync(i, s => s.GetProperty("members").GetArrayLength() == count,
                    $"node {i} knowing all {count} members").ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private void Start(int i)
    {
        string[] args = _octopus
            ? ["-l", $"./node{i}.sock", "-d", Path.Combine(Root, $"node{i}")]
            : ["-l", $"./n{i}/node.sock", "-d", $"./n{i}/data"];
        string[] join = i == 0 ? [] : [_octopus ? "--join=./node0.sock" : "--join=./n0/node.sock"];
        _nodes[i] = NodeLauncher.Start(NodeLauncher.CreateStartInfo(FastDb.TestSupport.NativeBinary.Path("sqlcluster"),
            _octopus ? Path.Combine(Root, $"node{i}") : Root, [.. args, .. join]));
    }

    /// <summary>Polls a node's /status until the condition holds (bounded: 60 s).</summary>
    private async Task WaitAsync(int node, Func<JsonElement, bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (await StatusAsync(node).ConfigureAwait(false) is { } status && condition(status.RootElement)) return;
            await Task.Delay(50).ConfigureAwait(false);
        }
        throw new TimeoutException($"cluster under {Root} not ready: {what}");
    }

    public async Task<JsonDocument?> StatusAsync(int node)
    {
        using var client = Client(node);
        try
        {
            return JsonDocument.Parse(await client.GetStringAsync("/status").ConfigureAwait(false));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            return null;
        }
    }

    public HttpClient Client(int node) => UnixHttp.CreateClient(SocketPath(node), TimeSpan.FromSeconds(5));

    public void Freeze(int node) => Signals.Stop(Pid(node));

    public void Thaw(int node) => Signals.Send(Pid(node), Signals.SigCont);

    public void Kill(int node)
    {
        if (_nodes[node] is not { } process) return;
        Signals.Send(process.Id, Signals.SigCont);
        process.Kill(entireProcessTree: true);
        process.WaitForExit(10_000);
        process.Dispose();
        _nodes[node] = null;
    }

    public ValueTask DisposeAsync()
    {
        for (var i = 0; i < _nodes.Length; i++) Kill(i);
        foreach (var relay in _relays) relay.Dispose();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
        return ValueTask.CompletedTask;
    }
}
