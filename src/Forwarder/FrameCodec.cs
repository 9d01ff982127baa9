// FastDb.Forwarder: the peer wire between cluster nodes.
//
// Topology (etcd-style): every node SENDS only on its own outbound connections, one persistent PeerLink per peer,
// and RECEIVES on inbound connections accepted by its single listening socket (Kestrel shares it with HTTP; the
// UsePeerProtocol connection middleware sniffs the first bytes). Inbound connections are read-only: a reply to a
// frame travels on the replier's own outbound link.
//
// Public API:
//   PeerLink                       outbound link to one peer: Start(), TrySend(type, payload) (also an
//                                  overload encoding the payload in place), Flush() (AutoFlush off), IsConnected,
//                                  Connected event, BytesSent, FramesSent, FramesDropped, BatchesWritten, ConnectCount.
//                                  Reconnects with jittered exponential back-off; drops frames while disconnected.
//   ListenOptions.UsePeerProtocol  Kestrel connection middleware: peer connections go to an IFrameHandler,
//                                  everything else is handed to HTTP untouched.
//   PeerListener                   the same inbound side without Kestrel (a plain Unix/TCP listener).
//   IFrameHandler                  receives frames on the connection's read loop (payload valid only during the call).
//   PeerAddress                    "./node3.sock" (Unix socket, relative to the cwd) or "host:port" into an EndPoint.
//
// Guarantees: frames of one connection arrive whole and in send order; a frame cut by a dying connection is never
// delivered. Across a reconnect, frames still in flight on the old connection may be lost (and, if the old one
// lingers, arrive interleaved with the new one's): callers (Raft, forwarding with retries) tolerate loss and reorder.
//
// Inbound caps (PeerProtocolOptions; a connection past one is closed with a rate-limited logged reason): peer
// connections open at once (192), a frame's claimed length (16 MiB, checked before buffering), bytes held for large
// frames still arriving (64 MiB across connections, in memory unmapped on delivery or disconnect), a stall inside a
// frame (10 s), the preamble (10 s, and an optional check of the sender's name).
//
// Wire format:
//   connection preamble  "FASTDB" 0x04 '\n' varint(nameLength) name(UTF-8)      (0x04 is Preamble.ProtocolVersion)
//   each frame           varint(payloadLength) type(1 byte) payload
// Varints are unsigned LEB128 (7 bits per byte, low group first). A frame with an empty payload costs 2 bytes. There
// is no correlation id: what a reply answers is in its payload (Raft terms and indexes, a ping's sequence number), and
// octopus charges every byte between peers. The Forwarder does not interpret frame types; they belong to the caller.

using System.Buffers;

namespace FastDb.Forwarder;

/// <summary>Outcome of trying to parse one item (preamble or frame) from the bytes received so far.</summary>
public enum ParseStatus
{
    /// <summary>A complete item was parsed and consumed from the reader.</summary>
    Complete,
    /// <summary>The bytes so far are a valid beginning; nothing was consumed. Read more and try again.</summary>
    NeedMoreData,
    /// <summary>The bytes can never become a valid item: close the connection.</summary>
    Invalid,
}

/// <summary>Varint and frame header encoding shared by the sending and receiving sides. Allocation-free.</summary>
public static class FrameCodec
{
    /// <summary>Largest encoding of a 64-bit varint.</summary>
    public const int MaxVarintBytes = 10;

    /// <summary>Largest frame header: payload length varint (at most 5 bytes for an int), then the type byte.</summary>
    public const int MaxHeaderBytes = 5 + 1;

    /// <summary>Default cap on a frame's payload; a longer length prefix means a broken or foreign peer.</summary>
    public const int DefaultMaxPayloadBytes = 16 * 1024 * 1024;

    public static int VarintSize(ulong value)
    {
        // 1 byte per started group of 7 bits; zero still takes one byte.
        int bits = 64 - System.Numerics.BitOperations.LeadingZeroCount(value | 1);
        return (bits + 6) / 7;
    }

    /// <summary>Writes <paramref name="value"/> as a varint; the destination must hold VarintSize(value) bytes.</summary>
    public static int WriteVarint(Span<byte> destination, ulong value)
    {
        int i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[i++] = (byte)value;
        return i;
    }

