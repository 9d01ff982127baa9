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

/// <summary>
/// A 128-bit digest of a request's log command: a re-sent body (octopus sends no key) is recognized by it. It is taken
/// of the command, not the raw body, so that every node derives it from the log entry and it never travels (16 bytes
/// less in every forward and every append copy); two bodies with one command (the CTF query with and without its
/// optional extra ";") are the same request to the dedup rules, which is what they are to the engine.
/// </summary>
public readonly record struct BodyDigest(ulong Low, ulong High)
{
    /// <summary>First 128 bits of SHA-256: collision-free in practice (also against chosen bodies) and hardware-accelerated.</summary>
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
/// <see cref="Digest"/> must be <see cref="BodyDigest.Of"/> the <see cref="Command"/> bytes (<see cref="Create"/>
/// makes it so): the encoding leaves it out and the reader derives it.
/// </summary>
public sealed record ClientRequest(RequestId Id, string? IdempotencyKey, BodyDigest Digest, long TimestampMs, ReadOnlyMemory<byte> Command,
    ulong MatchAfterIndex = ClientRequest.NeverMatchBody)
{
    /// <summary>Versions 1 (before MatchAfterIndex) and 2 (a digest of the raw body on the wire, the timestamp in full)
    /// are still read: logs written by older builds replay unchanged.</summary>
    private const byte FormatVersion1 = 1;
    private const byte FormatVersion2 = 2;
    private const byte FormatVersion = 3;

    /// <summary>
    /// Request counters are this many bits above the proposer's millisecond clock (see
    /// <see cref="NextCounter"/>), so the timestamp is encoded as its (usually zero, one-byte) distance from
    /// <c>Counter &gt;&gt; CounterClockShift</c> instead of six bytes of its own.
    /// </summary>
    public const int CounterClockShift = 7;

    /// <summary>A request with its digest taken of <paramref name="command"/>, as every node will derive it.</summary>
    public static ClientRequest Create(RequestId id, string? idempotencyKey, long timestampMs, ReadOnlyMemory<byte> command,
        ulong matchAfterIndex = NeverMatchBody) =>
        new(id, idempotencyKey, BodyDigest.Of(command.Span), timestampMs, command, matchAfterIndex);

    /// <summary>
    /// The next request counter of a node after <paramref name="previous"/> at <paramref name="nowMs"/>: at least
    /// one more than the last, and at least the clock scaled by 2^<see cref="CounterClockShift"/>, so a restarted node
    /// (which starts again from its clock) never reuses an id its earlier life gave out, unless that life ran ahead of
    /// the clock by more than 128 requests per millisecond on average. Seven varint bytes until the year 2109.
    /// </summary>
    public static ulong NextCounter(ulong previous, long nowMs) => Math.Max(previous + 1, (ulong)nowMs << CounterClockShift);

    /// <summary>The proposer's clock a counter from <see cref="NextCounter"/> carries (its milliseconds).</summary>
    public static long ClockOf(ulong counter) => (long)(counter >> CounterClockShift);

    /// <summary>A new request as a proposer stamps it: its timestamp is the clock its counter carries.</summary>
    public static ClientRequest Stamped(RequestId id, string? idempotencyKey, ReadOnlyMemory<byte> command) =>
        Create(id, idempotencyKey, ClockOf(id.Counter), command);

    /// <summary>A <see cref="MatchAfterIndex"/> no log index exceeds: this request is never a body re-send.</summary>
    public const ulong NeverMatchBody = ulong.MaxValue;

    /// <summary>Largest Idempotency-Key accepted; longer keys are refused at the HTTP edge.</summary>
    public const int MaxIdempotencyKeyBytes = 256;

    public void WriteTo(IBufferWriter<byte> output)
    {
        if (Digest != BodyDigest.Of(Command.Span))
            throw new InvalidOperationException("a client request's digest must be that of its command (use ClientRequest.Create)");
        var header = output.GetSpan(1 + 4 * Varint.MaxLength);
        var n = 0;
        header[n++] = FormatVersion;
        n += Varint.Write(header[n..], Id.Origin);
        n += Varint.Write(header[n..], Id.Counter);
        n += Varint.Write(header[n..], ZigZag(TimestampMs - ClockOf(Id.Counter)));
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
        output.Write(Command.Span);
    }

    private static ulong ZigZag(long v) => (ulong)((v << 1) ^ (v >> 63));
    private static long UnZigZag(ulong v) => (long)(v >> 1) ^ -(long)(v & 1);

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
        if (data.Length == 0 || data[0] is not (FormatVersion or FormatVersion2 or FormatVersion1)) return false;
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

    /// <summary>Where the fields of an encoded request are; the one parser behind ReadFrom and IsWellFormed.
    /// DigestStart is -1 for version 3, whose digest is derived from the command that starts at CommandStart.</summary>
    private readonly record struct Layout(ulong Origin, ulong Counter, long Timestamp, ulong MatchField, int KeyStart, int KeyLength, int DigestStart, int CommandStart);

    private static Layout ReadLayout(ReadOnlySpan<byte> data)
    {
        if (data.Length == 0 || data[0] is not (FormatVersion or FormatVersion2 or FormatVersion1))
            throw new FormatException($"unknown client request format {(data.Length == 0 ? "(empty)" : data[0].ToString())}");
        var version = data[0];
        var position = 1;
        var origin = Varint.Read(data, ref position);
        var counter = Varint.Read(data, ref position);
        var timestampField = Varint.Read(data, ref position);
        var timestamp = version == FormatVersion ? ClockOf(counter) + UnZigZag(timestampField) : (long)timestampField;
        // Version 1 matched a body against any earlier application: the closest reading is "after index 0".
        var matchField = version == FormatVersion1 ? 1 : Varint.Read(data, ref position);
        var keyField = Varint.Read(data, ref position);
        int keyStart = position, keyLength = -1; // -1: no key
        if (keyField > 0)
        {
            if (keyField - 1 > (ulong)(data.Length - position)) throw new FormatException("idempotency key runs past the end");
            keyLength = (int)(keyField - 1);
            position += keyLength;
        }
        if (version == FormatVersion) return new Layout(origin, counter, timestamp, matchField, keyStart, keyLength, -1, position);
        if (data.Length - position < 16) throw new FormatException("body digest runs past the end");
        return new Layout(origin, counter, timestamp, matchField, keyStart, keyLength, position, position + 16);
    }

    /// <summary>Decodes <see cref="WriteTo"/>'s bytes (and older versions'); throws <see cref="FormatException"/> on anything else.</summary>
    public static ClientRequest ReadFrom(ReadOnlySpan<byte> data)
    {
        var layout = ReadLayout(data);
        var matchAfter = layout.MatchField == 0 ? NeverMatchBody : layout.MatchField - 1;
        var key = layout.KeyLength < 0 ? null : Encoding.UTF8.GetString(data.Slice(layout.KeyStart, layout.KeyLength));
        var command = data[layout.CommandStart..];
        var digest = layout.DigestStart < 0
            ? BodyDigest.Of(command)
            : new BodyDigest(
                BinaryPrimitives.ReadUInt64LittleEndian(data[layout.DigestStart..]),
                BinaryPrimitives.ReadUInt64LittleEndian(data[(layout.DigestStart + 8)..]));
        return new ClientRequest(new RequestId(layout.Origin, layout.Counter), key, digest, layout.Timestamp, command.ToArray(), matchAfter);
    }
}
