using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FastDb.Forwarder.Tests;

/// <summary>A real Kestrel whose one Unix socket serves HTTP and peer frames at the same time.</summary>
public class KestrelSharedSocketTests
{
    private static async Task<WebApplication> StartAsync(string socketPath, IFrameHandler handler, ILogger log)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.ListenUnixSocket(socketPath, o => o.UsePeerProtocol(handler, log)));
        var app = builder.Build();
        app.MapGet("/hello", () => "hi");
        app.MapPost("/echo", async (HttpRequest request) => await new StreamReader(request.Body).ReadToEndAsync());
        await app.StartAsync();
        return app;
    }

    private static HttpClient UnixClient(string socketPath) => UnixHttp.CreateClient(socketPath, TimeSpan.FromSeconds(10));

    [Fact]
    public async Task One_socket_serves_http_and_peer_frames()
    {
        using var dir = new SocketDir();
        string path = dir.Socket("node0.sock");
        var handler = new RecordingHandler();
        var log = new ListLogger();
        await using var app = await StartAsync(path, handler, log);
        using var http = UnixClient(path);

        Assert.Equal("hi", await http.GetStringAsync("/hello"));

        await using var link = new PeerLink("./node1.sock", path, log);
        link.Start();
        await Wait.UntilAsync(() => link.IsConnected, "peer link connected to Kestrel");
        for (int i = 0; i < 100; i++)
            Assert.True(link.TrySend(3, BitConverter.GetBytes(i)));

        // HTTP keeps working on the same socket while the peer connection is open (keep-alive and POST bodies too).
        var echo = await http.PostAsync("/echo", new StringContent("UPDATE ctf3 SET friendCount=1;"));
        Assert.Equal("UPDATE ctf3 SET friendCount=1;", await echo.Content.ReadAsStringAsync());
        Assert.Equal("hi", await http.GetStringAsync("/hello"));

        await Wait.UntilAsync(() => handler.Frames.Count == 100, "100 frames through Kestrel");
        Assert.Equal(Enumerable.Range(0, 100), handler.Frames.Select(f => BitConverter.ToInt32(f.Payload)));
        Assert.All(handler.Frames, f => Assert.Equal("./node1.sock", f.Peer));
    }

    [Fact]
    public async Task A_preamble_split_across_reads_is_still_a_peer_and_garbage_does_not_hurt_http()
    {
        using var dir = new SocketDir();
        string path = dir.Socket("node0.sock");
        var handler = new RecordingHandler();
        var log = new ListLogger();
        await using var app = await StartAsync(path, handler, log);
        using var http = UnixClient(path);

        // "FAS" is a strict prefix of the magic: the middleware must wait for more rather than hand it to HTTP.
        using (var raw = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            await raw.ConnectAsync(new UnixDomainSocketEndPoint(path));
            byte[] wire = Preamble.Encode("slow");
            byte[] frame = new byte[FrameCodec.FrameSize(2)];
            FrameCodec.WriteFrame(frame, 5, [0xAB, 0xCD]);
            await raw.SendAsync(wire.AsMemory(0, 3), SocketFlags.None);
            await Task.Delay(50);
            await raw.SendAsync(wire.AsMemory(3), SocketFlags.None);
            await raw.SendAsync(frame.AsMemory(0, 2), SocketFlags.None); // and a frame split too
            await Task.Delay(50);
            await raw.SendAsync(frame.AsMemory(2), SocketFlags.None);
            await Wait.UntilAsync(() => handler.Frames.Count == 1, "frame from the slow peer");

            // Then garbage on the same connection: closed with a reason, nothing delivered.
            await raw.SendAsync(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }, SocketFlags.None);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            Assert.Equal(0, await raw.ReceiveAsync(new byte[8], SocketFlags.None, timeout.Token));
        }
        var only = Assert.Single(handler.Frames);
        Assert.Equal(("slow", (byte)5), (only.Peer, only.Type));
        Assert.Equal(new byte[] { 0xAB, 0xCD }, only.Payload);
        Assert.True(log.Contains("malformed frame length"), string.Join(" | ", log.Lines));

        // A request that is neither HTTP nor a peer gets an HTTP error from Kestrel, not a crash.
        using (var raw = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            await raw.ConnectAsync(new UnixDomainSocketEndPoint(path));
            await raw.SendAsync("\x01\x02garbage\r\n\r\n"u8.ToArray(), SocketFlags.None);
            var buffer = new byte[256];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            int n = await raw.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            Assert.StartsWith("HTTP/1.1 400", System.Text.Encoding.ASCII.GetString(buffer, 0, n));
        }
        Assert.Equal("hi", await http.GetStringAsync("/hello"));
    }

    [Fact]
    public async Task Server_shutdown_does_not_wait_for_open_peer_connections()
    {
        using var dir = new SocketDir();
        string path = dir.Socket("node0.sock");
        var handler = new RecordingHandler();
        var app = await StartAsync(path, handler, new ListLogger());
        await using var link = new PeerLink("./node1.sock", path, new ListLogger());
        link.Start();
        await Wait.UntilAsync(() => link.IsConnected, "peer connected");
        Assert.True(link.TrySend(1, []));
        await Wait.UntilAsync(() => handler.Frames.Count == 1, "frame delivered");

        // Kestrel's graceful shutdown waits for connection middleware; without honouring the close request it would
        // sit out the host's whole shutdown timeout (30 s) while octopus's murder monkey waits to restart the node.
        var stop = app.StopAsync();
        var finished = await Task.WhenAny(stop, Task.Delay(TimeSpan.FromSeconds(15)));
        Assert.Same(stop, finished);
        await app.DisposeAsync();
        await Wait.UntilAsync(() => !link.IsConnected, "link saw the server go");
    }
}
