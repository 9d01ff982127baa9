// Compressed peer links: after a preamble of version Preamble.CompressedVersion, the sender's byte stream is one
// DEFLATE stream (RFC 1951, zlib through System.IO.Compression) cut into chunks, one per batch the link writes:
//
//   chunk   varint(n) then n bytes: what a zlib sync flush of the batch emitted, minus its last 4 bytes (00 00 FF FF)
//
// The receiver puts the 4 bytes back before inflating, as WebSocket's permessage-deflate (RFC 7692) does, and reads
// frames from the inflated bytes exactly as from a plain connection. Why: octopus charges every byte between peers,
// and consecutive frames on a link are alike (the same headers, terms, request shapes), so a window shared by the
// whole connection halves them (the host simulator, TrafficMeasurements). A sync flush ends each chunk on a byte
// boundary with everything before it decodable, so compression adds no waiting; the chunk length costs 1 byte where
// the stripped marker would cost 4. The window lives and dies with the connection: a reconnect starts afresh on both
// sides, and TCP's order within one connection is all the format needs.
//
// Limits (checked where the bytes enter): a chunk of 0 bytes or over MaxChunkBytes closes the connection, as does
// anything zlib cannot inflate. Inflated bytes go through the same frame caps as a plain connection, read as they are
// inflated, so a small chunk that inflates hugely is cut off at the frame length cap, never held whole.
//
// Not under TLS (the node never asks for it there): compressing client data beside other data before encryption
// leaks it through the lengths (CRIME); the Unix sockets and loopback links that octopus counts are plain anyway.

using System.Buffers;
using System.IO.Compression;
using System.IO.Pipelines;

namespace FastDb.Forwarder;

/// <summary>The sending half: one per connection, used by that connection's single writer.</summary>
public sealed class LinkDeflater : IDisposable
{
    /// <summary>A batch is compressed in pieces of at most this many bytes, so no chunk can exceed MaxChunkBytes.</summary>
    internal const int MaxPieceBytes = 64 * 1024;

    /// <summary>
    /// zlib's level 6 of 9. Harness, seed 1, 30 s, in-process checker, native build: 290-291 proxy bytes per correct
    /// query at level 6 against 307 at level 1 and 427-436 uncompressed; in the host simulator level 6 took 3-6 us
    /// per batch against 1-2.5 us at level 1, small beside a node's ~1.2 ms of CPU per answer.
    /// </summary>
    public const int Level = 6;

    private static ReadOnlySpan<byte> SyncMarker => [0x00, 0x00, 0xFF, 0xFF];

    private readonly ArrayBufferWriter<byte> _captured = new(256);
    private readonly CaptureStream _sink;
    private readonly DeflateStream _deflate;

    public LinkDeflater()
    {
        _sink = new CaptureStream(_captured);
        _deflate = new DeflateStream(_sink, new ZLibCompressionOptions { CompressionLevel = Level }, leaveOpen: true);
    }

    /// <summary>Appends the chunks of one batch to <paramref name="output"/>; returns the bytes written.</summary>
    public int Write(ReadOnlySpan<byte> batch, IBufferWriter<byte> output)
    {
        int written = 0;
        while (!batch.IsEmpty)
        {
            var piece = batch[..Math.Min(batch.Length, MaxPieceBytes)];
            batch = batch[piece.Length..];
            _captured.ResetWrittenCount();
            _deflate.Write(piece);
            _deflate.Flush(); // Z_SYNC_FLUSH: every byte so far is decodable, and the output ends with the marker
            var compressed = _captured.WrittenSpan;
            if (compressed.Length <= SyncMarker.Length || !compressed.EndsWith(SyncMarker))
                throw new InvalidOperationException("zlib's sync flush did not end with 00 00 FF FF");
            compressed = compressed[..^SyncMarker.Length];
            var header = output.GetSpan(FrameCodec.MaxVarintBytes);
            int n = FrameCodec.WriteVarint(header, (ulong)compressed.Length);
            output.Advance(n);
            output.Write(compressed);
            written += n + compressed.Length;
        }
        return written;
    }

