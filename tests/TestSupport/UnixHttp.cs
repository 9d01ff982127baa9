using System.Net.Sockets;
using System.Text;

namespace FastDb.TestSupport;

/// <summary>
/// HTTP/1.1 to a node over its Unix socket, keep-alive, as octopus's Go client does (a Unix dialer under the default
/// client). The one copy for the tests, the harness and the benchmarks.
/// </summary>
public static class UnixHttp
{
    /// <summary>Opens a stream to the Unix socket at <paramref name="socketPath"/>.</summary>
    public static async ValueTask<Stream> ConnectAsync(string socketPath, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A handler whose connections go to the socket <paramref name="socketPathFor"/> names for each request (by its
    /// URL's host, say, when one client talks to several nodes). No proxy; the caller sets pool sizes and timeouts.
    /// </summary>
    public static SocketsHttpHandler CreateHandler(Func<SocketsHttpConnectionContext, string> socketPathFor) => new()
    {
        UseProxy = false,
        ConnectCallback = (context, token) => ConnectAsync(socketPathFor(context), token),
    };

    /// <summary>A client for one node: relative URLs (/sql, /status) go to <paramref name="socketPath"/>.</summary>
    public static HttpClient CreateClient(string socketPath, TimeSpan timeout, int maxConnections = 20)
    {
        var handler = CreateHandler(_ => socketPath);
        handler.MaxConnectionsPerServer = maxConnections;
        handler.PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5);
        return new HttpClient(handler) { BaseAddress = new Uri("http://fastdb"), Timeout = timeout };
    }

    /// <summary>The request octopus sends: POST of the script's UTF-8 bytes as application/octet-stream, HTTP/1.1.</summary>
    public static HttpRequestMessage SqlRequest(string requestUri, string script, string? idempotencyKey = null)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(script));
        content.Headers.ContentType = new("application/octet-stream");
        var request = new HttpRequestMessage(HttpMethod.Post, requestUri) { Content = content, Version = new Version(1, 1) };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return request;
    }

    /// <summary>POSTs a script to /sql; the status and the body as text. Throws on a connection error.</summary>
    public static async Task<(int Status, string Body)> PostSqlAsync(HttpClient client, string script, CancellationToken cancellationToken = default)
    {
        using var request = SqlRequest("/sql", script);
        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>POSTs a script to <paramref name="requestUri"/>; the status and the body's bytes. Throws on a connection error.</summary>
    public static async Task<(int Status, byte[] Body)> PostSqlBytesAsync(HttpClient client, string requestUri, string script,
        string? idempotencyKey, CancellationToken cancellationToken)
    {
        using var request = SqlRequest(requestUri, script, idempotencyKey);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        return ((int)response.StatusCode, await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
    }
}
