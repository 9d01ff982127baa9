using System.Net.Sockets;

namespace FastDb.Shell.Tests.Support;

/// <summary>
/// A Unix socket that forwards every connection to another socket, both ways, with no delay: the stand-in for one of
/// octopus's proxies (ROOT/node{i}/node{j}.sock leading to node j), so nodes find the octopus layout they expect.
/// A connection whose target is down is closed at once, as a proxy whose link is down refuses it.
/// </summary>
public sealed class SocketRelay : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly string _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _open = [];

    public SocketRelay(string path, string target)
    {
        _target = target;
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen(64);
        _ = Task.Run(AcceptLoopAsync);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false); }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
            _ = Task.Run(() => RelayAsync(client));
        }
    }

    private async Task RelayAsync(Socket client)
    {
        using var server = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using (client)
        {
            lock (_open) { _open.Add(client); _open.Add(server); }
            try
            {
                await server.ConnectAsync(new UnixDomainSocketEndPoint(_target), _stop.Token).ConfigureAwait(false);
                using var a = new NetworkStream(client, ownsSocket: false);
                using var b = new NetworkStream(server, ownsSocket: false);
                // Either direction ending (or failing) ends both, as a proxy closes the pair.
                await Task.WhenAny(a.CopyToAsync(b, _stop.Token), b.CopyToAsync(a, _stop.Token)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
            {
            }
            finally
            {
                lock (_open) { _open.Remove(client); _open.Remove(server); }
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        lock (_open) foreach (var s in _open) s.Dispose();
        _stop.Dispose();
    }
}
