using FastDb.Raft;
using FastDb.Server.Cluster;
using FastDb.Server.Replication;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastDb.Server.Tests.Unit;

/// <summary>
/// The edge rules for round-trip probes (Ping/Pong, LatencyProbe) and relayed frames (RelayingTransport): only members
/// count, malformed payloads close the connection, and a relayed Raft message must name its origin as its sender.
/// </summary>
public sealed class ProbeAndRelayFrameTests
{
    private const string SelfAddress = "./node0.sock", Member = "./node1.sock", Other = "./node2.sock", Stranger = "./node9.sock";
    private static readonly ulong Self = NodeAddress.IdOf(SelfAddress), MemberId = NodeAddress.IdOf(Member), OtherId = NodeAddress.IdOf(Other);

    private static HostInput? Read(string from, byte type, ReadOnlySpan<byte> payload)
    {
        var membership = new Membership(new ClusterOptions { SelfAddress = SelfAddress, InitialPeers = [Member, Other], Raft = new RaftOptions { Id = Self } }, NullLogger.Instance);
        var raft = new RaftNode(new RaftOptions { Id = Self }, new Random(1), default, null, []);
        raft.Bootstrap(NodeAddress.ToContext(SelfAddress));
        membership.Attach(raft);
        membership.LearnSender(MemberId, Member, [Self, MemberId, OtherId]);
        membership.LearnSender(OtherId, Other, [Self, MemberId, OtherId]);
        return PeerFrames.Read(from, type, payload, Self, new ReplicatorStatus("follower", 3, MemberId, [Self, MemberId, OtherId], 0, 0, 0, 0, []), membership);
    }

    [Fact]
    public void Pings_and_pongs_count_only_from_members_and_must_be_well_formed()
    {
        var ping = Read(Member, PeerFrames.Ping, [0x85, 0x01])!.Value;
        Assert.Equal((HostInputKind.Pinged, MemberId, 133UL), (ping.Kind, ping.Node, ping.Index));
        Assert.Null(Read(Stranger, PeerFrames.Ping, [1]));
        Assert.Throws<PeerInputException>(() => Read(Member, PeerFrames.Ping, []));
        Assert.Equal(-1, ping.Rank);
        // A leader's ping says whether the receiver is its successor (1) or not (2); nothing else may follow.
        Assert.Equal(0, Read(Member, PeerFrames.Ping, [1, 1])!.Value.Rank);
        Assert.Equal(1, Read(Member, PeerFrames.Ping, [1, 2])!.Value.Rank);
        Assert.Throws<PeerInputException>(() => Read(Member, PeerFrames.Ping, [1, 3]));
        Assert.Throws<PeerInputException>(() => Read(Member, PeerFrames.Ping, [1, 0]));
        Assert.Throws<PeerInputException>(() => Read(Member, PeerFrames.Ping, [1, 1, 1]));
        Assert.Throws<PeerInputException>(() => Read(Member, PeerFrames.Ping, [0x80, 0x80]));

        var bare = Read(Member, PeerFrames.Pong, [7])!.Value;
        Assert.Equal((HostInputKind.Ponged, 7UL), (bare.Kind, bare.Index));
        Assert.Null(bare.Report);
        // Sequence 7, two round trips: to node 3 (id 3) 41.5 ms, to node 1 (id 2) 12.3 ms.
        var report = Read(Member, PeerFrames.Pong, [7, 2, 3, 0x9F, 0x03, 2, 123])!.Value.Report!;
        Assert.Equal([(3UL, 41.5), (2UL, 12.3)], report);
        Assert.Throws<PeerInputException>(() => Read(Member, PeerFrames.Pong, [7, 2, 3, 10]));             // one entry short
        Assert.Throws<PeerInputException>(() => Read(Member, PeerFrames.Pong, [7, 1, 0, 10]));             // node 0
        Assert.Throws<PeerInputException>(() => Read(Member, PeerFrames.Pong, [7, 65]));                   // too many
        Assert.Throws<PeerInputException>(() => Read(Member, PeerFrames.Pong, [7, 1, 3, 0xFF, 0xFF, 0x7F])); // over a minute
        Assert.Throws<PeerInputException>(() => Read(Member, PeerFrames.Pong, [7, 1, 3, 10, 99]));        // trailing
        Assert.Null(Read(Stranger, PeerFrames.Pong, [7]));
    }

