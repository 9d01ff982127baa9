using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using Pipelines.Sockets.Unofficial;

namespace FastDb.Forwarder;

/// <summary>
/// One established outbound connection of a PeerLink, as the pipes it writes to and drains: a plain socket
/// (Pipelines.Sockets.Unofficial's SocketConnection, as before TLS existed) or a TLS stream under System.IO.Pipelines'
/// stream adapters (writes are encrypted on the writer's flush; the drain reads whatever TLS records arrive).
/// </summary>
internal sealed class LinkConnection : IDisposable
{
    private readonly SocketConnection? _socket;
    private readonly SslStream? _tls;
    private long _tlsBytesWritten;
    private LinkDeflater? _deflater;
    private int _plainPrefix; // bytes still to write uncompressed: the preamble, which says that compression follows

    public LinkConnection(SocketConnection socket)
    {
        _socket = socket;
        Input = socket.Input;
        Output = socket.Output;
    }

    /// <summary>Compresses everything after the first <paramref name="preambleBytes"/> written (see LinkCompression.cs).</summary>
    public void CompressAfter(int preambleBytes)
    {
        _deflater = new LinkDeflater();
        _plainPrefix = preambleBytes;
    }

    public LinkConnection(SslStream tls)
    {
        _tls = tls;
        Input = PipeReader.Create(tls, new StreamPipeReaderOptions(bufferSize: 512, leaveOpen: true));
        Output = PipeWriter.Create(tls, new StreamPipeWriterOptions(leaveOpen: true));
    }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    /// <summary>Writes one batch into <see cref="Output"/> (compressed after the preamble if asked); the caller flushes.</summary>
    public void WriteBatch(ReadOnlySpan<byte> batch)
    {
        if (_deflater is null)
        {
            Output.Write(batch);
            Wrote(batch.Length);
            return;
        }
        int plain = Math.Min(_plainPrefix, batch.Length);
        if (plain > 0)
        {
            Output.Write(batch[..plain]);
            _plainPrefix -= plain;
            batch = batch[plain..];
        }
        if (!batch.IsEmpty)
            _deflater.Write(batch, Output);
    }

    /// <summary>Bytes handed to the connection: what the socket sent, or for TLS the plaintext written into it.</summary>
    public long BytesSent => _socket?.BytesSent ?? Interlocked.Read(ref _tlsBytesWritten);

    /// <summary>Counts a batch the writer hands over (a socket counts for itself).</summary>
    private void Wrote(int bytes)
    {
        if (_tls is not null) Interlocked.Add(ref _tlsBytesWritten, bytes);
    }

    public void Dispose()
    {
        _deflater?.Dispose(); // the writer is done with it: Dispose runs only once the writer let go (PeerLink.Retire)
        if (_socket is not null)
        {
            _socket.Dispose();
            return;
        }
        Input.Complete();
        Output.Complete(new ObjectDisposedException(nameof(LinkConnection))); // with a reason: nothing more is written

        _tls!.Dispose(); // and the NetworkStream and socket under it
    }
}
