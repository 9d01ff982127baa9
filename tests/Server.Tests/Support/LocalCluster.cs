using System.Diagnostics;
using System.Text.Json;

namespace FastDb.Server.Tests.Support;

/// <summary>
/// A hand-run cluster of real sqlcluster processes, as the README shows it: every node works in one root directory,
/// listens on ./n{i}/node.sock with its data in ./n{i}/data; node 0 founds the cluster and the others join it.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    public string Root { get; } = Directory.CreateTempSubdirectory("fastdb-cluster-").FullName;
    public IReadOnlyList<ServerProcess> Nodes { get; }

    private LocalCluster(int count, string[] extraArgs)
    {
        Nodes = Enumerable.Range(0, count).Select(i =>
        {
            Directory.CreateDirectory(Path.Combine(Root, $"n{i}"));
            var args = i == 0 ? extraArgs : extraArgs.Append("--join=./n0/node.sock").ToArray();
            return new ServerProcess(Root, args) { SocketName = $"n{i}/node.sock", OwnsWorkDirectory = false };
        }).ToArray();
    }

    /// <summary>Starts <paramref name="count"/> nodes and waits until node 0 leads all of them.</summary>
    public static async Task<LocalCluster> StartAsync(int count = 3, params string[] extraArgs)
    {
        var cluster = new LocalCluster(count, extraArgs);
        try
        {
            foreach (var node in cluster.Nodes) await node.StartAsync();
            await cluster.WaitUntilAsync(0, s => s.GetProperty("role").GetString() == "leader"
                && s.GetProperty("members").GetArrayLength() == count
                && s.GetProperty("nodes").EnumerateArray().All(n => n.GetProperty("reachable").ValueKind == JsonValueKind.True),
                $"node 0 leading {count} members it hears from");
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public HttpClient Client(int node, TimeSpan? timeout = null) =>
        UnixHttp.CreateClient(Nodes[node].SocketPath, timeout ?? TimeSpan.FromSeconds(60));

    /// <summary>A node's /status, or null while it does not answer.</summary>
    public async Task<JsonElement?> StatusAsync(int node)
    {
        try
        {
            using var client = UnixHttp.CreateClient(Nodes[node].SocketPath, TimeSpan.FromSeconds(5));
            using var document = JsonDocument.Parse(await client.GetStringAsync("/status"));
            return document.RootElement.Clone();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or IOException)
        {
            return null;
        }
    }

    /// <summary>Polls a node's /status until the condition holds (bounded).</summary>
    public async Task WaitUntilAsync(int node, Func<JsonElement, bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < ReadyTimeout)
        {
            if (await StatusAsync(node) is { } status && condition(status)) return;
            await Task.Delay(50);
        }
        throw new TimeoutException($"node {node} of the cluster under {Root}: {what} not reached in {ReadyTimeout}; last status {await StatusAsync(node)}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            if (!node.HasExited) node.Signal("CONT");
            await node.DisposeAsync();
        }
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
