// What a hostile or broken peer can hand the Raft core: seeded fuzzing of the message, config change and snapshot
// decoders (FormatException or a value, never anything else, never an allocation sized by a claimed count), and
// the term bounds that keep a forged term from wrapping or wedging the cluster. FASTDB_SEED=n replays a seed.
using System.Buffers;

namespace FastDb.Raft.Tests;

public class HostileInputTests
{
    private static int Seed => int.TryParse(Environment.GetEnvironmentVariable("FASTDB_SEED"), out var s) ? s : 20261201;

    private static Message RandomMessage(Random r)
    {
        var type = (MessageType)r.Next(1, 12);
        ulong term = (ulong)r.Next(1, 1000);
        Entry[]? entries = null;
        Snapshot? snapshot = null;
        ulong index = (ulong)r.Next(0, 10_000);
        if (type == MessageType.Append && r.Next(2) == 0)
        {
            entries = new Entry[r.Next(1, 5)];
            for (int i = 0; i < entries.Length; i++)
            {
                var et = (EntryType)r.Next(3);
                byte[] data = et switch
                {
                    EntryType.ConfigChange => ConfigChangeCodec.ToBytes(new ConfigChange((ConfigChangeType)r.Next(2), (ulong)r.Next(1, 9), "./node1.sock"u8.ToArray())),
                    EntryType.Noop => [],
                    _ => RandomBytes(r, 20),
                };
                entries[i] = new Entry(term, index + 1 + (ulong)i, et, data);
            }
        }
        if (type == MessageType.InstallSnapshot)
        {
            var members = new Dictionary<ulong, ReadOnlyMemory<byte>> { [1] = "./node0.sock"u8.ToArray(), [2] = "./node1.sock"u8.ToArray() };
            snapshot = new Snapshot(index + 1, term, members, RandomBytes(r, 40));
        }
        return new Message(type, (ulong)r.Next(1, 300), (ulong)r.Next(1, 300), term, LogTerm: term - (ulong)r.Next(0, (int)term),
            Index: index, Entries: entries, Commit: (ulong)r.Next(0, 100), Reject: r.Next(4) == 0, RejectHint: (ulong)r.Next(0, 3),
            Transfer: r.Next(8) == 0, Snapshot: snapshot);
    }

    private static byte[] RandomBytes(Random r, int max)
    {
        var b = new byte[r.Next(0, max)];
        r.NextBytes(b);
        return b;
    }

    private static byte[] Mutate(Random r, byte[] valid)
    {
        var bytes = valid.ToList();
        for (int m = 0, n = r.Next(1, 4); m < n; m++)
        {
            switch (r.Next(5))
            {
                case 0 when bytes.Count > 0: bytes[r.Next(bytes.Count)] ^= (byte)(1 << r.Next(8)); break;
                case 1 when bytes.Count > 0: bytes[r.Next(bytes.Count)] = (byte)r.Next(256); break;
                case 2 when bytes.Count > 0: bytes.RemoveAt(r.Next(bytes.Count)); break;
                case 3: bytes.Insert(r.Next(bytes.Count + 1), (byte)r.Next(256)); break;
                default: bytes.InsertRange(r.Next(bytes.Count + 1), Enumerable.Repeat((byte)0xFF, r.Next(1, 11))); break;
            }
        }
        return [.. bytes];
    }

