using System.Buffers;
using System.Text;

namespace FastDb.Forwarder;

/// <summary>Result of looking at the first bytes of an accepted connection.</summary>
public enum SniffResult
{
    /// <summary>The connection starts with the peer magic: it is a FastDb peer (version not yet checked).</summary>
    Peer,
    /// <summary>The bytes so far are a strict prefix of the magic: read more.</summary>
    NeedMoreData,
    /// <summary>Anything else (HTTP, garbage): not a peer connection.</summary>
    NotPeer,
}

/// <summary>
/// The connection preamble a PeerLink sends first: "FASTDB", the protocol version byte, '\n', then the sender's name
/// as varint length + UTF-8. The magic never begins an HTTP request, so one listening socket can serve both.
/// A sender whose cluster rules byte is not 0 uses versions 6 and 7 and writes that byte after the '\n': both ends
/// must share it (the Raft commit quorum, where a difference would let replicas lose committed entries), and an
/// older build refuses the unknown version rather than misreading the cluster.
/// </summary>
public static class Preamble
{
    /// <summary>
    /// 4 since frames lost their correlation id (3: Raft messages without sender and receiver ids, but frames
    /// still with it; 2 is the TLS marker's): a node of another version is refused at the preamble with the reason
    /// logged, never misread frame by frame.
    /// </summary>
    public const byte ProtocolVersion = 4;

    /// <summary>
    /// The same protocol, with everything after the preamble one compressed stream (see LinkCompression.cs). The
    /// sender chooses; a receiver reads both, so nodes with and without compression work together.
    /// </summary>
    public const byte CompressedVersion = 5;

    /// <summary>Versions 4 and 5 followed by a non-zero cluster rules byte (see PeerProtocolOptions.ClusterRules).</summary>
    public const byte RulesVersion = 6, CompressedRulesVersion = 7;

    /// <summary>Longest sender name accepted (a node name like "./node3.sock" is far shorter).</summary>
    public const int MaxNameBytes = 255;

    public static ReadOnlySpan<byte> Magic => "FASTDB"u8;

    /// <summary>
    /// The version byte of <see cref="TlsMarker"/>: what follows is a TLS handshake, and inside TLS the plain
    /// preamble (<see cref="ProtocolVersion"/>) and frames.
    /// </summary>
    public const byte TlsVersion = 2;

    /// <summary>The plaintext first bytes of a TLS peer connection ("FASTDB", 0x02, '\n'); see PeerTls.</summary>
    public static ReadOnlySpan<byte> TlsMarker => "FASTDB\u0002\n"u8;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Encodes the preamble for a sender name; <paramref name="compressed"/> announces a compressed stream, and
    /// <paramref name="rules"/> the sender's cluster rules byte (0: none, the version 4/5 preamble).
    /// </summary>
    public static byte[] Encode(string senderName, bool compressed = false, byte rules = 0)
    {
        ArgumentNullException.ThrowIfNull(senderName);
        byte[] name = StrictUtf8.GetBytes(senderName);
        if (name.Length > MaxNameBytes)
            throw new ArgumentException($"peer name is {name.Length} bytes, over the maximum {MaxNameBytes}", nameof(senderName));
        int ruleBytes = rules == 0 ? 0 : 1;
        var bytes = new byte[Magic.Length + 2 + ruleBytes + FrameCodec.VarintSize((ulong)name.Length) + name.Length];
        Magic.CopyTo(bytes);
        int n = Magic.Length;
        bytes[n++] = rules == 0 ? (compressed ? CompressedVersion : ProtocolVersion) : (compressed ? CompressedRulesVersion : RulesVersion);
        bytes[n++] = (byte)'\n';
        if (rules != 0) bytes[n++] = rules;
        n += FrameCodec.WriteVarint(bytes.AsSpan(n), (ulong)name.Length);
        name.CopyTo(bytes.AsSpan(n));
        return bytes;
    }

