using System.Net.Sockets;
using System.Threading.Channels;

namespace FastDb.Harness.Network;

/// <summary>
/// One direction of a proxied connection (octopus network/connection.go + stream): bytes are read in chunks of at
/// most <see cref="ChunkSize"/>, each chunk is stamped with its delivery time (now + the link's delay) and waits in a
/// queue of at most <see cref="InFlight"/> chunks; delivered chunks pass through a second queue of the same size
/// (octopus's `out` channel) to the writer. Order is kept: a chunk never overtakes an earlier one. An empty chunk
/// travels like any other and is how a connection's set-up is delayed. When the stream's token is cancelled (the link
/// was killed) every chunk still queued is lost.
/// </summary>
public sealed class DelayedStream
{
    public const int ChunkSize = 1024;
    public const int InFlight = 15;

    private readonly Link _link;
    private readonly TrafficStats _stats;
    private readonly CancellationToken _token;
    private readonly Channel<Chunk> _inFlight = Channel.CreateBounded<Chunk>(new BoundedChannelOptions(InFlight) { SingleReader = true, SingleWriter = false });
    private readonly Channel<Chunk> _delivered = Channel.CreateBounded<Chunk>(new BoundedChannelOptions(InFlight) { SingleReader = true, SingleWriter = true });

    /// <summary>A piece of the byte stream; Data null means end of stream, empty means "set-up marker".</summary>
    public readonly record struct Chunk(byte[]? Data, long DueTicks);

    public DelayedStream(Link link, TrafficStats stats, CancellationToken token)
    {
        _link = link;
        _stats = stats;
        _token = token;
        _ = Task.Run(DelayLoop);
    }

    /// <summary>Sends a zero-byte chunk through the delay line (octopus emptyPacket).</summary>
    public ValueTask EnqueueEmptyAsync() => _inFlight.Writer.WriteAsync(Stamp(Array.Empty<byte>()), _token);

    /// <summary>Reads the first delivered chunk, which must be the set-up marker.</summary>
    public async Task WaitForSetUpAsync()
    {
        Chunk first = await _delivered.Reader.ReadAsync(_token).ConfigureAwait(false);
        if (first.Data is not { Length: 0 }) throw new InvalidOperationException("the first chunk of a stream must be the set-up marker");
    }

    private Chunk Stamp(byte[]? data) => new(data, Environment.TickCount64 + (long)_link.Delay().TotalMilliseconds);

    /// <summary>Reads <paramref name="source"/> until end of stream, queueing stamped chunks; returns false on a socket error.</summary>
    public async Task<bool> ReadFromAsync(Socket source)
    {
        var buffer = new byte[ChunkSize];
        try
        {
            while (true)
            {
                int n = await source.ReceiveAsync(buffer, SocketFlags.None, _token).ConfigureAwait(false);
                if (n == 0)
                {
                    await _inFlight.Writer.WriteAsync(Stamp(null), _token).ConfigureAwait(false);
                    return true;
                }
                _stats.RecordRead(n);
                await _inFlight.Writer.WriteAsync(Stamp(buffer.AsSpan(0, n).ToArray()), _token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) { return true; }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { return false; }
    }

    private async Task DelayLoop()
    {
        try
        {
            await foreach (Chunk chunk in _inFlight.Reader.ReadAllAsync(_token).ConfigureAwait(false))
            {
                long wait = chunk.DueTicks - Environment.TickCount64;
                if (wait > 0) await Task.Delay(TimeSpan.FromMilliseconds(wait), _token).ConfigureAwait(false);
                await _delivered.Writer.WriteAsync(chunk, _token).ConfigureAwait(false);
                if (chunk.Data is null) return;
            }
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>
    /// Writes delivered chunks to <paramref name="destination"/>; at end of stream half-closes it (so the other
    /// direction can still drain). Returns true at a clean end of stream, false on error or cancellation.
    /// </summary>
    public async Task<bool> WriteToAsync(Socket destination)
    {
        try
        {
            await foreach (Chunk chunk in _delivered.Reader.ReadAllAsync(_token).ConfigureAwait(false))
            {
                if (chunk.Data is null)
                {
                    destination.Shutdown(SocketShutdown.Send);
                    return true;
                }
                int sent = 0;
                while (sent < chunk.Data.Length)
                {
                    int n = await destination.SendAsync(chunk.Data.AsMemory(sent), SocketFlags.None, _token).ConfigureAwait(false);
                    sent += n;
                }
                if (chunk.Data.Length > 0) _stats.RecordWrite(chunk.Data.Length);
            }
            return false;
        }
        catch (OperationCanceledException) { return false; }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { return false; }
    }
}
