// Compact byte encodings (LEB128 varints, zero fields omitted) for everything the host sends or stores.
// Octopus charges every byte crossing a proxy: a heartbeat is ~4 bytes, an append of one 30-byte command ~40.
using System;
using System.Buffers;
using System.Collections.Generic;
using System.Linq;

namespace FastDb.Raft;

/// <summary>Varint helpers shared by the codecs.</summary>
internal ref struct ByteReader(ReadOnlySpan<byte> bytes)
{
    private readonly ReadOnlySpan<byte> _b = bytes;
    private int _pos;

    public readonly bool AtEnd => _pos == _b.Length;
    public readonly int Remaining => _b.Length - _pos;

    public byte Byte()
    {
        if (_pos >= _b.Length) throw new FormatException("truncated raft data");
        return _b[_pos++];
    }

    public ulong Varint()
    {
        ulong v = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            byte x = Byte();
            if (shift == 63 && x > 1) throw new FormatException("varint overflows 64 bits");
            v |= (ulong)(x & 0x7F) << shift;
            if ((x & 0x80) == 0) return v;
        }
        throw new FormatException("varint too long");
    }

    public int Length()
    {
        ulong n = Varint();
        if (n > (ulong)Remaining) throw new FormatException("length exceeds the data");
        return (int)n;
    }

    public ReadOnlyMemory<byte> Bytes()
    {
        int n = Length();
        var copy = _b.Slice(_pos, n).ToArray();
        _pos += n;
        return copy;
    }
}

internal static class Varint
{
    public static void Write(IBufferWriter<byte> w, ulong v)
    {
        var span = w.GetSpan(10);
        int i = 0;
        while (v >= 0x80) { span[i++] = (byte)(v | 0x80); v >>= 7; }
        span[i++] = (byte)v;
        w.Advance(i);
    }

    public static void WriteByte(IBufferWriter<byte> w, byte b)
    {
        w.GetSpan(1)[0] = b;
        w.Advance(1);
    }

    public static void WriteBytes(IBufferWriter<byte> w, ReadOnlySpan<byte> b)
    {
        Write(w, (ulong)b.Length);
        w.Write(b);
    }
}

/// <summary>
/// A Raft message on the peer wire. From and To are not written: every peer connection carries one sender, named
/// in its preamble (and checked there: the id is derived from that name), to the one node that accepted it, so the
/// reader takes both from the connection. That also means no peer can claim to speak for another node. A message
/// that reaches a node other than the one its sender dialed (a socket name reused) is read as addressed to the node
/// that got it: every Raft message states facts of its sender's log and term, which hold whoever reads them.
/// </summary>
public static class MessageCodec
{
    // Presence bits: only non-zero fields are written, in this order. The fields of an append, an ack and a
    // heartbeat fit the low seven bits, so their flags take one varint byte.
    private const int HasTerm = 1, HasLogTerm = 2, HasIndex = 4, HasCommit = 8, HasEntries = 16, HasRejectHint = 32,
        IsReject = 64, HasSnapshot = 128, IsTransfer = 256, HasRejoin = 512, AllFlags = 1023;

    public static void Write(in Message m, IBufferWriter<byte> w)
    {
        int flags = 0;
        if (m.Term != 0) flags |= HasTerm;
        if (m.LogTerm != 0) flags |= HasLogTerm;
        if (m.Index != 0) flags |= HasIndex;
        if (m.Commit != 0) flags |= HasCommit;
        if (m.EntryCount > 0) flags |= HasEntries;
        if (m.RejectHint != 0) flags |= HasRejectHint;
        if (m.Reject) flags |= IsReject;
        if (m.Snapshot is not null) flags |= HasSnapshot;
        if (m.Transfer) flags |= IsTransfer;
        if (m.Rejoin != 0) flags |= HasRejoin;
        Varint.WriteByte(w, (byte)m.Type);
        Varint.Write(w, (ulong)flags);
        if (m.Term != 0) Varint.Write(w, m.Term);
        if (m.LogTerm != 0) Varint.Write(w, m.LogTerm);
        if (m.Index != 0) Varint.Write(w, m.Index);
        if (m.Commit != 0) Varint.Write(w, m.Commit);
        if (m.RejectHint != 0) Varint.Write(w, m.RejectHint);
        if (m.EntryCount > 0)
        {
            // Entries of an append are consecutive from Index+1, so their indexes are implied. Their terms are
            // written as the distance below the message term (usually 0: one byte).
            var es = m.Entries!;
            Varint.Write(w, (ulong)es.Count);
            for (int i = 0; i < es.Count; i++)
            {
                var e = es[i];
                if (e.Index != m.Index + 1 + (ulong)i) throw new ArgumentException("append entries must follow Index consecutively");
                if (e.Term > m.Term) throw new ArgumentException("entry term above message term");
                Varint.Write(w, m.Term - e.Term);
                Varint.WriteByte(w, (byte)e.Type);
                Varint.WriteBytes(w, e.Data.Span);
            }
        }
        if (m.Snapshot is not null) SnapshotCodec.Write(m.Snapshot, w);
        if (m.Rejoin != 0) Varint.Write(w, m.Rejoin);
    }

