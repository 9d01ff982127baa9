namespace FastDb.Harness.Network;

/// <summary>
/// What the proxies count for the score (octopus state/score.go RecordRead, RecordWrite, RecordConn): every byte
/// crossing a proxy is counted once when read from one end and once when written to the other.
/// </summary>
public sealed class TrafficStats
{
    private long _bytesRead, _bytesWritten, _conns;

    public long BytesRead => Interlocked.Read(ref _bytesRead);
    public long BytesWritten => Interlocked.Read(ref _bytesWritten);
    public long Conns => Interlocked.Read(ref _conns);

    public void RecordRead(int n) => Interlocked.Add(ref _bytesRead, n);
    public void RecordWrite(int n) => Interlocked.Add(ref _bytesWritten, n);
    public void RecordConn() => Interlocked.Increment(ref _conns);
}
