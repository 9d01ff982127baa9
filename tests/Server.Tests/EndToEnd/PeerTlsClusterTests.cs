using System.Security.Cryptography.X509Certificates;
using FastDb.Forwarder;
using FastDb.Server.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastDb.Server.Tests.EndToEnd;

/// <summary>
/// Issue 17: a 3-node TCP cluster with mutual TLS on distinct loopback addresses (127.0.0.2-127.0.0.4), its
/// certificates made by `sqlcluster cert`, answering writes through every node; and the outsiders the issue names
/// (a plain preamble, a certificate from another CA, a valid certificate of node A claiming to be node B) refused,
/// with the cluster unaffected.
/// </summary>
[Collection(ServerProcessCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PeerTlsClusterTests
{
    private static readonly string[] Hosts = ["127.0.0.2", "127.0.0.3", "127.0.0.4"];

    private static string Cert(params string[] args)
    {
        var (stdout, stderr, exit) = ChildProcess.Run(ServerProcess.ExecutablePath, ["cert", .. args], "");
        Assert.True(exit == 0, $"sqlcluster cert {string.Join(' ', args)} failed ({exit}): {stderr}{stdout}");
        return stderr;
    }

    private static string[] TlsArgs(int node) =>
        ["--peer-cert-file", $"./n{node}/tls/node.crt", "--peer-key-file", $"./n{node}/tls/node.key", "--peer-trusted-ca-file", "./ca/ca.crt"];

    private static void MakeCertificates(PeerCluster cluster)
    {
        Cert("ca", "--out", Path.Combine(cluster.Root, "ca"));
        for (var i = 0; i < cluster.Count; i++)
            Cert("node", "--ca", Path.Combine(cluster.Root, "ca"), "--name", cluster.Address(i), "--out", Path.Combine(cluster.Root, $"n{i}", "tls"));
    }

    [Fact]
    public async Task A_mutual_tls_cluster_answers_through_every_node_and_refuses_outsiders()
    {
        await using var cluster = await PeerCluster.StartAsync(3, tcp: true, hosts: Hosts, extraArgs: TlsArgs, prepare: MakeCertificates);

        // The key files are the owner's only; the certificates name the nodes.
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(cluster.Root, "ca", "ca.key")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(cluster.Root, "n1", "tls", "node.key")));
        using var nodeCert = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(cluster.Root, "n1", "tls", "node.crt")));
        Assert.Equal(cluster.Address(1), PeerCertificates.IdentityOf(nodeCert));

        var serving = await ServingCheck.StartAsync(cluster);
        Task AssertServing(string after) => serving.AssertServingAsync(after);
        await AssertServing("start");
        var (leader, _, term) = await cluster.LeaderAsync();

        // 1. A plain preamble naming a member, then a forged higher-term heartbeat: closed before any frame is read.
        using (var plain = await cluster.ConnectPeerAsync(leader, cluster.Address((leader + 1) % 3)))
        {
            await plain.SendRaftAsync(new FastDb.Raft.Message(FastDb.Raft.MessageType.Heartbeat,
                FastDb.Server.Cluster.NodeAddress.IdOf(cluster.Address((leader + 1) % 3)), FastDb.Server.Cluster.NodeAddress.IdOf(cluster.Address(leader)), term + 5));
            Assert.True(await plain.ClosedByNodeAsync(), "the node kept a plain peer connection open");
        }
        await WaitForStderr(cluster, leader, "plain peer connection refused");

        var ca = X509Certificate2.CreateFromPemFile(Path.Combine(cluster.Root, "ca", "ca.crt"), Path.Combine(cluster.Root, "ca", "ca.key"));
        var outsiderAddress = $"127.0.0.5:{PeerCluster.FreePort("127.0.0.5")}";

        // 2. A certificate from another CA (the outsider would accept the node's; the node refuses its).
        var otherCa = PeerCertificates.CreateAuthority("not the cluster's CA");
        var foreign = PeerCertificates.CreateNode(otherCa, outsiderAddress);
        await SendThroughTlsAsync(foreign, ca, outsiderAddress, cluster.Address(leader));
        await WaitForStderr(cluster, leader, "peer TLS handshake failed");

        // 3. Node A's valid certificate (a copy of its files) used to speak as node B.
        var nodeA = (leader + 1) % 3;
        var nodeB = (leader + 2) % 3;
        var stolen = X509Certificate2.CreateFromPemFile(Path.Combine(cluster.Root, $"n{nodeA}", "tls", "node.crt"), Path.Combine(cluster.Root, $"n{nodeA}", "tls", "node.key"));
        await SendThroughTlsAsync(stolen, ca, cluster.Address(nodeB), cluster.Address(leader));
        await WaitForStderr(cluster, leader, $"the certificate is for '{cluster.Address(nodeA)}'");

        await AssertServing("the outsiders");
        var (_, _, termAfter) = await cluster.LeaderAsync();
        Assert.True(termAfter < term + 5, $"the forged term reached the cluster: term {term} -> {termAfter}");
        for (var i = 0; i < cluster.Count; i++)
        {
            using var status = await cluster.StatusAsync(i);
            Assert.Equal(3, status!.RootElement.GetProperty("members").GetArrayLength());
        }
    }

    [Fact]
    public void A_node_refuses_to_start_with_a_certificate_for_another_address()
    {
        var root = Directory.CreateTempSubdirectory("fastdb-tls-").FullName;
        try
        {
            Cert("ca", "--out", Path.Combine(root, "ca"));
            Cert("node", "--ca", Path.Combine(root, "ca"), "--name", "127.0.0.2:1", "--out", Path.Combine(root, "tls"));
            var again = ChildProcess.Run(ServerProcess.ExecutablePath, ["cert", "ca", "--out", Path.Combine(root, "ca")], "");
            Assert.NotEqual(0, again.ExitCode); // never overwrites a key
            var port = PeerCluster.FreePort("127.0.0.2");
            var (_, stderr, exit) = ChildProcess.Run(ServerProcess.ExecutablePath,
                ["-l", $"127.0.0.2:{port}", "-d", Path.Combine(root, "data"), "--peer-cert-file", Path.Combine(root, "tls", "node.crt"),
                 "--peer-key-file", Path.Combine(root, "tls", "node.key"), "--peer-trusted-ca-file", Path.Combine(root, "ca", "ca.crt")], "");
            Assert.Equal(1, exit);
            Assert.Contains("is the certificate of '127.0.0.2:1'", stderr, StringComparison.Ordinal);
            var (_, unixErr, unixExit) = ChildProcess.Run(ServerProcess.ExecutablePath,
                ["-l", Path.Combine(root, "x.sock"), "-d", Path.Combine(root, "data2"), "--peer-cert-file", "a", "--peer-key-file", "b", "--peer-trusted-ca-file", "c"], "");
            Assert.NotEqual(0, unixExit);
            Assert.Contains("Unix sockets are guarded by their file permissions", unixErr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>A real PeerLink with <paramref name="certificate"/>, naming itself <paramref name="claimedName"/>, sending a forged heartbeat.</summary>
    private static async Task SendThroughTlsAsync(X509Certificate2 certificate, X509Certificate2 trusted, string claimedName, string target)
    {
        var tls = new PeerTls(certificate, trusted, checkOwn: false); // an outsider presents what it has
        await using var link = new PeerLink(claimedName, target, NullLogger.Instance, new PeerLinkOptions
        {
            Tls = tls,
            // One attempt in the time it sends: each refusal is logged, and the node's close log is rate-limited.
            InitialReconnectDelay = TimeSpan.FromSeconds(10),
            MaxReconnectDelay = TimeSpan.FromSeconds(10),
        });
        link.Start();
        var heartbeat = FastDb.Raft.MessageCodec.ToBytes(new FastDb.Raft.Message(FastDb.Raft.MessageType.Heartbeat,
            FastDb.Server.Cluster.NodeAddress.IdOf(claimedName), FastDb.Server.Cluster.NodeAddress.IdOf(target), 1_000));
        for (var i = 0; i < 20; i++)
        {
            link.TrySend(1, heartbeat);
            await Task.Delay(50);
        }
    }

    private static async Task WaitForStderr(PeerCluster cluster, int node, string text)
    {
        for (var i = 0; i < 200 && !cluster.Stderr(node).Contains(text, StringComparison.Ordinal); i++) await Task.Delay(50);
        Assert.True(cluster.Stderr(node).Contains(text, StringComparison.Ordinal), $"node {node} never logged '{text}':\n{cluster.Stderr(node)}");
    }
}
