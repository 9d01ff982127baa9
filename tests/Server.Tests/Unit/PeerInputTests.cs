using System.Text;
using FastDb.Raft;
using FastDb.Server.Cluster;
using FastDb.Server.StateMachine;

namespace FastDb.Server.Tests.Unit;

/// <summary>
/// The edge check of everything a peer sends (PeerInput): what honest nodes send passes; each hostile input of
/// issue 13 is refused with a reason; and seeded fuzzing (mutations of honest messages) only ever yields a message
/// that passed every check or a FormatException. FASTDB_SEED=n replays a seed.
/// </summary>
public sealed class PeerInputTests
{
    private const string Leader = "./node0.sock";  // id 1
    private const string Follower = "./node1.sock"; // id 2
    private static int Seed => int.TryParse(Environment.GetEnvironmentVariable("FASTDB_SEED"), out var s) ? s : 20261201;

    private static byte[] AddNode(string address) =>
        ConfigChangeCodec.ToBytes(new ConfigChange(ConfigChangeType.AddNode, NodeAddress.IdOf(address), Encoding.UTF8.GetBytes(address)));

    private static Message HonestAppend() => new(MessageType.Append, 1, 2, 7, LogTerm: 6, Index: 10, Commit: 9, Entries:
    [
        new Entry(6, 11, EntryType.Normal, StateMachineTests.Request("UPDATE t SET a = 1").ToBytes()),
        new Entry(7, 12, EntryType.Noop, ReadOnlyMemory<byte>.Empty),
        new Entry(7, 13, EntryType.ConfigChange, AddNode("./node2.sock")),
    ]);

    private static (byte[] Image, ulong Index) StateMachineImage()
    {
        var machine = new ReplicatedStateMachine(dedupMaxCount: 100, dedupMaxAgeMs: 60_000);
        machine.Apply(1, StateMachineTests.Request("CREATE TABLE t(a INT); INSERT INTO t VALUES(1)").ToBytes());
        machine.Apply(2, StateMachineTests.Request("INSERT INTO t VALUES(2)").ToBytes());
        using var stream = new MemoryStream();
        machine.WriteSnapshot(stream);
        return (stream.ToArray(), 2);
    }

    private static Message HonestSnapshot()
    {
        var (image, index) = StateMachineImage();
        var members = new Dictionary<ulong, ReadOnlyMemory<byte>>
        {
            [1] = Encoding.UTF8.GetBytes(Leader),
            [2] = Encoding.UTF8.GetBytes(Follower),
        };
        return new Message(MessageType.InstallSnapshot, 1, 2, 7, LogTerm: 5, Index: index, Snapshot: new Snapshot(index, 5, members, image));
    }

    private static Message Read(Message m, string sender = Leader, ulong receiverTerm = 7) =>
        PeerInput.ReadRaftMessage(MessageCodec.ToBytes(m), sender, m.To, receiverTerm);

    private static string Refusal(Action check) => Assert.ThrowsAny<FormatException>(check).Message;

    [Fact]
    public void What_honest_nodes_send_passes()
    {
        Assert.Equal(3, Read(HonestAppend()).EntryCount);
        Assert.NotNull(Read(HonestSnapshot()).Snapshot);
        Read(new Message(MessageType.Heartbeat, 1, 2, 7, Commit: 12));
        Read(new Message(MessageType.AppendResponse, 2, 1, 7, LogTerm: 3, Index: 40, Reject: true, RejectHint: 20), sender: Follower);
        Read(new Message(MessageType.PreVote, 2, 1, 8, LogTerm: 7, Index: 13), sender: Follower);
        Read(new Message(MessageType.Vote, 2, 1, 8, LogTerm: 7, Index: 13, Transfer: true), sender: Follower);
        Assert.Equal("./node3.sock", PeerInput.ReadJoinAddress("./node3.sock"u8));
        Assert.Equal("127.0.0.1:7003", PeerInput.ReadJoinAddress("127.0.0.1:7003"u8));
        Assert.Equal("db-3.example:7003", PeerInput.ReadJoinAddress("db-3.example:7003"u8));
        Assert.Null(PeerInput.ValidatePeerName("./n1/node.sock"));
        PeerInput.CheckClientRequest(StateMachineTests.Request("SELECT 1").ToBytes(), "forward");
    }

