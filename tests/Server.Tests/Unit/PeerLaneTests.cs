using FastDb.Raft;
using FastDb.Server.Cluster;

namespace FastDb.Server.Tests.Unit;

/// <summary>
/// Which connection to a peer each frame takes (PeerLinks' lanes): only frames that need no order go off the main
/// lane, and Raft messages are told apart by their encoded type, so a codec change that moved the type byte fails here.
/// </summary>
public sealed class PeerLaneTests
{
    private static int LaneOfRaft(Message m) => PeerLinks.LaneOf(PeerFrames.Raft, MessageCodec.ToBytes(m));

    [Fact]
    public void Acknowledgements_and_forwarded_requests_get_lanes_of_their_own()
    {
        Assert.Equal(PeerLinks.AckLane, LaneOfRaft(new Message(MessageType.AppendResponse, 2, 1, Term: 3, Index: 40)));
        Assert.Equal(PeerLinks.AckLane, LaneOfRaft(new Message(MessageType.AppendResponse, 2, 1, Term: 3, Index: 40, Reject: true, RejectHint: 7)));
        Assert.Equal(PeerLinks.ForwardLane, PeerLinks.LaneOf(PeerFrames.Forward, [1, 2, 3]));
        Assert.Equal(PeerLinks.ForwardLane, PeerLinks.LaneOf(PeerFrames.ReadAsk, [1]));
        Assert.Equal(PeerLinks.ForwardLane, PeerLinks.LaneOf(PeerFrames.ReadAnswer, [1]));
    }

    [Fact]
    public void Everything_whose_order_matters_stays_on_the_main_lane()
    {
        foreach (var type in new[] { MessageType.Append, MessageType.CommitNotice, MessageType.Heartbeat, MessageType.HeartbeatResponse,
                     MessageType.PreVote, MessageType.PreVoteResponse, MessageType.Vote, MessageType.VoteResponse, MessageType.TimeoutNow })
            Assert.Equal(PeerLinks.MainLane, LaneOfRaft(new Message(type, 1, 2, Term: 3, Commit: 5)));
        foreach (var frame in new[] { PeerFrames.Join, PeerFrames.Remove, PeerFrames.Removed, PeerFrames.Relay, PeerFrames.Relayed, PeerFrames.Ping, PeerFrames.Pong })
            Assert.Equal(PeerLinks.MainLane, PeerLinks.LaneOf(frame, [(byte)MessageType.AppendResponse]));
        Assert.Equal(PeerLinks.MainLane, PeerLinks.LaneOf(PeerFrames.Raft, []));
    }
}
