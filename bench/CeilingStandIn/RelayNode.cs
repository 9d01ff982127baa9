using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace FastDb.CeilingStandIn;

/// <summary>
/// One stand-in node: a minimal HTTP/1.1 server on a Unix socket (Content-Length bodies and keep-alive, which is all
/// octopus's Go client and the harness's client send) that relays each POST body to the state server and writes back
/// what it answers. Each HTTP connection gets its own persistent connection to the state server, so a frozen node
/// holds up only its own clients. Framing to the state server: u32 big-endian length + bytes, both ways.
/// </summary>
public sealed class RelayNode(string socketPath, string statePath) : IDisposable
{
    private const int MaxHeaderBytes = 64 << 10;
    private const int MaxBodyBytes = 1 << 20;
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);

    public async Task RunAsync()
    {
        if (File.Exists(socketPath)) File.Delete(socketPath);
        _listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        _listener.Listen(512);
        while (true)
        {
            var client = await _listener.AcceptAsync().ConfigureAwait(false);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using var http = new NetworkStream(client, ownsSocket: true);
        Socket? state = null;
        var buffer = new byte[8192];
        var filled = 0;
        try
        {
            while (true)
            {
                // Headers.
                int headerEnd;
                while ((headerEnd = IndexOfHeaderEnd(buffer.AsSpan(0, filled))) < 0)
                {
                    if (filled == buffer.Length)
                    {
                        if (buffer.Length >= MaxHeaderBytes) return;
                        Array.Resize(ref buffer, buffer.Length * 2);
                    }
                    var n = await http.ReadAsync(buffer.AsMemory(filled)).ConfigureAwait(false);
                    if (n == 0) return;
                    filled += n;
                }
                var headers = Encoding.ASCII.GetString(buffer, 0, headerEnd);
                var bodyStart = headerEnd + 4;
                var length = ContentLength(headers);
                if (length is < 0 or > MaxBodyBytes) return;
                if (buffer.Length < bodyStart + length) Array.Resize(ref buffer, bodyStart + length);
                while (filled < bodyStart + length)
                {
                    var n = await http.ReadAsync(buffer.AsMemory(filled)).ConfigureAwait(false);
                    if (n == 0) return;
                    filled += n;
                }

                byte[] response;
                if (headers.StartsWith("POST /sql ", StringComparison.Ordinal))
                {
                    state ??= await ConnectStateAsync().ConfigureAwait(false);
                    var answer = await RelayAsync(state, buffer.AsMemory(bodyStart, length)).ConfigureAwait(false);
                    response = Response("200 OK", answer);
                }
                else if (headers.StartsWith("GET /healthcheck ", StringComparison.Ordinal))
                {
                    response = Response("200 OK", "OK\n"u8.ToArray());
                }
                else
                {
                    response = Response("404 Not Found", "the ceiling stand-in serves POST /sql only\n"u8.ToArray());
                }
                await http.WriteAsync(response).ConfigureAwait(false);

                // Keep what followed this request (a pipelined next one).
                var consumed = bodyStart + length;
                Buffer.BlockCopy(buffer, consumed, buffer, 0, filled - consumed);
                filled -= consumed;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // the client or the state server went away: this connection is done
        }
        finally
        {
            state?.Dispose();
        }
    }

    private async Task<Socket> ConnectStateAsync()
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(statePath)).ConfigureAwait(false);
        return socket;
    }

    private static async Task<byte[]> RelayAsync(Socket state, ReadOnlyMemory<byte> body)
    {
        var frame = new byte[4 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)body.Length);
        body.CopyTo(frame.AsMemory(4));
        await state.SendAsync(frame, SocketFlags.None).ConfigureAwait(false);
        var header = new byte[4];
        await ReceiveExactlyAsync(state, header).ConfigureAwait(false);
        var answer = new byte[BinaryPrimitives.ReadUInt32BigEndian(header)];
        await ReceiveExactlyAsync(state, answer).ConfigureAwait(false);
        return answer;
    }

    private static async Task ReceiveExactlyAsync(Socket socket, Memory<byte> into)
    {
        while (into.Length > 0)
        {
            var n = await socket.ReceiveAsync(into, SocketFlags.None).ConfigureAwait(false);
            if (n == 0) throw new IOException("the state server closed the connection");
            into = into[n..];
        }
    }

    private static byte[] Response(string status, byte[] body)
    {
        var head = Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Length: {body.Length}\r\nContent-Type: text/plain\r\n\r\n");
        var response = new byte[head.Length + body.Length];
        head.CopyTo(response, 0);
        body.CopyTo(response, head.Length);
        return response;
    }

    private static int IndexOfHeaderEnd(ReadOnlySpan<byte> data) => data.IndexOf("\r\n\r\n"u8);

    /// <summary>The Content-Length header's value; 0 when there is none; -1 when it is unusable (or chunked).</summary>
    private static int ContentLength(string headers)
    {
        foreach (var line in headers.Split("\r\n"))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0) continue;
            var name = line.AsSpan(0, colon).Trim();
            if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)) return -1;
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                return int.TryParse(line.AsSpan(colon + 1).Trim(), out var n) ? n : -1;
        }
        return 0;
    }

    public void Dispose() => _listener.Dispose();
}
