using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace FastDb.Forwarder.Tests;

/// <summary>
/// Mutual TLS on TCP peer links (issue 17): a link whose certificate chains to the cluster CA and names the node it
/// speaks as is served; a plain one, one from another CA, and a valid certificate of node A claiming to be node B are
/// closed before any frame reaches the handler. The dialing side checks the listener's certificate names the address.
/// </summary>
public sealed class PeerTlsTests
{
    private static readonly X509Certificate2 Ca = PeerCertificates.CreateAuthority("test cluster CA");
    private static readonly X509Certificate2 OtherCa = PeerCertificates.CreateAuthority("another CA");

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static PeerTls Tls(string address, X509Certificate2? issuer = null) =>
        new(PeerCertificates.CreateNode(issuer ?? Ca, address), issuer ?? Ca);

    /// <summary>A TLS listener for <paramref name="address"/> with the cluster CA.</summary>
    private static PeerListener Listen(string address, RecordingHandler handler, ListLogger log)
    {
        var listener = new PeerListener(address, handler, log, new PeerProtocolOptions { Tls = Tls(address), ValidatePeerName = _ => null });
        listener.Start();
        return listener;
    }

    private static async Task<bool> SendsAsync(PeerLink link, RecordingHandler handler)
    {
        // Connected, then a frame; a refused link never delivers it (bounded wait, no timing assertion on success).
        for (var i = 0; i < 40; i++)
        {
            link.TrySend(7, [1, 2, 3]);
            if (!handler.Frames.IsEmpty) return true;
            await Task.Delay(50);
        }
        return !handler.Frames.IsEmpty;
    }

    [Fact]
    public async Task Frames_arrive_over_mutual_tls_named_as_the_certificate_says()
    {
        var server = $"127.0.0.1:{FreePort()}";
        var client = $"127.0.0.1:{FreePort()}";
        var handler = new RecordingHandler();
        var log = new ListLogger();
        await using var listener = Listen(server, handler, log);
        await using var link = new PeerLink(client, server, log, new PeerLinkOptions { Tls = Tls(client) });
        link.Start();
        await Wait.UntilAsync(() => link.IsConnected, "TLS link connected");
        for (var i = 0; i < 50; i++) Assert.True(link.TrySend(5, BitConverter.GetBytes(i)));
        await Wait.UntilAsync(() => handler.Frames.Count == 50, "50 frames over TLS");
        Assert.Equal(Enumerable.Range(0, 50), handler.Frames.Select(f => BitConverter.ToInt32(f.Payload)));
        Assert.All(handler.Frames, f => Assert.Equal(client, f.Peer));
        Assert.True(link.BytesSent > 0);
    }

    [Fact]
    public async Task A_plain_peer_gets_nothing_from_a_tls_node()
    {
        var server = $"127.0.0.1:{FreePort()}";
        var handler = new RecordingHandler();
        var log = new ListLogger();
        await using var listener = Listen(server, handler, log);
        await using var link = new PeerLink("127.0.0.1:1", server, log);
        link.Start();
        Assert.False(await SendsAsync(link, handler));
        Assert.Empty(handler.Connected);
        await Wait.UntilAsync(() => log.Contains("plain peer connection refused"), "the refusal logged");
    }

    [Fact]
    public async Task A_certificate_from_another_ca_is_refused()
    {
        var server = $"127.0.0.1:{FreePort()}";
        var client = $"127.0.0.1:{FreePort()}";
        var handler = new RecordingHandler();
        var log = new ListLogger();
        await using var listener = Listen(server, handler, log);
        // The outsider trusts the cluster CA (so it would accept the server) but holds a certificate of its own CA.
        var outsider = new PeerTls(PeerCertificates.CreateNode(OtherCa, client), Ca, checkOwn: false);
        await using var link = new PeerLink(client, server, log, new PeerLinkOptions { Tls = outsider });
        link.Start();
        Assert.False(await SendsAsync(link, handler));
        Assert.Empty(handler.Connected);
        await Wait.UntilAsync(() => log.Contains("peer TLS handshake failed"), "the handshake refusal logged");
    }