    public void Dispose()
    {
        _deflate.Dispose();
        _sink.Dispose();
    }

    /// <summary>Collects what DeflateStream writes.</summary>
    private sealed class CaptureStream(ArrayBufferWriter<byte> target) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => target.Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer) => target.Write(buffer);
    }
}

/// <summary>The receiving half: the frames of a compressed connection, read from its raw chunks.</summary>
internal static class LinkInflater
{
    /// <summary>
    /// Longest chunk accepted: twice a piece. Incompressible bytes grow by about 6% at level 1 (zlib-ng codes them
    /// with the fixed Huffman table: 105,528 bytes for 100,000 random ones), far under twice. The chunk is streamed
    /// through the inflater, never held whole, so the bound only keeps a length from being absurd.
    /// </summary>
    internal const int MaxChunkBytes = 2 * LinkDeflater.MaxPieceBytes;

    /// <summary>
    /// A reader of the inflated bytes of <paramref name="chunks"/>, positioned after the preamble. Completing it does
    /// not complete <paramref name="chunks"/> (the connection's owner does). Bad chunks fail the read with an
    /// InvalidDataException.
    /// </summary>
    public static PipeReader Open(PipeReader chunks)
    {
        var inflate = new DeflateStream(new ChunkStream(chunks), CompressionMode.Decompress, leaveOpen: false);
        return PipeReader.Create(inflate, new StreamPipeReaderOptions(bufferSize: 4096, minimumReadSize: 1024, leaveOpen: false));
    }

    /// <summary>The raw DEFLATE stream of a chunked connection: each chunk's bytes, then the 4 marker bytes it lost.</summary>
    private sealed class ChunkStream(PipeReader chunks) : Stream
    {
        private static readonly byte[] Marker = [0x00, 0x00, 0xFF, 0xFF];
        private int _chunkLeft;   // bytes of the current chunk still to hand out
        private int _markerLeft;  // marker bytes still to hand out after it

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) =>
            ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
        {
            if (destination.IsEmpty) return 0;
            while (true)
            {
                if (_chunkLeft == 0 && _markerLeft > 0)
                {
                    int m = Math.Min(_markerLeft, destination.Length);
                    Marker.AsSpan(Marker.Length - _markerLeft, m).CopyTo(destination.Span);
                    _markerLeft -= m;
                    return m;
                }
                var result = await chunks.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                if (_chunkLeft == 0)
                {
                    var reader = new SequenceReader<byte>(buffer);
                    var status = FrameCodec.TryReadVarint(ref reader, out ulong length);
                    if (status == ParseStatus.Invalid || (status == ParseStatus.Complete && length is 0 or > MaxChunkBytes))
                        throw new InvalidDataException($"compressed peer chunk of a bad length (1..{MaxChunkBytes} bytes)");
                    if (status == ParseStatus.NeedMoreData)
                    {
                        chunks.AdvanceTo(buffer.Start, buffer.End);
                        if (result.IsCompleted || result.IsCanceled) return 0; // the connection ended between chunks
                        continue;
                    }
                    _chunkLeft = (int)length;
                    _markerLeft = Marker.Length;
                    buffer = buffer.Slice(reader.Position); // an empty rest waits below, the header consumed
                }
                if (buffer.IsEmpty)
                {
                    chunks.AdvanceTo(buffer.Start, buffer.End);
                    if (result.IsCompleted || result.IsCanceled) return 0; // cut inside a chunk: the frame reader reports it
                    continue;
                }
                int take = (int)Math.Min(Math.Min(buffer.Length, _chunkLeft), destination.Length);
                buffer.Slice(0, take).CopyTo(destination.Span);
                chunks.AdvanceTo(buffer.GetPosition(take));
                _chunkLeft -= take;
                return take;
            }
        }
    }
}
