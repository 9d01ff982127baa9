namespace FastDb.Server.Cluster;

/// <summary>
/// Passes frames on to the transport and remembers which peers got one since the last flush: a frame added to a
/// flush that already writes to that peer rides in the same write, and the peer reads it in the same wake-up, where
/// a frame of its own costs a write, a read and a wake-up on each side (and a proxy chunk under octopus).
/// <see cref="LatencyProbe"/> lets its pings wait for such a flush. Loop thread only, as the host's sends are.
/// </summary>
public sealed class TurnTracker(IPeerTransport inner) : IPeerTransport
{
    private readonly HashSet<string> _queued = new(StringComparer.Ordinal);

    /// <summary>Whether a frame to <paramref name="address"/> is queued for the coming flush.</summary>
    public bool HasQueued(string address) => _queued.Contains(address);

    public void Send(string address, byte frameType, ReadOnlySpan<byte> payload)
    {
        inner.Send(address, frameType, payload);
        _queued.Add(address);
    }

    public void Flush()
    {
        inner.Flush();
        _queued.Clear();
    }

    public long ClosesOf(string address) => inner.ClosesOf(address);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
