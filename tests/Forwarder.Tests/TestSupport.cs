using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace FastDb.Forwarder.Tests;

/// <summary>One received frame, copied out of the receive buffer.</summary>
public sealed record ReceivedFrame(string Peer, byte Type, byte[] Payload);

/// <summary>Records every frame it is handed; can be told to reject a frame type.</summary>
public sealed class RecordingHandler : IFrameHandler
{
    public ConcurrentQueue<ReceivedFrame> Frames { get; } = new();
    public ConcurrentQueue<string> Connected { get; } = new();
    public ConcurrentQueue<string> Disconnected { get; } = new();
    public byte? RejectedType { get; init; }

    public void OnFrame(string peerName, byte frameType, ReadOnlySpan<byte> payload)
    {
        if (frameType == RejectedType)
            throw new InvalidDataException($"unknown frame type {frameType}");
        Frames.Enqueue(new ReceivedFrame(peerName, frameType, payload.ToArray()));
    }

    public void OnPeerConnected(string peerName) => Connected.Enqueue(peerName);

    public void OnPeerDisconnected(string peerName) => Disconnected.Enqueue(peerName);
}

/// <summary>Collects log lines so tests can check that a connection was closed for the right reason.</summary>
public sealed class ListLogger : ILogger
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
        Func<TState, Exception?, string> formatter) => Lines.Enqueue($"{logLevel}: {formatter(state, exception)}");

    public bool Contains(string text) => Lines.Any(l => l.Contains(text, StringComparison.Ordinal));
}

public static class Wait
{
    /// <summary>Polls until the condition holds; bounded by the timeout so a broken build fails instead of hanging.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what, int timeoutMs = 10_000)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.ElapsedMilliseconds > timeoutMs)
                throw new TimeoutException($"timed out after {timeoutMs} ms waiting for: {what}");
            await Task.Delay(5);
        }
    }
}

/// <summary>A fresh directory for Unix socket files, removed at the end.</summary>
public sealed class SocketDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("fwd-").FullName;

    public string Socket(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

/// <summary>
/// A Unix-socket proxy like octopus's: forwards each accepted connection to the target, and can kill every
/// connection (optionally after forwarding only some bytes, i.e. mid-frame) or refuse new ones (a dead link).
/// </summary>
public sealed class TestProxy : IAsyncDisposable
{
    private readonly string _target;
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Socket, byte> _open = new();
    private readonly Task _acceptLoop;

    public TestProxy(string listenPath, string targetPath)
    {
        _target = targetPath;
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(listenPath));
        _listener.Listen(16);
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>New connections are accepted and closed at once, as a proxy with its link down does.</summary>
    public volatile bool Refuse;

    /// <summary>When set, a connection is killed once this many bytes went client to target (cut mid-frame).</summary>
    public long? KillAfterBytes;

    public int Accepted;

    public void KillAll()
    {
        foreach (var s in _open.Keys)
            Close(s);
    }

    private static void Close(Socket s)
    {
        try { s.Shutdown(SocketShutdown.Both); } catch (SocketException) { } catch (ObjectDisposedException) { }
        s.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener.AcceptAsync(_stop.Token); }
            catch (Exception) { return; }
            Interlocked.Increment(ref Accepted);
            if (Refuse)
            {
                Close(client);
                continue;
            }
            var server = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try { await server.ConnectAsync(new UnixDomainSocketEndPoint(_target)); }
            catch (SocketException)
            {
                Close(client);
                server.Dispose();
                continue;
            }
            _open[client] = 0;
            _open[server] = 0;
            _ = PumpAsync(client, server, KillAfterBytes);
            _ = PumpAsync(server, client, null);
        }
    }

    private async Task PumpAsync(Socket from, Socket to, long? limit)
    {
        var buffer = new byte[1024]; // octopus reads in 1024-byte chunks
        long forwarded = 0;
        try
        {
            while (true)
            {
                int n = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (n == 0)
                    break;
                if (limit is long max && forwarded + n >= max)
                {
                    int part = (int)(max - forwarded);
                    if (part > 0)
                        await to.SendAsync(buffer.AsMemory(0, part), SocketFlags.None);
                    break;
                }
                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
                forwarded += n;
            }
        }
        catch (Exception)
        {
            // the other pump or KillAll closed a socket
        }
        _open.TryRemove(from, out _);
        _open.TryRemove(to, out _);
        Close(from);
        Close(to);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        KillAll();
        await _acceptLoop;
        _stop.Dispose();
    }
}