    [Theory]
    [InlineData("x")]
    [InlineData("")]
    [InlineData("host:99999")]
    [InlineData("./node\n.sock")]
    [InlineData("bad host:80")]
    [InlineData("_under:80")]
    public void Join_and_preamble_names_that_are_not_node_addresses_are_refused(string address)
    {
        Refusal(() => PeerInput.ReadJoinAddress(Encoding.UTF8.GetBytes(address)));
        Assert.NotNull(PeerInput.ValidatePeerName(address));
    }

    [Fact]
    public void Join_addresses_too_long_for_a_preamble_or_not_utf8_are_refused()
    {
        Refusal(() => PeerInput.ReadJoinAddress(Encoding.UTF8.GetBytes("./" + new string('a', 300) + ".sock")));
        Refusal(() => PeerInput.ReadJoinAddress([0x2E, 0x2F, 0xFF, 0xFE]));
    }

    [Fact]
    public void Terms_that_would_wrap_or_jump_are_refused()
    {
        Assert.Contains("implausible", Refusal(() => Read(new Message(MessageType.Heartbeat, 1, 2, ulong.MaxValue))));
        Assert.Contains("implausible", Refusal(() => Read(new Message(MessageType.Heartbeat, 1, 2, 7 + RaftLimits.MaxTermAhead + 1))));
        Assert.Contains("implausible", Refusal(() => Read(new Message(MessageType.Heartbeat, 1, 2, RaftLimits.MaxTerm + 1), receiverTerm: RaftLimits.MaxTerm)));
        Refusal(() => Read(new Message(MessageType.Vote, 2, 1, 8, LogTerm: 9), sender: Follower));
    }

    [Fact]
    public void A_message_comes_from_the_id_of_its_sender_whatever_it_was_built_with()
    {
        // The wire has no sender id: a message built as node 3's but sent on the leader's connection is the leader's.
        Assert.Equal(1UL, Read(new Message(MessageType.Heartbeat, 3, 2, 7), sender: Leader).From);
        Assert.Equal(2UL, Read(new Message(MessageType.Heartbeat, 3, 2, 7), sender: Leader).To);
        // One decoded some other way is held to the same rule.
        Assert.Contains("has id", Refusal(() => PeerInput.CheckRaftMessage(new Message(MessageType.Heartbeat, 3, 2, 7), Leader, 7)));
    }

    [Fact]
    public void Config_changes_that_do_not_decode_or_name_a_bad_address_are_refused()
    {
        byte[] type7 = [7, 5, 1, (byte)'x'];
        Assert.Contains("unknown config change type 7", Refusal(() => Read(WithEntry(EntryType.ConfigChange, type7))));
        var badAddress = ConfigChangeCodec.ToBytes(new ConfigChange(ConfigChangeType.AddNode, NodeAddress.IdOf("x"), "x"u8.ToArray()));
        Assert.Contains("invalid address", Refusal(() => Read(WithEntry(EntryType.ConfigChange, badAddress))));
        var wrongId = ConfigChangeCodec.ToBytes(new ConfigChange(ConfigChangeType.AddNode, 42, "./node2.sock"u8.ToArray()));
        Assert.Contains("is not the id of", Refusal(() => Read(WithEntry(EntryType.ConfigChange, wrongId))));
        Assert.Contains("not a client request", Refusal(() => Read(WithEntry(EntryType.Normal, [9, 9, 9]))));
        Assert.Contains("carries data", Refusal(() => Read(WithEntry(EntryType.Noop, [1]))));
        Read(WithEntry(EntryType.Noop, RejoinNotice.ToBytes(2, 77))); // a rejoin notice is the one noop with data
    }

