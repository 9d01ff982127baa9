// The wire and storage encodings: round trips, compactness (octopus charges every byte), and clear errors
// (FormatException, never anything else) on malformed input.
using System.Buffers;
using FastDb.Raft.Tests.Simulation;

namespace FastDb.Raft.Tests;

public class CodecTests
{
    private static Message RoundTrip(Message m) => MessageCodec.Read(MessageCodec.ToBytes(m), m.From, m.To);

    [Fact]
    public void Append_round_trips_with_entries_and_commit()
    {
        var es = new[]
        {
            new Entry(6, 101, EntryType.Normal, StateMachine.Command(1)),
            new Entry(7, 102, EntryType.Noop, ReadOnlyMemory<byte>.Empty),
            new Entry(7, 103, EntryType.ConfigChange, ConfigChangeCodec.ToBytes(new ConfigChange(ConfigChangeType.AddNode, 4, new byte[] { 1, 2 }))),
        };
        var m = new Message(MessageType.Append, 1, 2, 7, LogTerm: 6, Index: 100, Entries: es, Commit: 99);
        var back = RoundTrip(m);
        Assert.Equal((m.Type, m.From, m.To, m.Term, m.LogTerm, m.Index, m.Commit), (back.Type, back.From, back.To, back.Term, back.LogTerm, back.Index, back.Commit));
        Assert.Equal(3, back.EntryCount);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal((es[i].Term, es[i].Index, es[i].Type), (back.Entries![i].Term, back.Entries[i].Index, back.Entries[i].Type));
            Assert.True(es[i].Data.Span.SequenceEqual(back.Entries[i].Data.Span));
        }
    }

    [Fact]
    public void Flags_and_rejection_hints_round_trip()
    {
        var m = new Message(MessageType.AppendResponse, 3, 1, 9, LogTerm: 4, Index: 500, Reject: true, RejectHint: 321);
        Assert.Equal(m with { Entries = null }, RoundTrip(m) with { Entries = null });
        var v = new Message(MessageType.Vote, 2, 5, 10, LogTerm: 9, Index: 77, Transfer: true);
        Assert.Equal(v, RoundTrip(v));
        var rejoining = new Message(MessageType.AppendResponse, 3, 1, 9, Index: 500, Rejoin: 0xFEDC_BA98_7654_3210);
        Assert.Equal(rejoining with { Entries = null }, RoundTrip(rejoining) with { Entries = null });
    }

    [Fact]
    public void A_rejoin_notice_round_trips_and_malformed_ones_are_refused()
    {
        Assert.True(RejoinNotice.TryRead(RejoinNotice.ToBytes(3, ulong.MaxValue), out var node, out var nonce));
        Assert.Equal((3UL, ulong.MaxValue), (node, nonce));
        Assert.False(RejoinNotice.TryRead([], out _, out _)); // an ordinary noop
        Assert.Throws<FormatException>(() => RejoinNotice.TryRead([3], out _, out _));
        Assert.Throws<FormatException>(() => RejoinNotice.TryRead([0, 5], out _, out _));
        Assert.Throws<FormatException>(() => RejoinNotice.TryRead([3, 5, 0], out _, out _));
        // A nonce flag with a zero nonce is no message an honest node writes.
        var bytes = MessageCodec.ToBytes(new Message(MessageType.AppendResponse, 3, 1, 9, Rejoin: 1));
        bytes[^1] = 0;
        Assert.Throws<FormatException>(() => MessageCodec.Read(bytes, 3, 1));
    }

    [Fact]
    public void Snapshot_round_trips_on_the_wire_and_alone()
    {
        var s = new Snapshot(40, 3, new Dictionary<ulong, ReadOnlyMemory<byte>> { [1] = new byte[] { 9 }, [2] = Array.Empty<byte>() }, new byte[] { 1, 2, 3 });
        var back = RoundTrip(new Message(MessageType.InstallSnapshot, 1, 2, 3, 3, 40, Snapshot: s)).Snapshot!;
        var alone = SnapshotCodec.Read(SnapshotCodec.ToBytes(s));
        foreach (var x in new[] { back, alone })
        {
            Assert.Equal((40UL, 3UL), (x.Index, x.Term));
            Assert.Equal(new ulong[] { 1, 2 }, x.Members.Keys.OrderBy(k => k));
            Assert.True(x.Members[1].Span.SequenceEqual(new byte[] { 9 }));
            Assert.True(x.Data.Span.SequenceEqual(new byte[] { 1, 2, 3 }));
        }
    }

    [Fact]
    public void Config_change_round_trips()
    {
        var cc = new ConfigChange(ConfigChangeType.RemoveNode, 300, "./node2.sock"u8.ToArray());
        var back = ConfigChangeCodec.Read(ConfigChangeCodec.ToBytes(cc));
        Assert.Equal((cc.Type, cc.NodeId), (back.Type, back.NodeId));
        Assert.True(back.Context.Span.SequenceEqual(cc.Context.Span));
    }

    [Fact]
    public void Messages_are_compact()
    {
        // Type, one flags byte, term, two bytes of index or commit: no sender or receiver ids (the connection has them).
        Assert.Equal(5, MessageCodec.ToBytes(new Message(MessageType.Heartbeat, 1, 2, 5, Commit: 1000)).Length);
        Assert.Equal(5, MessageCodec.ToBytes(new Message(MessageType.AppendResponse, 2, 1, 5, Index: 1000)).Length);
        var append = new Message(MessageType.Append, 1, 2, 5, 5, 1000, new[] { new Entry(5, 1001, EntryType.Normal, new byte[30]) }, 999);
        // Type, flags (one byte: an append's fields are the low seven bits), term, log term, index 2, commit 2,
        // count; then the entry's term distance, type and length.
        int n = MessageCodec.ToBytes(append).Length;
        Assert.True(n == 30 + 12, $"an append of one 30-byte command takes {n} bytes");
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0 })]                 // unknown type
    [InlineData(new byte[] { 99, 0 })]             // unknown type
    [InlineData(new byte[] { 5 })]                 // flags missing
    [InlineData(new byte[] { 5, 0xFF, 0x7F })]     // unknown flags
    [InlineData(new byte[] { 5, 1 })]              // term announced, missing
    [InlineData(new byte[] { 5, 0x80, 0x04 })]     // flags past the last known bit (511)
    [InlineData(new byte[] { 7, 0, 0 })]           // trailing byte
    [InlineData(new byte[] { 5, 17, 1, 0 })]       // zero entries announced
    [InlineData(new byte[] { 5, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 })] // varint too long
    public void Malformed_messages_raise_FormatException(byte[] bytes)
    {
        Assert.Throws<FormatException>(() => MessageCodec.Read(bytes, 1, 2));
    }

    [Fact]
    public void Random_and_mutated_bytes_either_decode_or_raise_FormatException()
    {
        var rng = new Random(5);
        var valid = MessageCodec.ToBytes(new Message(MessageType.Append, 1, 2, 7, 6, 100,
            new[] { new Entry(7, 101, EntryType.Normal, StateMachine.Command(3)) }, 99));
        for (int i = 0; i < 20_000; i++)
        {
            byte[] b;
            if (i % 2 == 0) { b = new byte[rng.Next(0, 40)]; rng.NextBytes(b); }
            else { b = (byte[])valid.Clone(); b[rng.Next(b.Length)] = (byte)rng.Next(256); if (rng.Next(3) == 0) b = b[..rng.Next(b.Length)]; }
            try { MessageCodec.Read(b, 1, 2); } catch (FormatException) { }
            try { SnapshotCodec.Read(b); } catch (FormatException) { }
            try { ConfigChangeCodec.Read(b); } catch (FormatException) { }
        }
    }

    [Fact]
    public void Garbage_messages_never_crash_a_node_or_break_the_cluster()
    {
        var net = new ManualNet(3, id => new RaftOptions { Id = id });
        net.Campaign(1);
        net.Deliver();
        var rng = new Random(9);
        for (int i = 0; i < 5_000; i++)
        {
            var b = new byte[rng.Next(1, 60)];
            rng.NextBytes(b);
            b[0] = (byte)rng.Next(1, 12);
            Message m;
            try { m = MessageCodec.Read(b, 1, 2); } catch (FormatException) { continue; }
            // Only from non-members or with stale terms, so it cannot legitimately change anything.
            m = m with { From = 7 + (ulong)rng.Next(5), To = (ulong)rng.Next(1, 4), Term = Math.Min(m.Term, 1) };
            net.Nodes[m.To]!.Step(m);
            net.Process(m.To);
        }
        net.Queue.RemoveAll(m => m.To > 3);
        var r = net.Propose(1, StateMachine.Command(42));
        Assert.Equal(ProposeOutcome.Accepted, r.Outcome);
        net.Deliver(m => m.To <= 3);
        Assert.All(new ulong[] { 1, 2, 3 }, id => Assert.True(net[id].CommitIndex >= r.Index));
    }
}
