using System.Text;
using FastDb.Server.Cluster;
using FastDb.Server.Replication;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastDb.Server.Tests.Unit;

/// <summary>
/// Issue 17's rules for membership frames at the edge: client requests enter only through members, a node may ask to
/// join only as itself unless a member passes it on, remove requests only from members, and a "you were removed"
/// notice counts only from a member.
/// </summary>
public sealed class MembershipFrameTests
{
    private const string Member = "./node1.sock", Stranger = "./node9.sock";
    private static readonly ulong Self = NodeAddress.IdOf("./node0.sock");

    private static ReplicatorStatus Status() =>
        new("follower", 3, Self, [Self, NodeAddress.IdOf(Member)], 0, 0, 0, 0, []);

    private static HostInput? Read(string from, byte type, ReadOnlySpan<byte> payload)
    {
        var membership = new Membership(new ClusterOptions { SelfAddress = "./node0.sock", Raft = new FastDb.Raft.RaftOptions { Id = Self } }, NullLogger.Instance);
        return PeerFrames.Read(from, type, payload, Self, Status(), membership);
    }

    [Fact]
    public void Forwarded_requests_count_only_from_members()
    {
        var request = StateMachineTests.Request("UPDATE t SET a = 1").ToBytes();
        Assert.Equal(HostInputKind.Forwarded, Read(Member, PeerFrames.Forward, request)!.Value.Kind);
        Assert.Null(Read(Stranger, PeerFrames.Forward, request));
    }

    [Fact]
    public void A_stranger_may_ask_to_join_only_as_itself()
    {
        Assert.Equal(Stranger, Read(Stranger, PeerFrames.Join, Encoding.UTF8.GetBytes(Stranger))!.Value.JoinAddress);
        Assert.Throws<PeerInputException>(() => Read(Stranger, PeerFrames.Join, "./node8.sock"u8));
        Assert.Equal("./node8.sock", Read(Member, PeerFrames.Join, "./node8.sock"u8)!.Value.JoinAddress); // a member passes it on
    }

    [Fact]
    public void Removal_requests_and_notices_count_only_from_members()
    {
        var id = PeerInput.NodeIdBytes(NodeAddress.IdOf(Member));
        Assert.Equal(NodeAddress.IdOf(Member), Read(Member, PeerFrames.Remove, id)!.Value.Node);
        Assert.Throws<PeerInputException>(() => Read(Stranger, PeerFrames.Remove, id));
        Assert.Throws<PeerInputException>(() => Read(Member, PeerFrames.Remove, new byte[7]));
        Assert.Throws<PeerInputException>(() => Read(Member, PeerFrames.Remove, new byte[8])); // node 0
        Assert.Equal(HostInputKind.ToldRemoved, Read(Member, PeerFrames.Removed, [])!.Value.Kind);
        Assert.Null(Read(Stranger, PeerFrames.Removed, []));
        Assert.Throws<PeerInputException>(() => Read(Member, PeerFrames.Removed, [1]));
    }
}
