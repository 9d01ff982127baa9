using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace FastDb.Shell.Cluster;

/// <summary>An HTTP answer from a node, with the headers the shell reads.</summary>
public sealed record NodeAnswer(int Status, string Body, long? SequenceNumber, int? Replicas, int? Members);

/// <summary>
/// HTTP/1.1 to FastDb nodes over Unix sockets or TCP: one keep-alive client per node. No client-side timeout on
/// requests: a node that cannot reach a majority holds a write until it commits, and deciding that a node is gone is
/// the session's heartbeat's job (it cancels the request).
/// </summary>
/// <remarks>
/// On TCP with <see cref="ClientSecurity.Authority"/> (--ca-cert) it speaks HTTPS and accepts only a certificate that
/// chains to that CA and names the host it dialed; with <see cref="ClientSecurity.Credentials"/> (-u user:pass) every
/// request carries HTTP Basic credentials. Unix sockets stay plain HTTP (their file mode guards them).
/// </remarks>
public sealed class FastDbClient(ClientSecurity? security = null) : IDisposable
{
    private readonly ConcurrentDictionary<NodeEndpoint, HttpClient> _clients = new();

    private HttpClient For(NodeEndpoint endpoint) => _clients.GetOrAdd(endpoint, Create);

    private HttpClient Create(NodeEndpoint e)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectCallback = (_, token) => e.ConnectAsync(token),
        };
        var https = e.SocketPath is null && security?.Authority is not null;
        if (https)
        {
            var authority = security!.Authority!;
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                certificate is X509Certificate2 presented && ClientSecurity.IsTrusted(presented, authority, e.Host!);
        }
        var client = new HttpClient(handler)
        {
            BaseAddress = new Uri(https ? $"https://{(e.Host!.Contains(':') ? $"[{e.Host}]" : e.Host)}:{e.Port}" : "http://fastdb"),
            Timeout = Timeout.InfiniteTimeSpan,
        };
        if (security?.Credentials is { } credentials)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        return client;
    }

    public async Task<ClusterStatus> GetStatusAsync(NodeEndpoint endpoint, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        var json = await For(endpoint).GetStringAsync("/status", limit.Token).ConfigureAwait(false);
        return ClusterStatus.Parse(json);
    }

    public Task<NodeAnswer> PostSqlAsync(NodeEndpoint endpoint, string sql, string idempotencyKey, CancellationToken cancellationToken) =>
        SendAsync(endpoint, HttpMethod.Post, "/sql", sql, idempotencyKey, cancellationToken);

    public Task<NodeAnswer> DocumentAsync(NodeEndpoint endpoint, HttpMethod method, string key, string? json, string idempotencyKey,
        CancellationToken cancellationToken) =>
        SendAsync(endpoint, method, "/doc/" + Uri.EscapeDataString(key), json, idempotencyKey, cancellationToken);

    /// <summary>DELETE /nodes/{node}: the answer's status and text.</summary>
    public Task<NodeAnswer> RemoveNodeAsync(NodeEndpoint endpoint, string node, CancellationToken cancellationToken) =>
        SendAsync(endpoint, HttpMethod.Delete, "/nodes/" + Uri.EscapeDataString(node), null, Guid.NewGuid().ToString(), cancellationToken);

    private async Task<NodeAnswer> SendAsync(NodeEndpoint endpoint, HttpMethod method, string path, string? body, string idempotencyKey,
        CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        using var response = await For(endpoint).SendAsync(request, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return new NodeAnswer((int)response.StatusCode, text,
            Header(response, "SequenceNumber"), (int?)Header(response, "FastDb-Replicas"), (int?)Header(response, "FastDb-Members"));
    }

    private static long? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) && long.TryParse(values.FirstOrDefault(), out var value) ? value : null;

    public void Dispose()
    {
        foreach (var client in _clients.Values) client.Dispose();
        _clients.Clear();
    }
}
