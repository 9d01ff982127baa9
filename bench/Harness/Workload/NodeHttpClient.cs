using FastDb.TestSupport;

namespace FastDb.Harness.Workload;

/// <summary>
/// HTTP/1.1 over each node's own Unix socket, straight to ROOT/node{i}/node{i}.sock (no proxy), keep-alive, no
/// timeout: octopus uses Go's default client with a Unix dialer. The URL host names the node.
/// </summary>
public sealed class NodeHttpClient : IDisposable
{
    private readonly HttpClient _client;
    private readonly IReadOnlyList<string> _socketPaths;

    public NodeHttpClient(IReadOnlyList<string> socketPaths)
    {
        _socketPaths = socketPaths;
        var handler = UnixHttp.CreateHandler(SocketPathOf);
        handler.AllowAutoRedirect = false;
        handler.UseCookies = false;
        handler.PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90); // Go's default IdleConnTimeout
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    private string SocketPathOf(SocketsHttpConnectionContext context)
    {
        string host = context.DnsEndPoint.Host;
        if (!host.StartsWith("node", StringComparison.Ordinal) || !int.TryParse(host.AsSpan(4), out int node) || node < 0 || node >= _socketPaths.Count)
            throw new InvalidOperationException($"unknown node host '{host}'");
        return _socketPaths[node];
    }

    /// <summary>POST /sql; returns the status code and body, or throws on a connection error.</summary>
    public Task<(int Status, byte[] Body)> PostSqlAsync(int node, string query, CancellationToken token) =>
        UnixHttp.PostSqlBytesAsync(_client, $"http://node{node}/sql", query, idempotencyKey: null, token);

    public void Dispose() => _client.Dispose();
}
