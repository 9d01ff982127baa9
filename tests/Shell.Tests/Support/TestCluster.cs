using System.Diagnostics;
using System.Text.Json;

namespace FastDb.Shell.Tests.Support;

/// <summary>
/// Three real sqlcluster processes, hand-run style: every node works in ROOT, listens on ./n{i}/node.sock, node 0
/// founds the cluster and the others join it. Killed (SIGCONT first, then SIGKILL) on dispose.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly Process?[] _nodes;

    public string Root { get; } = Directory.CreateTempSubdirectory("fastdb-shell-").FullName;
    public int Count => _nodes.Length;

    private TestCluster(int count) => _nodes = new Process?[count];

    public string SocketPath(int node) => Path.Combine(Root, $"n{node}", "node.sock");

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
        string[] join = i > 0 ? ["--join=./n0/node.sock"] : [];
        _nodes[i] = NodeLauncher.Start(NodeLauncher.CreateStartInfo(NativeBinary.Path("sqlcluster"), Root,
            ["-l", $"./n{i}/node.sock", "-d", $"./n{i}/data", .. join]));
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

    public void Freeze(int node) => Signals.Send(Pid(node), Signals.SigStop);

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
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
        return ValueTask.CompletedTask;
    }
}