    /// <summary>Runs a decoder on an input: a value or a FormatException; allocation bounded by the input's size.</summary>
    private static bool Decodes(Action decode, int inputLength)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            decode();
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
        finally
        {
            // Copies of the input, an entry array and a dictionary sized by what is really there: never by a claim.
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < 4096 + 64L * inputLength, $"decoding {inputLength} bytes allocated {allocated} bytes");
        }
    }

    [Fact]
    public void Message_decoder_returns_a_message_or_a_FormatException_for_every_input()
    {
        var r = new Random(Seed);
        int ok = 0, refused = 0;
        for (int run = 0; run < 6000; run++)
        {
            byte[] input = run % 4 == 0 ? RandomBytes(r, 80) : Mutate(r, MessageCodec.ToBytes(RandomMessage(r)));
            if (Decodes(() => MessageCodec.Read(input, 1, 2), input.Length)) ok++;
            else refused++;
        }
        Assert.True(ok > 500 && refused > 500, $"both outcomes exercised ({ok} decoded, {refused} refused)");
    }

    [Fact]
    public void Config_change_and_snapshot_decoders_return_a_value_or_a_FormatException_for_every_input()
    {
        var r = new Random(Seed + 1);
        int ok = 0, refused = 0;
        for (int run = 0; run < 4000; run++)
        {
            var cc = ConfigChangeCodec.ToBytes(new ConfigChange((ConfigChangeType)r.Next(2), (ulong)r.Next(1, 1 << 20), RandomBytes(r, 30)));
            byte[] input = run % 4 == 0 ? RandomBytes(r, 40) : Mutate(r, cc);
            if (Decodes(() => ConfigChangeCodec.Read(input), input.Length)) ok++;
            else refused++;

            var members = new Dictionary<ulong, ReadOnlyMemory<byte>>();
            for (int i = 0, n = r.Next(0, 5); i < n; i++) members[(ulong)r.Next(1, 100)] = RandomBytes(r, 20);
            var snap = SnapshotCodec.ToBytes(new Snapshot((ulong)r.Next(1, 1000), (ulong)r.Next(1, 50), members, RandomBytes(r, 60)));
            input = run % 4 == 1 ? RandomBytes(r, 80) : Mutate(r, snap);
            if (Decodes(() => SnapshotCodec.Read(input), input.Length)) ok++;
            else refused++;
        }
        Assert.True(ok > 500 && refused > 500, $"both outcomes exercised ({ok} decoded, {refused} refused)");
    }

    [Fact]
    public void A_count_claiming_more_than_the_bytes_hold_is_refused_before_allocating()
    {
        // Append with entry count 2^40 and nothing after it; snapshot with 2^40 members.
        byte[] append = [(byte)MessageType.Append, 0x80 | 0x07, 0x01 /* flags: from,to,term + entries */, 1, 2, 3, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20];
        Assert.False(Decodes(() => MessageCodec.Read(append, 1, 2), append.Length));
        byte[] snapshot = [5, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20];
        Assert.False(Decodes(() => SnapshotCodec.Read(snapshot), snapshot.Length));
    }

    private static RaftNode ThreeMemberFollower(ulong term)
    {
        var entries = new List<Entry>();
        for (ulong id = 1; id <= 3; id++)
            entries.Add(new Entry(1, id, EntryType.ConfigChange, ConfigChangeCodec.ToBytes(new ConfigChange(ConfigChangeType.AddNode, id, System.Text.Encoding.UTF8.GetBytes($"./node{id - 1}.sock")))));
        return new RaftNode(new RaftOptions { Id = 1 }, new Random(1), new HardState(term, 0, 3), null, entries);
    }

    [Theory]
    [InlineData(ulong.MaxValue)]                       // the heartbeat: the next term would wrap to 0
    [InlineData(RaftLimits.MaxTerm + 1)]               // over the absolute bound
    [InlineData(5 + RaftLimits.MaxTermAhead + 1)]      // a plausible number, but a million elections ahead of us
    public void A_heartbeat_with_an_implausible_term_changes_nothing(ulong term)
    {
        var node = ThreeMemberFollower(5);
        node.Step(new Message(MessageType.Heartbeat, 2, 1, term, Commit: 3));
        Assert.Equal(5UL, node.Term);
        Assert.Equal(0UL, node.LeaderId);
        // The node still elects normally afterwards: its term moves by one per election.
        for (int i = 0; i < 100 && node.Role == RaftRole.Follower; i++) node.Tick();
        Assert.NotEqual(RaftRole.Follower, node.Role);
        Assert.True(node.Term <= 6);
    }

    [Fact]
    public void A_heartbeat_within_the_bounds_is_followed()
    {
        var node = ThreeMemberFollower(5);
        node.Step(new Message(MessageType.Heartbeat, 2, 1, 5 + RaftLimits.MaxTermAhead, Commit: 3));
        Assert.Equal(5 + RaftLimits.MaxTermAhead, node.Term);
        Assert.Equal(2UL, node.LeaderId);
    }

    [Fact]
    public void A_stored_term_beyond_what_this_build_can_reach_refuses_to_start()
    {
        var e = Assert.Throws<ArgumentException>(() => ThreeMemberFollower(ulong.MaxValue));
        Assert.Contains("beyond the bound", e.Message);
        ThreeMemberFollower(RaftLimits.MaxStoredTerm); // the bound itself is still accepted
    }
}
