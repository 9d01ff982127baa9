using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using FastDb.Server.Tests.Support;

namespace FastDb.Server.Tests.EndToEnd;

/// <summary>
/// Hostile HTTP at the socket level, on a real node: stalled bodies are cut off, malformed chunking is a 400, and the
/// socket admits only its owner. After each, the node still answers.
/// </summary>
[Collection(ServerProcessCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class HttpEdgeTests
{
    /// <summary>Sends raw bytes, then reads until the node closes the connection or the bound passes.</summary>
    private static (string Response, TimeSpan Took) Exchange(string socketPath, string request, TimeSpan bound)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        socket.ReceiveTimeout = (int)bound.TotalMilliseconds;
        var clock = Stopwatch.StartNew();
        socket.Send(Encoding.ASCII.GetBytes(request));
        var received = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            int n;
            while ((n = socket.Receive(buffer)) > 0) received.Write(buffer, 0, n);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
        {
            received.Write("<still open>"u8);
        }
        return (Encoding.UTF8.GetString(received.ToArray()), clock.Elapsed);
    }

    private static async Task AssertServingAsync(ServerProcess server)
    {
        using var client = UnixHttp.CreateClient(server.SocketPath, TimeSpan.FromSeconds(30));
        var (status, body) = await UnixHttp.PostSqlAsync(client, "SELECT 1;");
        Assert.Equal(200, status);
        Assert.EndsWith("\n1\n", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABodyShorterThanItsContentLength_IsCutOffWithA408_NotHeldForever()
    {
        await using var server = new ServerProcess(Directory.CreateTempSubdirectory("fastdb-http-").FullName);
        await server.StartAsync();
        var (response, took) = Exchange(server.SocketPath,
            "POST /sql HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nSELECT", TimeSpan.FromSeconds(40));
        Assert.StartsWith("HTTP/1.1 408 ", response, StringComparison.Ordinal);
        Assert.DoesNotContain("<still open>", response, StringComparison.Ordinal);
        Assert.True(took < TimeSpan.FromSeconds(35), $"cut off after {took}");
        await AssertServingAsync(server);
    }

    [Fact]
    public async Task HeadersThatNeverEnd_AreCutOff()
    {
        await using var server = new ServerProcess(Directory.CreateTempSubdirectory("fastdb-http-").FullName);
        await server.StartAsync();
        var (response, _) = Exchange(server.SocketPath, "POST /sql HTTP/1.1\r\nHost: x\r\n", TimeSpan.FromSeconds(40));
        Assert.DoesNotContain("<still open>", response, StringComparison.Ordinal);
        await AssertServingAsync(server);
    }

    [Theory]
    [InlineData("FFFFFFFFFFFFFFFFFF")] // overflows a 64-bit size
    [InlineData("zz")]
    [InlineData("-5")]
    public async Task AMalformedChunkSize_IsA400(string chunkSize)
    {
        await using var server = new ServerProcess(Directory.CreateTempSubdirectory("fastdb-http-").FullName);
        await server.StartAsync();
        var (response, _) = Exchange(server.SocketPath,
            $"POST /sql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{chunkSize}\r\nSELECT 1;\r\n0\r\n\r\n", TimeSpan.FromSeconds(20));
        Assert.StartsWith("HTTP/1.1 400 ", response, StringComparison.Ordinal);
        await AssertServingAsync(server);
    }

    [Fact]
    public async Task TheSocketAndTheDataDirectory_AreTheOwnersOnly_UnlessTheGroupIsAdmitted()
    {
        await using (var server = new ServerProcess(Directory.CreateTempSubdirectory("fastdb-http-").FullName))
        {
            await server.StartAsync();
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(server.SocketPath));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(server.DataDirectory));
            foreach (var file in Directory.GetFiles(server.DataDirectory))
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
        await using (var grouped = new ServerProcess(Directory.CreateTempSubdirectory("fastdb-http-").FullName, "--socket-mode", "660"))
        {
            await grouped.StartAsync();
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite,
                File.GetUnixFileMode(grouped.SocketPath));
        }
    }
}
