using System.Net.Http.Headers;
using System.Net.Sockets;

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
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90), // Go's default IdleConnTimeout
            ConnectCallback = ConnectAsync,
        };
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken token)
    {
        string host = context.DnsEndPoint.Host;
        if (!host.StartsWith("node", StringComparison.Ordinal) || !int.TryParse(host.AsSpan(4), out int node) || node < 0 || node >= _socketPaths.Count)
            throw new InvalidOperationException($"unknown node host '{host}'");
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(_socketPaths[node]), token).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>POST /sql; returns the status code and body, or throws on a connection error.</summary>
    public async Task<(int Status, byte[] Body)> PostSqlAsync(int node, string query, CancellationToken token)
    {
        using var content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(query));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://node{node}/sql") { Content = content, Version = new Version(1, 1) };
        using HttpResponseMessage response = await _client.SendAsync(request, HttpCompletionOption.ResponseContentRead, token).ConfigureAwait(false);
        byte[] body = await response.Content.ReadAsByteArrayAsync(token).ConfigureAwait(false);
        return ((int)response.StatusCode, body);
    }

    public void Dispose() => _client.Dispose();
}
