using System.Net.Sockets;
using FastDb.Server.Cluster;

namespace FastDb.Cluster.Tests;

public sealed class NodeAddressTests
{
    [Fact]
    public void Octopus_names_get_small_ids_and_others_a_hash_that_cannot_collide_with_them()
    {
        Assert.Equal(1UL, NodeAddress.IdOf("./node0.sock"));
        Assert.Equal(5UL, NodeAddress.IdOf("./node4.sock"));
        var other = NodeAddress.IdOf("/var/run/a.sock");
        Assert.True(other >= 1UL << 63);
        Assert.Equal(other, NodeAddress.IdOf("/var/run/a.sock"));
        Assert.NotEqual(other, NodeAddress.IdOf("/var/run/b.sock"));
        Assert.True(NodeAddress.IdOf("127.0.0.1:7000") >= 1UL << 63);
    }

    [Fact]
    public void Addresses_are_advertised_relative_to_the_working_directory()
    {
        Assert.Equal("./node3.sock", NodeAddress.Advertised("/tmp/r/node3/node3.sock", null, 0, "/tmp/r/node3"));
        Assert.Equal("/tmp/elsewhere/x.sock", NodeAddress.Advertised("/tmp/elsewhere/x.sock", null, 0, "/tmp/r/node3"));
        Assert.Equal("localhost:7000", NodeAddress.Advertised(null, "localhost", 7000, "/tmp"));
        Assert.Equal("./node0.sock", NodeAddress.Normalize("node0.sock", "/tmp/r/node3"));
        Assert.Equal("./node0.sock", NodeAddress.Normalize("./node0.sock", "/tmp/r/node3"));
        Assert.Equal("127.0.0.1:7000", NodeAddress.Normalize("127.0.0.1:7000", "/tmp"));
    }

    [Fact]
    public void Peers_are_discovered_from_the_sockets_beside_our_own_and_nothing_else()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"fdb-disc-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        var listeners = new List<Socket>();
        try
        {
            foreach (var name in new[] { "node0.sock", "node2.sock", "node10.sock", "other1.sock" })
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                socket.Bind(new UnixDomainSocketEndPoint(Path.Combine(dir, name)));
                listeners.Add(socket);
            }
            File.WriteAllText(Path.Combine(dir, "node7.sock"), "a regular file is not a peer");
            Directory.CreateDirectory(Path.Combine(dir, "node8.sock"));

            var peers = NodeAddress.DiscoverPeers(Path.Combine(dir, "node1.sock"), dir);
            Assert.Equal(["./node0.sock", "./node10.sock", "./node2.sock"], peers);

            // Not in the working directory, or not numbered: no discovery (the node joins with --join instead).
            Assert.Empty(NodeAddress.DiscoverPeers(Path.Combine(dir, "node1.sock"), Path.GetTempPath()));
            Assert.Empty(NodeAddress.DiscoverPeers(Path.Combine(dir, "fastdb.sock"), dir));
            Assert.Empty(NodeAddress.DiscoverPeers(null, dir));
        }
        finally
        {
            foreach (var s in listeners) s.Dispose();
            Directory.Delete(dir, recursive: true);
        }
    }
}
