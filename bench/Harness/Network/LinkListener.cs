using System.Collections.Concurrent;
using System.Net.Sockets;

namespace FastDb.Harness.Network;

/// <summary>
/// The proxy socket ROOT/node{src}/node{dst}.sock (octopus network/link.go listen + connect). Like octopus it
/// handles one incoming connection at a time: it waits one link delay, then either establishes the connection or,
/// if the link was down when the connection arrived, closes it. A burst of connections therefore queues up.
/// </summary>
public sealed class LinkListener : IAsyncDisposable
{
    private readonly Link _link;
    private readonly string _listenPath;
    private readonly string _targetPath;
    private readonly TrafficStats _stats;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<ProxyConnection, byte> _live = new();
    private Socket? _listener;
    private Task? _acceptLoop;

    public LinkListener(Link link, int source, int destination, string listenPath, string targetPath, TrafficStats stats)
    {
        _link = link;
        Source = source;
        Destination = destination;
        _listenPath = listenPath;
        _targetPath = targetPath;
        _stats = stats;
    }

    public int Source { get; }
    public int Destination { get; }
    private long _refused;

    /// <summary>Connections closed because the link was down when they arrived.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    public void Start()
    {
        if (File.Exists(_listenPath)) File.Delete(_listenPath);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(_listenPath));
        listener.Listen(512);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(_listenPath, (UnixFileMode)0b111_111_111); // octopus chmods 0777
        _listener = listener;
        _acceptLoop = Task.Run(AcceptLoop);
    }

    private async Task AcceptLoop()
    {
        CancellationToken token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener!.AcceptAsync(token).ConfigureAwait(false); }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { return; }

            TimeSpan delay = _link.Delay();
            bool accept = !_link.IsKilled;
            try { await Task.Delay(delay, token).ConfigureAwait(false); }
            catch (OperationCanceledException) { client.Dispose(); return; }

            if (!accept)
            {
                Interlocked.Increment(ref _refused);
                client.Dispose();
                continue;
            }
            var connection = new ProxyConnection(_link, client, _targetPath, _stats, token);
            _live[connection] = 0;
            _ = connection.Completion.Task.ContinueWith(_ => _live.TryRemove(connection, out byte _), TaskScheduler.Default);
            connection.Start();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener?.Dispose();
        foreach (ProxyConnection c in _live.Keys) c.Close();
        if (_acceptLoop is not null)
        {
            try { await _acceptLoop.ConfigureAwait(false); } catch (OperationCanceledException) { }
        }
        try { File.Delete(_listenPath); } catch (IOException) { }
        _stop.Dispose();
    }
}