    [Fact]
    public void A_relay_frame_is_passed_on_naming_its_sender_and_only_between_members()
    {
        var forward = StateMachineTests.Request("UPDATE t SET a = 1").ToBytes();
        var relay = new byte[forward.Length + 12];
        var n = PeerFrames.WriteRelay(relay, OtherId, PeerFrames.Forward, forward);
        var input = Read(Member, PeerFrames.Relay, relay.AsSpan(0, n))!.Value;
        Assert.Equal((HostInputKind.RelayOut, OtherId), (input.Kind, input.Node));
        var (origin, type, start) = PeerFrames.ReadRelay(input.Forwarded, "relayed");
        Assert.Equal((MemberId, PeerFrames.Forward), (origin, type));
        Assert.Equal(forward, input.Forwarded![start..]);

        Assert.Null(Read(Stranger, PeerFrames.Relay, relay.AsSpan(0, n)));                    // strangers relay nothing
        n = PeerFrames.WriteRelay(relay, NodeAddress.IdOf(Stranger), PeerFrames.Forward, forward);
        Assert.Null(Read(Member, PeerFrames.Relay, relay.AsSpan(0, n)));                      // nor are relayed to
        n = PeerFrames.WriteRelay(relay, OtherId, PeerFrames.Join, "./node2.sock"u8);
        Assert.Throws<PeerInputException>(() => Read(Member, PeerFrames.Relay, relay.AsSpan(0, n))); // membership never travels relayed
        n = PeerFrames.WriteRelay(relay, OtherId, PeerFrames.Relay, forward);
        Assert.Throws<PeerInputException>(() => Read(Member, PeerFrames.Relay, relay.AsSpan(0, n))); // nor relays of relays
        Assert.Throws<PeerInputException>(() => Read(Member, PeerFrames.Relay, [0x80]));
    }

    [Fact]
    public void A_relayed_frame_is_read_as_its_origins()
    {
        var heartbeat = MessageCodec.ToBytes(new Message(MessageType.Heartbeat, OtherId, Self, 3));
        var relayed = new byte[heartbeat.Length + 12];
        var n = PeerFrames.WriteRelay(relayed, OtherId, PeerFrames.Raft, heartbeat);
        var input = Read(Member, PeerFrames.Relayed, relayed.AsSpan(0, n))!.Value;
        Assert.Equal((HostInputKind.Message, OtherId), (input.Kind, input.Message.From));

        // The message carries no sender id of its own: it is the named origin's, to this node, whoever built it
        // (a relay is trusted to name the origin truly, which is why relays are never on with peer TLS).
        var builtAsAnother = MessageCodec.ToBytes(new Message(MessageType.Heartbeat, MemberId, 99, 3));
        n = PeerFrames.WriteRelay(relayed, OtherId, PeerFrames.Raft, builtAsAnother);
        input = Read(Member, PeerFrames.Relayed, relayed.AsSpan(0, n))!.Value;
        Assert.Equal((OtherId, Self), (input.Message.From, input.Message.To));
        n = PeerFrames.WriteRelay(relayed, OtherId, PeerFrames.Raft, heartbeat);
        Assert.Null(Read(Stranger, PeerFrames.Relayed, relayed.AsSpan(0, n)));
        n = PeerFrames.WriteRelay(relayed, Self, PeerFrames.Raft, heartbeat);
        Assert.Null(Read(Member, PeerFrames.Relayed, relayed.AsSpan(0, n)));                  // "from myself"
    }
}
