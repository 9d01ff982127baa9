using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Pipelines.Sockets.Unofficial;

namespace FastDb.Forwarder;

/// <summary>
/// The receiving side without Kestrel: listens on a Unix socket or TCP endpoint and reads peer connections into an
/// IFrameHandler. Connections that do not start with the peer preamble are closed with a logged reason.
/// </summary>
public sealed class PeerListener : IAsyncDisposable
{
    // Inline: frames are parsed and handed to the handler on the thread that completed the socket read (already a
    // thread-pool thread on Linux), saving a hop and an allocated work item per read. Handlers must stay short.
    private static readonly System.IO.Pipelines.PipeOptions InboundPipeOptions = new(
        readerScheduler: System.IO.Pipelines.PipeScheduler.Inline,
        writerScheduler: System.IO.Pipelines.PipeScheduler.Inline,
        useSynchronizationContext: false);

    private readonly EndPoint _endPoint;
    private readonly IFrameHandler _handler;
    private readonly ILogger _log;
    private readonly PeerProtocolOptions _options;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _sync = new();
    private readonly HashSet<SocketConnection> _connections = [];
    private readonly List<Task> _connectionTasks = [];
    private Socket? _socket;
    private Task? _acceptLoop;

    /// <param name="address">"./node0.sock", "/path/x.sock" or "host:port" (see PeerAddress.Parse).</param>
    public PeerListener(string address, IFrameHandler handler, ILogger log, PeerProtocolOptions? options = null)
        : this(PeerAddress.Parse(address), handler, log, options)
    {
    }

    public PeerListener(EndPoint endPoint, IFrameHandler handler, ILogger log, PeerProtocolOptions? options = null)
    {
        _endPoint = endPoint ?? throw new ArgumentNullException(nameof(endPoint));
        _handler = handler ?? throw new ArgumentNullException(nameof(handler));
        _log = log ?? throw new ArgumentNullException(nameof(log));
        _options = options ?? new PeerProtocolOptions();
    }

    /// <summary>The bound endpoint (with the real port when listening on TCP port 0).</summary>
    public EndPoint LocalEndPoint => _socket?.LocalEndPoint ?? throw new InvalidOperationException("listener not started");

    /// <summary>Inbound connections currently open.</summary>
    public int ConnectionCount
    {
        get { lock (_sync) return _connections.Count; }
    }

    /// <summary>Binds and starts accepting. Throws if the address is in use (a Unix socket file that already exists).</summary>
    public void Start()
    {
        if (_socket is not null)
            throw new InvalidOperationException("listener already started");
        var socket = PeerAddress.CreateSocket(_endPoint);
        try
        {
            socket.Bind(_endPoint);
            socket.Listen(64);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        _socket = socket;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    private async Task AcceptLoopAsync()
    {
        var listening = _socket!;
        while (!_stop.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await listening.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e)
            {
                // e.g. out of file descriptors: pause instead of spinning
                _log.LogWarning("Accept on {EndPoint} failed: {Reason}", _endPoint, e.Message);
                await Task.Delay(50).ConfigureAwait(false);
                continue;
            }
            if (accepted.ProtocolType == ProtocolType.Tcp)
                accepted.NoDelay = true;
            var connection = SocketConnection.Create(accepted, InboundPipeOptions, InboundPipeOptions, name: "inbound");
            lock (_sync)
            {
                _connections.Add(connection);
                _connectionTasks.RemoveAll(t => t.IsCompleted);
                _connectionTasks.Add(Task.Run(() => ServeAsync(connection)));
            }
        }
    }

    private async Task ServeAsync(SocketConnection connection)
    {
        string remote = connection.Socket.RemoteEndPoint?.ToString() is { Length: > 0 } r ? r : "unix peer";
        try
        {
            var sniff = await InboundPeerConnection.SniffAsync(connection.Input, _stop.Token).ConfigureAwait(false);
            if (sniff == SniffResult.Peer)
                await InboundPeerConnection.ServeAsync(connection, connection.Socket.RemoteEndPoint, _handler, _options, _log, remote,
                    _stop.Token).ConfigureAwait(false);
            else
                _log.LogWarning("Closing connection from {Remote}: not a FastDb peer connection", remote);
        }
        catch (Exception e)
        {
            _log.LogDebug("Connection from {Remote} ended: {Reason}", remote, e.Message);
        }
        finally
        {
            lock (_sync)
                _connections.Remove(connection);
            connection.Dispose();
        }
    }

    /// <summary>Stops accepting, closes every inbound connection, and removes the Unix socket file it created.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
            return;
        _stop.Cancel();
        _socket?.Dispose(); // also deletes the Unix socket file it bound
        Task[] pending;
        SocketConnection[] open;
        lock (_sync)
        {
            open = [.. _connections];
            pending = [.. _connectionTasks];
        }
        // Outside the lock: with inline schedulers the read loop may finish right here and remove itself.
        foreach (var c in open)
            c.Input.CancelPendingRead();
        if (_acceptLoop is not null)
            await _acceptLoop.ConfigureAwait(false);
        await Task.WhenAll(pending).ConfigureAwait(false);
        _stop.Dispose();
    }
}