    [Fact]
    public async Task A_valid_certificate_of_node_a_cannot_speak_as_node_b()
    {
        var server = $"127.0.0.1:{FreePort()}";
        var nodeA = $"127.0.0.1:{FreePort()}";
        var nodeB = $"127.0.0.1:{FreePort()}";
        var handler = new RecordingHandler();
        var log = new ListLogger();
        await using var listener = Listen(server, handler, log);
        await using var link = new PeerLink(nodeB, server, log, new PeerLinkOptions { Tls = Tls(nodeA) });
        link.Start();
        Assert.False(await SendsAsync(link, handler));
        Assert.Empty(handler.Connected);
        await Wait.UntilAsync(() => log.Contains($"the certificate is for '{nodeA}'"), "the identity mismatch logged");
    }

    [Fact]
    public async Task The_dialing_side_refuses_a_listener_whose_certificate_names_another_node()
    {
        var server = $"127.0.0.1:{FreePort()}";
        var impostorName = $"127.0.0.1:{FreePort()}";
        var client = $"127.0.0.1:{FreePort()}";
        var handler = new RecordingHandler();
        var log = new ListLogger();
        // Listening at `server` with a valid certificate for another node.
        await using var listener = new PeerListener(server, handler, log, new PeerProtocolOptions { Tls = Tls(impostorName) });
        listener.Start();
        await using var link = new PeerLink(client, server, log, new PeerLinkOptions { Tls = Tls(client) });
        link.Start();
        Assert.False(await SendsAsync(link, handler));
        Assert.Empty(handler.Connected);
        await Wait.UntilAsync(() => log.Contains($"presented the certificate of '{impostorName}'"), "the client's refusal logged");
    }

    [Fact]
    public async Task A_tls_peer_is_refused_by_a_node_without_tls_and_plain_peers_still_work()
    {
        var server = $"127.0.0.1:{FreePort()}";
        var client = $"127.0.0.1:{FreePort()}";
        var handler = new RecordingHandler();
        var log = new ListLogger();
        await using var listener = new PeerListener(server, handler, log, new PeerProtocolOptions { PlainPeersFromLoopbackOnly = true });
        listener.Start();
        await using (var tlsLink = new PeerLink(client, server, log, new PeerLinkOptions { Tls = Tls(client) }))
        {
            tlsLink.Start();
            Assert.False(await SendsAsync(tlsLink, handler));
        }
        await using var plain = new PeerLink(client, server, log);
        plain.Start();
        Assert.True(await SendsAsync(plain, handler)); // loopback: served
    }

    [Fact]
    public void Loopback_and_unix_peers_count_as_local_and_others_do_not()
    {
        Assert.True(InboundPeerConnection.IsLoopbackOrLocal(new IPEndPoint(IPAddress.Parse("127.0.0.3"), 1)));
        Assert.True(InboundPeerConnection.IsLoopbackOrLocal(new IPEndPoint(IPAddress.IPv6Loopback, 1)));
        Assert.True(InboundPeerConnection.IsLoopbackOrLocal(new IPEndPoint(IPAddress.Parse("::ffff:127.0.0.1"), 1)));
        Assert.True(InboundPeerConnection.IsLoopbackOrLocal(new UnixDomainSocketEndPoint("/tmp/x.sock")));
        Assert.False(InboundPeerConnection.IsLoopbackOrLocal(new IPEndPoint(IPAddress.Parse("10.0.0.2"), 1)));
        Assert.False(InboundPeerConnection.IsLoopbackOrLocal(new IPEndPoint(IPAddress.Parse("::ffff:192.168.1.1"), 1)));
    }

    [Fact]
    public void Node_certificates_carry_their_identity_and_verify_only_against_their_ca()
    {
        var node = PeerCertificates.CreateNode(Ca, "127.0.0.2:4001");
        Assert.Equal("127.0.0.2:4001", PeerCertificates.IdentityOf(node));
        Assert.Equal("127.0.0.2:4001", PeerCertificates.Verify(node, Ca, asClient: true, out _));
        Assert.Null(PeerCertificates.Verify(node, OtherCa, asClient: true, out var error));
        Assert.NotNull(error);
        // The CA itself is no node certificate.
        Assert.Null(PeerCertificates.Verify(Ca, Ca, asClient: true, out _));
        Assert.NotNull(PeerCertificates.ValidateIdentity("./node0.sock"));
        Assert.Throws<ArgumentException>(() => PeerCertificates.CreateNode(Ca, "no port"));
    }
}