    public static byte[] ToBytes(in Message m)
    {
        var w = new ArrayBufferWriter<byte>(64);
        Write(m, w);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Decodes one message that fills b exactly, sent by <paramref name="from"/> to <paramref name="to"/> (the
    /// connection's ends); FormatException on anything malformed.
    /// </summary>
    public static Message Read(ReadOnlySpan<byte> b, ulong from, ulong to)
    {
        var r = new ByteReader(b);
        byte type = r.Byte();
        if (type < (byte)MessageType.PreVote || type > (byte)MessageType.CommitNotice)
            throw new FormatException($"unknown raft message type {type}");
        ulong flags = r.Varint();
        if (flags > AllFlags) throw new FormatException("unknown raft message flags");
        ulong Field(int bit, ref ByteReader rr) => (flags & (ulong)bit) != 0 ? rr.Varint() : 0;
        ulong term = Field(HasTerm, ref r), logTerm = Field(HasLogTerm, ref r), index = Field(HasIndex, ref r),
            commit = Field(HasCommit, ref r), hint = Field(HasRejectHint, ref r);
        Entry[]? entries = null;
        if ((flags & HasEntries) != 0)
        {
            ulong n = r.Varint();
            if (n == 0 || n > (ulong)r.Remaining) throw new FormatException("bad entry count");
            if (index > ulong.MaxValue - n) throw new FormatException("entry index overflows");
            entries = new Entry[n];
            for (int i = 0; i < (int)n; i++)
            {
                ulong back = r.Varint();
                if (back > term) throw new FormatException("entry term underflows");
                byte et = r.Byte();
                if (et > (byte)EntryType.Noop) throw new FormatException($"unknown entry type {et}");
                entries[i] = new Entry(term - back, index + 1 + (ulong)i, (EntryType)et, r.Bytes());
            }
        }
        Snapshot? snap = null;
        if ((flags & HasSnapshot) != 0) snap = SnapshotCodec.Read(ref r);
        ulong rejoin = Field(HasRejoin, ref r);
        if ((flags & HasRejoin) != 0 && rejoin == 0) throw new FormatException("rejoin nonce 0");
        if (!r.AtEnd) throw new FormatException("trailing bytes after raft message");
        return new Message((MessageType)type, from, to, term, logTerm, index, entries, commit,
            (flags & IsReject) != 0, hint, (flags & IsTransfer) != 0, snap, rejoin);
    }
}

/// <summary>Snapshot metadata + data, for the wire and for the host's snapshot file.</summary>
public static class SnapshotCodec
{
    public static void Write(Snapshot s, IBufferWriter<byte> w)
    {
        Varint.Write(w, s.Index);
        Varint.Write(w, s.Term);
        Varint.Write(w, (ulong)s.Members.Count);
        foreach (var (id, ctx) in s.Members.OrderBy(kv => kv.Key))
        {
            Varint.Write(w, id);
            Varint.WriteBytes(w, ctx.Span);
        }
        Varint.WriteBytes(w, s.Data.Span);
    }

    public static byte[] ToBytes(Snapshot s)
    {
        var w = new ArrayBufferWriter<byte>(64 + s.Data.Length);
        Write(s, w);
        return w.WrittenSpan.ToArray();
    }

    public static Snapshot Read(ReadOnlySpan<byte> b)
    {
        var r = new ByteReader(b);
        var s = Read(ref r);
        if (!r.AtEnd) throw new FormatException("trailing bytes after snapshot");
        return s;
    }

    internal static Snapshot Read(ref ByteReader r)
    {
        ulong index = r.Varint(), term = r.Varint(), n = r.Varint();
        if (n > (ulong)r.Remaining) throw new FormatException("bad member count");
        var members = new Dictionary<ulong, ReadOnlyMemory<byte>>();
        for (ulong i = 0; i < n; i++)
        {
            ulong id = r.Varint();
            if (id == 0 || !members.TryAdd(id, r.Bytes())) throw new FormatException("bad or duplicate member id");
        }
        if (term == 0 && index != 0) throw new FormatException("snapshot term 0 with non-zero index");
        return new Snapshot(index, term, members, r.Bytes());
    }
}

/// <summary>ConfigChange ⇄ the Data of a ConfigChange entry.</summary>
public static class ConfigChangeCodec
{
    public static byte[] ToBytes(in ConfigChange cc)
    {
        var w = new ArrayBufferWriter<byte>(16 + cc.Context.Length);
        Varint.WriteByte(w, (byte)cc.Type);
        Varint.Write(w, cc.NodeId);
        Varint.WriteBytes(w, cc.Context.Span);
        return w.WrittenSpan.ToArray();
    }

    public static ConfigChange Read(ReadOnlySpan<byte> b)
    {
        var r = new ByteReader(b);
        byte t = r.Byte();
        if (t > (byte)ConfigChangeType.RemoveNode) throw new FormatException($"unknown config change type {t}");
        ulong id = r.Varint();
        if (id == 0) throw new FormatException("config change for node 0");
        var ctx = r.Bytes();
        if (!r.AtEnd) throw new FormatException("trailing bytes after config change");
        return new ConfigChange((ConfigChangeType)t, id, ctx);
    }
}

/// <summary>
/// The Data of a Noop entry that a leader appends for a node rejoining after it may have lost its storage (see
/// RaftNode.CatchUpBeforeVoting): the node's id and the nonce of this life of it. An ordinary noop has no data.
/// </summary>
public static class RejoinNotice
{
    public static byte[] ToBytes(ulong nodeId, ulong nonce)
    {
        var w = new ArrayBufferWriter<byte>(20);
        Varint.Write(w, nodeId);
        Varint.Write(w, nonce);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>Reads a noop's data: false for an ordinary (empty) noop; FormatException for anything malformed.</summary>
    public static bool TryRead(ReadOnlySpan<byte> b, out ulong nodeId, out ulong nonce)
    {
        nodeId = nonce = 0;
        if (b.IsEmpty) return false;
        var r = new ByteReader(b);
        nodeId = r.Varint();
        nonce = r.Varint();
        if (nodeId == 0 || nonce == 0) throw new FormatException("rejoin notice for node 0 or with nonce 0");
        if (!r.AtEnd) throw new FormatException("trailing bytes after rejoin notice");
        return true;
    }
}