    private static Message WithEntry(EntryType type, byte[] data) =>
        new(MessageType.Append, 1, 2, 7, LogTerm: 7, Index: 10, Entries: [new Entry(7, 11, type, data)]);

    [Fact]
    public void Forged_snapshots_are_refused_unless_every_part_decodes()
    {
        var honest = HonestSnapshot();
        var s = honest.Snapshot!;
        Assert.Contains("does not decode", Refusal(() => Read(honest with { Snapshot = s with { Data = new byte[] { 1, 2, 3 } } })));
        var image = s.Data.ToArray()[..^3]; // the engine's part of the image cut short
        Assert.Contains("does not decode", Refusal(() => Read(honest with { Snapshot = s with { Data = image } })));
        Assert.Contains("its metadata says", Refusal(() => Read(honest with { Index = 9, Snapshot = s with { Index = 9 } })));
        var badMember = new Dictionary<ulong, ReadOnlyMemory<byte>>(s.Members) { [NodeAddress.IdOf("x")] = "x"u8.ToArray() };
        Assert.Contains("invalid address", Refusal(() => Read(honest with { Snapshot = s with { Members = badMember } })));
        Assert.Contains("no members", Refusal(() => Read(honest with { Snapshot = s with { Members = new Dictionary<ulong, ReadOnlyMemory<byte>>() } })));
        Refusal(() => Read(honest with { LogTerm = 4 })); // metadata differs from the message's
    }

    [Fact]
    public void Fuzzed_messages_either_pass_every_check_or_are_refused_with_a_FormatException()
    {
        var random = new Random(Seed);
        var honest = new[] { MessageCodec.ToBytes(HonestAppend()), MessageCodec.ToBytes(HonestSnapshot()),
            MessageCodec.ToBytes(new Message(MessageType.Heartbeat, 1, 2, 7, Commit: 12)) };
        int passed = 0, refused = 0;
        for (int run = 0; run < 3000; run++)
        {
            var bytes = honest[run % honest.Length].ToList();
            for (int m = 0, n = random.Next(1, 4); m < n; m++)
            {
                int at = random.Next(bytes.Count);
                switch (random.Next(4))
                {
                    case 0: bytes[at] ^= (byte)(1 << random.Next(8)); break;
                    case 1: bytes[at] = (byte)random.Next(256); break;
                    case 2: bytes.RemoveAt(at); break;
                    default: bytes.Insert(at, (byte)random.Next(256)); break;
                }
            }
            try
            {
                var message = PeerInput.ReadRaftMessage(bytes.ToArray(), Leader, 2, 7);
                PeerInput.CheckRaftMessage(message, Leader, 7); // what passed is consistent
                passed++;
            }
            catch (FormatException)
            {
                refused++;
            }
        }
        Assert.True(passed > 50 && refused > 1000, $"both outcomes exercised ({passed} passed, {refused} refused)");
    }

    [Fact]
    public void Fuzzed_forwards_and_joins_either_pass_or_are_refused_with_a_FormatException()
    {
        var random = new Random(Seed + 1);
        var request = StateMachineTests.Request("UPDATE t SET a = a + 1 WHERE a = 2").ToBytes();
        for (int run = 0; run < 3000; run++)
        {
            var bytes = (byte[])request.Clone();
            bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            var cut = bytes[..random.Next(bytes.Length + 1)];
            foreach (var input in new[] { bytes, cut })
            {
                // The allocation-free check accepts exactly what the decoder accepts.
                bool decodes;
                try { ClientRequest.ReadFrom(input); decodes = true; } catch (FormatException) { decodes = false; }
                Assert.Equal(decodes, ClientRequest.IsWellFormed(input, out _));
                try { PeerInput.CheckClientRequest(input, "forward"); } catch (FormatException) { }
                try { PeerInput.ReadJoinAddress(input); } catch (FormatException) { }
            }
        }
    }
}
