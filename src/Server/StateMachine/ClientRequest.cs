using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using FastDb.Server.Binary;

namespace FastDb.Server.StateMachine;

/// <summary>Who proposed a request: the node that took the HTTP request and that node's own counter.</summary>
public readonly record struct RequestId(ulong Origin, ulong Counter)
{
    public override string ToString() => $"{Origin}:{Counter}";
}

/// <summary>A 128-bit digest of a request body: a re-sent body (octopus sends no key) is recognized by it.</summary>
public readonly record struct BodyDigest(ulong Low, ulong High)
{
    /// <summary>First 128 bits of SHA-256: collision-free in practice and hardware-accelerated.</summary>
    public static BodyDigest Of(ReadOnlySpan<byte> body)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(body, hash);
        return new BodyDigest(BinaryPrimitives.ReadUInt64LittleEndian(hash), BinaryPrimitives.ReadUInt64LittleEndian(hash[8..]));
    }

    public override string ToString() => $"{High:x16}{Low:x16}";
}

/// <summary>
/// The answer a request gets: its sequence number and the engine's body (the text after the SequenceNumber line).
/// <see cref="Held"/> is false for a re-sent request recognized in the dedup window whose answer was too long to keep
/// (<see cref="DedupWindow.MaxKeptAnswerChars"/>): it ran once, with that sequence number, and its text is gone.
/// </summary>
public readonly record struct Answer(ulong SequenceNumber, string Body, bool Held = true)
{
    public static Answer NotHeld(ulong sequenceNumber) => new(sequenceNumber, "", Held: false);
}

