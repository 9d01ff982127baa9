using System.Net.Sockets;

namespace FastDb.Harness.Network;

/// <summary>
/// One accepted connection through a link proxy (octopus network/connection.go establish): the forward stream
/// (caller to node) first carries an empty chunk, and only when it is delivered, one link delay later, does the proxy
/// dial the destination node. Killing the link drops every queued chunk and closes the caller's socket one link
/// delay later; the destination socket is closed at once (the node sees the peer vanish).
/// </summary>
public sealed class ProxyConnection
{
    private readonly Link _link;
    private readonly Socket _source;
    private readonly string _destinationPath;
    private readonly CancellationTokenSource _life;
    private readonly DelayedStream _forward, _backward;
    private Socket? _destination;
    private int _closed;
    private int _directionsDone;

    public ProxyConnection(Link link, Socket source, string destinationPath, TrafficStats stats, CancellationToken runToken)
    {
        _link = link;
        _source = source;
        _destinationPath = destinationPath;
        _life = CancellationTokenSource.CreateLinkedTokenSource(runToken);
        _forward = new DelayedStream(link, stats, _life.Token);
        _backward = new DelayedStream(link, stats, _life.Token);
        stats.RecordConn();
        Completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // The kill token current at creation (octopus conn.kill = link.kill).
        link.KillToken.Register(OnKilled);
        runToken.Register(() => Close());
    }

    /// <summary>Completes when both sockets are closed.</summary>
    public TaskCompletionSource Completion { get; }

    public void Start()
    {
        _ = Task.Run(async () =>
        {
            try { await _forward.EnqueueEmptyAsync().ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
            _ = Task.Run(ForwardFromSource);
            await EstablishAsync().ConfigureAwait(false);
        });
    }

    private async Task ForwardFromSource()
    {
        if (!await _forward.ReadFromAsync(_source).ConfigureAwait(false)) Close();
    }

    private async Task EstablishAsync()
    {
        try { await _forward.WaitForSetUpAsync().ConfigureAwait(false); }
        catch (OperationCanceledException) { return; }

        var destination = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await destination.ConnectAsync(new UnixDomainSocketEndPoint(_destinationPath), _life.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            destination.Dispose();
            Close(); // octopus: "establish ...: connection refused", then closes the source
            return;
        }
        _destination = destination;
        if (Volatile.Read(ref _closed) != 0) { destination.Dispose(); return; }

        _ = Task.Run(async () => DirectionDone(await _forward.WriteToAsync(destination).ConfigureAwait(false)));
        _ = Task.Run(async () => { if (!await _backward.ReadFromAsync(destination).ConfigureAwait(false)) Close(); });
        _ = Task.Run(async () => DirectionDone(await _backward.WriteToAsync(_source).ConfigureAwait(false)));
    }

    private void DirectionDone(bool cleanEnd)
    {
        if (!cleanEnd) { Close(); return; }
        if (Interlocked.Increment(ref _directionsDone) == 2) Close();
    }

    private void OnKilled()
    {
        if (Volatile.Read(ref _closed) != 0) return;
        TimeSpan delay = _link.Delay();
        _life.Cancel(); // everything in flight is lost
        try { _destination?.Dispose(); } catch (ObjectDisposedException) { }
        _ = Task.Delay(delay).ContinueWith(_ => Close(), TaskScheduler.Default);
    }

    /// <summary>Closes both ends now; idempotent.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        try { _life.Cancel(); } catch (ObjectDisposedException) { }
        try { _source.Dispose(); } catch (ObjectDisposedException) { }
        try { _destination?.Dispose(); } catch (ObjectDisposedException) { }
        Completion.TrySetResult();
    }
}