    /// <summary>Classifies the first bytes of a connection without consuming anything.</summary>
    public static SniffResult Sniff(in ReadOnlySequence<byte> firstBytes)
    {
        var magic = Magic;
        int n = (int)Math.Min(firstBytes.Length, magic.Length);
        Span<byte> head = stackalloc byte[magic.Length];
        firstBytes.Slice(0, n).CopyTo(head);
        if (!head[..n].SequenceEqual(magic[..n]))
            return SniffResult.NotPeer;
        return n == magic.Length ? SniffResult.Peer : SniffResult.NeedMoreData;
    }

    /// <summary>
    /// Parses a whole preamble (magic included). On Complete the reader is past it; on NeedMoreData nothing is
    /// consumed; on Invalid <paramref name="error"/> says why (wrong magic, unknown version, bad name).
    /// </summary>
    public static ParseStatus TryRead(ref SequenceReader<byte> reader, out string senderName, out string? error) =>
        TryRead(ref reader, out senderName, out _, out _, out error);

    /// <summary>
    /// As above; <paramref name="compressed"/> tells whether the sender compresses what follows, and
    /// <paramref name="rules"/> is the sender's cluster rules byte (0 for a version 4/5 preamble).
    /// </summary>
    public static ParseStatus TryRead(ref SequenceReader<byte> reader, out string senderName, out bool compressed, out byte rules, out string? error)
    {
        senderName = "";
        compressed = false;
        rules = 0;
        error = null;
        var start = reader.Consumed;
        ParseStatus NeedMore(ref SequenceReader<byte> r)
        {
            r.Rewind(r.Consumed - start);
            return ParseStatus.NeedMoreData;
        }

        var magic = Magic;
        for (int i = 0; i < magic.Length; i++)
        {
            if (!reader.TryRead(out byte b))
                return NeedMore(ref reader);
            if (b != magic[i])
            {
                error = "connection does not start with the FastDb peer magic";
                return ParseStatus.Invalid;
            }
        }
        if (!reader.TryRead(out byte version))
            return NeedMore(ref reader);
        if (version is not (ProtocolVersion or CompressedVersion or RulesVersion or CompressedRulesVersion))
        {
            error = $"unknown peer protocol version {version} (this node speaks {ProtocolVersion} to {CompressedRulesVersion})";
            return ParseStatus.Invalid;
        }
        compressed = version is CompressedVersion or CompressedRulesVersion;
        if (!reader.TryRead(out byte newline))
            return NeedMore(ref reader);
        if (newline != (byte)'\n')
        {
            error = "malformed preamble: no newline after the version";
            return ParseStatus.Invalid;
        }
        if (version is RulesVersion or CompressedRulesVersion)
        {
            if (!reader.TryRead(out rules))
                return NeedMore(ref reader);
            if (rules == 0)
            {
                error = "malformed preamble: a cluster rules byte of 0 (sent as version 4 or 5)";
                return ParseStatus.Invalid;
            }
        }
        var status = FrameCodec.TryReadVarint(ref reader, out ulong nameLength);
        if (status == ParseStatus.NeedMoreData)
            return NeedMore(ref reader);
        if (status == ParseStatus.Invalid || nameLength > MaxNameBytes)
        {
            error = $"malformed preamble: peer name length over {MaxNameBytes} bytes";
            return ParseStatus.Invalid;
        }
        if (reader.Remaining < (long)nameLength)
            return NeedMore(ref reader);
        Span<byte> name = stackalloc byte[(int)nameLength];
        reader.TryCopyTo(name);
        reader.Advance((long)nameLength);
        try
        {
            senderName = StrictUtf8.GetString(name);
        }
        catch (DecoderFallbackException)
        {
            error = "malformed preamble: peer name is not UTF-8";
            return ParseStatus.Invalid;
        }
        return ParseStatus.Complete;
    }
}