/// <summary>
/// One log command: everything every node needs to apply a client's script and to recognize it again if it is re-sent.
/// The timestamp is the proposer's wall clock; the dedup window's time bound compares log timestamps only, so every
/// node decides identically from the log, never from its own clock. <see cref="MatchAfterIndex"/> is the proposer's
/// verdict on body matching (see <see cref="DedupWindow"/>): only an earlier application of the same body applied
/// after that log index counts as this request's original; <see cref="NeverMatchBody"/> turns body matching off.
/// </summary>
public sealed record ClientRequest(RequestId Id, string? IdempotencyKey, BodyDigest Digest, long TimestampMs, ReadOnlyMemory<byte> Command,
    ulong MatchAfterIndex = ClientRequest.NeverMatchBody)
{
    /// <summary>Version 1 (before MatchAfterIndex) is still read: logs written by older builds replay unchanged.</summary>
    private const byte FormatVersion1 = 1;
    private const byte FormatVersion = 2;

    /// <summary>A <see cref="MatchAfterIndex"/> no log index exceeds: this request is never a body re-send.</summary>
    public const ulong NeverMatchBody = ulong.MaxValue;

    /// <summary>Largest Idempotency-Key accepted; longer keys are refused at the HTTP edge.</summary>
    public const int MaxIdempotencyKeyBytes = 256;

    public void WriteTo(IBufferWriter<byte> output)
    {
        var header = output.GetSpan(1 + 4 * Varint.MaxLength);
        var n = 0;
        header[n++] = FormatVersion;
        n += Varint.Write(header[n..], Id.Origin);
        n += Varint.Write(header[n..], Id.Counter);
        n += Varint.Write(header[n..], (ulong)TimestampMs);
        // +1 so that "never" (ulong.MaxValue) encodes as 0 in one byte.
        n += Varint.Write(header[n..], MatchAfterIndex == NeverMatchBody ? 0 : MatchAfterIndex + 1);
        output.Advance(n);

        // Key length + 1, so 0 means "no key" and an empty key stays distinct from none.
        if (IdempotencyKey is null)
        {
            Varint.Write(output, 0);
        }
        else
        {
            var keyLength = Encoding.UTF8.GetByteCount(IdempotencyKey);
            Varint.Write(output, (ulong)keyLength + 1);
            var keySpan = output.GetSpan(keyLength);
            Encoding.UTF8.GetBytes(IdempotencyKey, keySpan);
            output.Advance(keyLength);
        }

        var digest = output.GetSpan(16);
        BinaryPrimitives.WriteUInt64LittleEndian(digest, Digest.Low);
        BinaryPrimitives.WriteUInt64LittleEndian(digest[8..], Digest.High);
        output.Advance(16);
        output.Write(Command.Span);
    }

    public byte[] ToBytes()
    {
        var buffer = new ArrayBufferWriter<byte>(64 + Command.Length);
        WriteTo(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads just the request id from <see cref="WriteTo"/>'s bytes (false if they are not a request).</summary>
    public static bool TryReadId(ReadOnlySpan<byte> data, out RequestId id)
    {
        id = default;
        if (data.Length == 0 || (data[0] != FormatVersion && data[0] != FormatVersion1)) return false;
        try
        {
            var position = 1;
            var origin = Varint.Read(data, ref position);
            id = new RequestId(origin, Varint.Read(data, ref position));
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// Whether <paramref name="data"/> is what <see cref="ReadFrom"/> accepts, checked without allocating (a peer's
    /// forwarded requests and replicated entries are checked with it at the edge); <paramref name="error"/> says why not.
    /// </summary>
    public static bool IsWellFormed(ReadOnlySpan<byte> data, out string? error)
    {
        try
        {
            ReadLayout(data);
            error = null;
            return true;
        }
        catch (FormatException e)
        {
            error = e.Message;
            return false;
        }
    }

    /// <summary>Where the fields of an encoded request are; the one parser behind ReadFrom and IsWellFormed.</summary>
    private readonly record struct Layout(ulong Origin, ulong Counter, ulong Timestamp, ulong MatchField, int KeyStart, int KeyLength, int DigestStart);

    private static Layout ReadLayout(ReadOnlySpan<byte> data)
    {
        if (data.Length == 0 || (data[0] != FormatVersion && data[0] != FormatVersion1))
            throw new FormatException($"unknown client request format {(data.Length == 0 ? "(empty)" : data[0].ToString())}");
        var position = 1;
        var origin = Varint.Read(data, ref position);
        var counter = Varint.Read(data, ref position);
        var timestamp = Varint.Read(data, ref position);
        // Version 1 matched a body against any earlier application: the closest reading is "after index 0".
        var matchField = data[0] == FormatVersion1 ? 1 : Varint.Read(data, ref position);
        var keyField = Varint.Read(data, ref position);
        int keyStart = position, keyLength = -1; // -1: no key
        if (keyField > 0)
        {
            if (keyField - 1 > (ulong)(data.Length - position)) throw new FormatException("idempotency key runs past the end");
            keyLength = (int)(keyField - 1);
            position += keyLength;
        }
        if (data.Length - position < 16) throw new FormatException("body digest runs past the end");
        return new Layout(origin, counter, timestamp, matchField, keyStart, keyLength, position);
    }

    /// <summary>Decodes <see cref="WriteTo"/>'s bytes; throws <see cref="FormatException"/> on anything else.</summary>
    public static ClientRequest ReadFrom(ReadOnlySpan<byte> data)
    {
        var layout = ReadLayout(data);
        var matchAfter = layout.MatchField == 0 ? NeverMatchBody : layout.MatchField - 1;
        var key = layout.KeyLength < 0 ? null : Encoding.UTF8.GetString(data.Slice(layout.KeyStart, layout.KeyLength));
        var position = layout.DigestStart;
        var digest = new BodyDigest(
            BinaryPrimitives.ReadUInt64LittleEndian(data[position..]),
            BinaryPrimitives.ReadUInt64LittleEndian(data[(position + 8)..]));
        position += 16;
        return new ClientRequest(new RequestId(layout.Origin, layout.Counter), key, digest, (long)layout.Timestamp, data[position..].ToArray(), matchAfter);
    }
}
