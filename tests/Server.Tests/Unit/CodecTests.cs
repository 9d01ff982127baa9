using System.Text;
using FastDb.Server.Binary;
using FastDb.Server.StateMachine;
using FastDb.Server.Startup;

namespace FastDb.Server.Tests.Unit;

public sealed class CodecTests
{
    [Theory]
    [InlineData(0UL)]
    [InlineData(127UL)]
    [InlineData(128UL)]
    [InlineData(300UL)]
    [InlineData(ulong.MaxValue)]
    public void Varint_RoundTrips(ulong value)
    {
        Span<byte> buffer = stackalloc byte[Varint.MaxLength];
        var length = Varint.Write(buffer, value);
        var position = 0;
        Assert.Equal(value, Varint.Read(buffer[..length], ref position));
        Assert.Equal(length, position);
    }

    [Fact]
    public void Varint_Truncated_IsAFormatError()
    {
        var position = 0;
        Assert.Throws<FormatException>(() => Varint.Read(new byte[] { 0x80, 0x80 }, ref position));
    }

    [Theory]
    [InlineData(null, 638_000_000_000_000_001L, 1_764_000_000_000L)]
    [InlineData("", 1L, 1_764_000_000_000L)]
    [InlineData("key-é", 225_792_000_000_000_000L, 1_764_000_000_000L)]
    [InlineData(null, 225_792_000_000_000_000L, 0L)]
    public void ClientRequest_RoundTrips(string? key, long counter, long timestampMs)
    {
        var request = ClientRequest.Create(new RequestId(3, (ulong)counter), key, timestampMs, new byte[] { 1, 2, 3, 250 }, matchAfterIndex: 41);
        var decoded = ClientRequest.ReadFrom(request.ToBytes());
        Assert.Equal(request.Id, decoded.Id);
        Assert.Equal(request.IdempotencyKey, decoded.IdempotencyKey);
        Assert.Equal(request.Digest, decoded.Digest);
        Assert.Equal(BodyDigest.Of(new byte[] { 1, 2, 3, 250 }), decoded.Digest);
        Assert.Equal(request.TimestampMs, decoded.TimestampMs);
        Assert.Equal(request.MatchAfterIndex, decoded.MatchAfterIndex);
        Assert.Equal(request.Command.ToArray(), decoded.Command.ToArray());
    }

    [Fact]
    public void ClientRequest_CtfQuery_IsTwentyThreeBytes()
    {
        // What every forward and every append copy carries for octopus's query: version, origin, a clock-based counter
        // (7 bytes), the timestamp's distance from it (1), no match, no key, and the 11-byte CTF command.
        const long now = 1_764_000_000_000;
        var counter = ClientRequest.NextCounter(0, now);
        var command = Http.ScriptSubmitter.EncodeCommand(
            "UPDATE ctf3 SET friendCount=friendCount+42, requestCount=requestCount+1, favoriteWord=\"abcdefghijkmnpq\" WHERE name=\"gdb\"; SELECT * FROM ctf3;");
        var request = ClientRequest.Stamped(new RequestId(2, counter), null, command);
        Assert.Equal(11, command.Length);
        Assert.Equal(23, request.ToBytes().Length);
    }

    [Fact]
    public void ClientRequest_Counters_FollowTheClock_AndNeverRepeat()
    {
        ulong a = ClientRequest.NextCounter(0, 1_764_000_000_000);
        Assert.Equal(1_764_000_000_000UL << ClientRequest.CounterClockShift, a);
        Assert.Equal(a + 1, ClientRequest.NextCounter(a, 1_764_000_000_000)); // same millisecond: one more
        Assert.Equal(a + 1, ClientRequest.NextCounter(a, 1_763_999_999_000)); // clock stepped back: still one more
        Assert.Equal(1_764_000_000_005UL << ClientRequest.CounterClockShift, ClientRequest.NextCounter(a, 1_764_000_000_005));
    }

    [Fact]
    public void ClientRequest_WithADigestNotOfItsCommand_IsNotEncoded()
    {
        var request = new ClientRequest(new RequestId(1, 1), null, BodyDigest.Of("some body"u8), 1, new byte[] { 1, 0 });
        Assert.Throws<InvalidOperationException>(() => request.ToBytes());
    }

    [Fact]
    public void ClientRequest_Version2_FromOlderLogs_StillReads()
    {
        // Version 2: [2][origin][counter][timestamp][match+1][key+1][16-byte digest of the raw body][command].
        var digest = BodyDigest.Of("the raw body"u8);
        var bytes = new List<byte> { 2, 5 };
        bytes.AddRange(VarintBytes(638_000_000_000_000_001));
        bytes.AddRange(VarintBytes(1_764_000_000_000));
        bytes.Add(0); // never match
        bytes.Add(0); // no key
        bytes.AddRange(BitConverter.GetBytes(digest.Low));
        bytes.AddRange(BitConverter.GetBytes(digest.High));
        bytes.AddRange(new byte[] { 1, 1, (byte)'x' });
        var decoded = ClientRequest.ReadFrom(bytes.ToArray());
        Assert.Equal(new RequestId(5, 638_000_000_000_000_001), decoded.Id);
        Assert.Equal(1_764_000_000_000, decoded.TimestampMs);
        Assert.Equal(digest, decoded.Digest);
        Assert.Equal(ClientRequest.NeverMatchBody, decoded.MatchAfterIndex);
        Assert.Equal(new byte[] { 1, 1, (byte)'x' }, decoded.Command.ToArray());
    }

    private static IEnumerable<byte> VarintBytes(ulong v)
    {
        while (v >= 0x80) { yield return (byte)(v | 0x80); v >>= 7; }
        yield return (byte)v;
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 9 })]
    [InlineData(new byte[] { 1, 1, 1, 1, 5, 0 })]
    [InlineData(new byte[] { 1, 1, 1, 1, 0, 0, 0 })]
    public void ClientRequest_BadBytes_AreAFormatError(byte[] bytes) =>
        Assert.Throws<FormatException>(() => ClientRequest.ReadFrom(bytes));

    [Fact]
    public void BodyDigest_DiffersForDifferentBodies_AndIsStable()
    {
        Assert.Equal(BodyDigest.Of("a"u8), BodyDigest.Of("a"u8));
        Assert.NotEqual(BodyDigest.Of("a"u8), BodyDigest.Of("b"u8));
    }

    [Fact]
    public void Crc32C_MatchesTheStandardCheckValue() =>
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));

    [Theory]
    [InlineData("./node1.sock", "/work/dir/node1.sock", null, 0)]
    [InlineData("/abs/x.sock", "/abs/x.sock", null, 0)]
    [InlineData("127.0.0.1:4000", null, "127.0.0.1", 4000)]
    [InlineData(":4001", null, "localhost", 4001)]
    [InlineData("localhost:4002", null, "localhost", 4002)]
    public void ListenAddress_ParsesPathsAndHostPort(string text, string? path, string? host, int port)
    {
        var address = ListenAddress.Parse(text, "/work/dir");
        Assert.Equal(path, address.UnixSocketPath);
        Assert.Equal(host, address.Host);
        Assert.Equal(port, address.Port);
    }

    [Theory]
    [InlineData("")]
    [InlineData("host:0")]
    [InlineData("host:notaport")]
    [InlineData("host:70000")]
    public void ListenAddress_Bad_IsAClearFormatError(string text) =>
        Assert.Throws<FormatException>(() => ListenAddress.Parse(text, "/work/dir"));
}