    /// <summary>Reads a varint. Invalid when it runs past 10 bytes or overflows 64 bits.</summary>
    public static ParseStatus TryReadVarint(ref SequenceReader<byte> reader, out ulong value)
    {
        value = 0;
        var start = reader.Consumed;
        for (int shift = 0, i = 0; i < MaxVarintBytes; i++, shift += 7)
        {
            if (!reader.TryRead(out byte b))
            {
                reader.Rewind(reader.Consumed - start);
                return ParseStatus.NeedMoreData;
            }
            if (i == MaxVarintBytes - 1 && b > 1)
                return ParseStatus.Invalid; // the 10th byte may only carry the top bit of a 64-bit value
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
                return ParseStatus.Complete;
        }
        return ParseStatus.Invalid;
    }

    /// <summary>Total bytes a frame occupies on the wire.</summary>
    public static int FrameSize(int payloadLength) =>
        VarintSize((ulong)payloadLength) + 1 + payloadLength;

    /// <summary>Writes the frame header (length, type) and returns its size.</summary>
    public static int WriteHeader(Span<byte> destination, byte frameType, int payloadLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        int n = WriteVarint(destination, (ulong)payloadLength);
        destination[n++] = frameType;
        return n;
    }

    /// <summary>Writes a whole frame and returns its size; the destination must hold FrameSize bytes.</summary>
    public static int WriteFrame(Span<byte> destination, byte frameType, ReadOnlySpan<byte> payload)
    {
        int n = WriteHeader(destination, frameType, payload.Length);
        payload.CopyTo(destination[n..]);
        return n + payload.Length;
    }

    /// <summary>
    /// Parses one frame. On Complete the reader has moved past the whole frame and <paramref name="payload"/> is the
    /// payload slice of the underlying sequence. On NeedMoreData nothing is consumed. On Invalid,
    /// <paramref name="error"/> says why.
    /// </summary>
    public static ParseStatus TryReadFrame(ref SequenceReader<byte> reader, int maxPayloadBytes, out byte frameType,
        out ReadOnlySequence<byte> payload, out string? error)
    {
        payload = default;
        var start = reader.Consumed;
        var status = TryReadHeader(ref reader, maxPayloadBytes, out frameType, out int length, out error);
        if (status != ParseStatus.Complete)
            return status;
        if (reader.Remaining < length)
        {
            reader.Rewind(reader.Consumed - start);
            return ParseStatus.NeedMoreData;
        }
        payload = reader.UnreadSequence.Slice(0, length);
        reader.Advance(length);
        return ParseStatus.Complete;
    }

    /// <summary>
    /// Parses a frame header only (length, type). On Complete the reader is at the first payload
    /// byte, which may not have arrived yet; <paramref name="payloadLength"/> is already checked against
    /// <paramref name="maxPayloadBytes"/>, so a caller may decide how to buffer the payload before any of it
    /// arrives. On NeedMoreData nothing is consumed. On Invalid, <paramref name="error"/> says why.
    /// </summary>
    public static ParseStatus TryReadHeader(ref SequenceReader<byte> reader, int maxPayloadBytes, out byte frameType,
        out int payloadLength, out string? error)
    {
        frameType = 0;
        payloadLength = 0;
        error = null;
        var start = reader.Consumed;

        var status = TryReadVarint(ref reader, out ulong length);
        if (status == ParseStatus.Invalid)
        {
            error = "malformed frame length varint";
            return status;
        }
        if (status == ParseStatus.NeedMoreData)
            return status;
        // Checked before anything else is read or buffered: a claimed length never costs memory.
        if (length > (ulong)maxPayloadBytes)
        {
            error = $"frame length {length} over the maximum {maxPayloadBytes}";
            return ParseStatus.Invalid;
        }
        if (!reader.TryRead(out frameType))
        {
            reader.Rewind(reader.Consumed - start);
            return ParseStatus.NeedMoreData;
        }
        payloadLength = (int)length;
        return ParseStatus.Complete;
    }
}
