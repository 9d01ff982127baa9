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
    [InlineData(null)]
    [InlineData("")]
    [InlineData("key-é")]
    public void ClientRequest_RoundTrips(string? key)
    {
        var request = new ClientRequest(new RequestId(3, 638_000_000_000_000_001), key,
            BodyDigest.Of(Encoding.UTF8.GetBytes("SELECT 1")), 1_764_000_000_000, new byte[] { 1, 2, 3, 250 });
        var decoded = ClientRequest.ReadFrom(request.ToBytes());
        Assert.Equal(request.Id, decoded.Id);
        Assert.Equal(request.IdempotencyKey, decoded.IdempotencyKey);
        Assert.Equal(request.Digest, decoded.Digest);
        Assert.Equal(request.TimestampMs, decoded.TimestampMs);
        Assert.Equal(request.Command.ToArray(), decoded.Command.ToArray());
    }

    [Fact]
    public void ClientRequest_CommonCase_IsCompact()
    {
        var request = new ClientRequest(new RequestId(1, 638_000_000_000_000_001), null, default, 1_764_000_000_000, new byte[8]);
        Assert.True(request.ToBytes().Length <= 48, $"{request.ToBytes().Length} bytes");
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
