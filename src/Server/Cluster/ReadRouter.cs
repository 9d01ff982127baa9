using FastDb.Raft;
using FastDb.Server.Binary;

namespace FastDb.Server.Cluster;

/// <summary>How a read that takes no log entry is confirmed (rqlite's read levels that go through the leader).</summary>
public enum ReadConfirmation : byte
{
    /// <summary>ReadIndex: the leader's commit index, confirmed by a heartbeat round a majority acknowledged.</summary>
    Linearizable = 0,
    /// <summary>The leader's last index, if it may read locally (<see cref="RaftNode.MayReadLocally"/>): no round.</summary>
    Weak = 1,
}

/// <summary>
/// Gets an index a read may be served at from the leader: this node's own Raft if it leads, or the leader over a
/// <see cref="PeerFrames.ReadAsk"/> frame, answered with <see cref="PeerFrames.ReadAnswer"/> (the dissertation's
/// follower reads: the follower then waits until it has applied that index and reads its own copy). The answer is
/// the index, or 0 when it cannot be had now (no leader, the leader lost its role, no answer in
/// <see cref="TimeoutTicks"/>); the caller asks again or gives up. Loop thread only.
/// </summary>
public sealed class ReadRouter(ulong self, RaftNode raft, Membership membership, IPeerTransport transport)
{
    /// <summary>Ticks a read waits for its confirmation before it is answered 0.</summary>
    public const int TimeoutTicks = 100;

    /// <summary>Reads waiting at once, at most (asks past it are answered 0 at once).</summary>
    public const int MaxWaiting = 4096;

    private readonly Dictionary<ulong, (TaskCompletionSource<ulong> Reply, long Since)> _local = new();
    private readonly Dictionary<ulong, (ulong Origin, ulong Context, long Since)> _remote = new();
    private ulong _nextContext;
    private long _ticks;

    public bool HasWaiting => _local.Count > 0 || _remote.Count > 0;

    /// <summary>A read asked on this node.</summary>
    public void Ask(ReadConfirmation kind, TaskCompletionSource<ulong> reply)
    {
        if (_local.Count + _remote.Count >= MaxWaiting) { reply.TrySetResult(0); return; }
        var context = ++_nextContext;
        if (raft.Role == RaftRole.Leader)
        {
            if (kind == ReadConfirmation.Weak) { reply.TrySetResult(raft.MayReadLocally ? raft.LastIndex : 0); return; }
            _local[context] = (reply, _ticks);
            if (!raft.ReadIndex(context)) { _local.Remove(context); reply.TrySetResult(0); }
            return;
        }
        if (!membership.TryGetLeaderAddress(out var leader)) { reply.TrySetResult(0); return; }
        _local[context] = (reply, _ticks);
        transport.Send(leader, PeerFrames.ReadAsk, EncodeAsk(self, context, kind));
    }

    /// <summary>A peer asks this node, as the leader it believes in, for a read index.</summary>
    public void Asked(ulong origin, ulong originContext, ReadConfirmation kind)
    {
        if (kind == ReadConfirmation.Weak || raft.Role != RaftRole.Leader || _local.Count + _remote.Count >= MaxWaiting)
        {
            Answer(origin, originContext, raft.MayReadLocally && kind == ReadConfirmation.Weak ? raft.LastIndex : 0);
            return;
        }
        var context = ++_nextContext;
        _remote[context] = (origin, originContext, _ticks);
        if (!raft.ReadIndex(context)) { _remote.Remove(context); Answer(origin, originContext, 0); }
    }

    /// <summary>The leader's answer to one of this node's asks.</summary>
    public void Answered(ulong context, ulong index)
    {
        if (_local.Remove(context, out var waiting)) waiting.Reply.TrySetResult(index);
    }

    /// <summary>Reads this node's Raft confirmed as leader.</summary>
    public void Confirmed(IReadOnlyList<ReadState> states)
    {
        foreach (var state in states)
        {
            if (_local.Remove(state.Context, out var waiting)) waiting.Reply.TrySetResult(state.Index);
            else if (_remote.Remove(state.Context, out var asked)) Answer(asked.Origin, asked.Context, state.Index);
        }
    }

    public void OnTick(long ticks)
    {
        _ticks = ticks;
        if (ticks % 10 != 0 || !HasWaiting) return;
        List<ulong>? expired = null;
        foreach (var (context, waiting) in _local)
            if (ticks - waiting.Since >= TimeoutTicks) (expired ??= new()).Add(context);
        foreach (var context in expired ?? []) if (_local.Remove(context, out var w)) w.Reply.TrySetResult(0);
        expired?.Clear();
        foreach (var (context, asked) in _remote)
            if (ticks - asked.Since >= TimeoutTicks) (expired ??= new()).Add(context);
        foreach (var context in expired ?? []) _remote.Remove(context);
    }

    /// <summary>The role changed: what was asked of the old leader (or of us as leader) will not be answered.</summary>
    public void OnLeaderChanged()
    {
        foreach (var (_, waiting) in _local) waiting.Reply.TrySetResult(0);
        _local.Clear();
        _remote.Clear();
    }

    private void Answer(ulong origin, ulong context, ulong index)
    {
        if (membership.TryGetAddress(origin, out var address)) transport.Send(address, PeerFrames.ReadAnswer, EncodeAnswer(context, index));
    }

    public static byte[] EncodeAsk(ulong origin, ulong context, ReadConfirmation kind)
    {
        var bytes = new byte[2 * Varint.MaxLength + 1];
        int n = Varint.Write(bytes, origin);
        n += Varint.Write(bytes.AsSpan(n), context);
        bytes[n++] = (byte)kind;
        return bytes[..n];
    }

    public static byte[] EncodeAnswer(ulong context, ulong index)
    {
        var bytes = new byte[2 * Varint.MaxLength];
        int n = Varint.Write(bytes, context);
        n += Varint.Write(bytes.AsSpan(n), index);
        return bytes[..n];
    }

    /// <summary>Decodes an ask; throws <see cref="PeerInputException"/> on anything else.</summary>
    public static (ulong Origin, ulong Context, ReadConfirmation Kind) DecodeAsk(ReadOnlySpan<byte> payload)
    {
        try
        {
            int pos = 0;
            var origin = Varint.Read(payload, ref pos);
            var context = Varint.Read(payload, ref pos);
            if (payload.Length - pos != 1 || payload[pos] > 1 || origin == 0) throw new FormatException("bad read ask");
            return (origin, context, (ReadConfirmation)payload[pos]);
        }
        catch (FormatException e)
        {
            throw new PeerInputException("malformed read-index ask: " + e.Message);
        }
    }

    /// <summary>Decodes an answer; throws <see cref="PeerInputException"/> on anything else.</summary>
    public static (ulong Context, ulong Index) DecodeAnswer(ReadOnlySpan<byte> payload)
    {
        try
        {
            int pos = 0;
            var context = Varint.Read(payload, ref pos);
            var index = Varint.Read(payload, ref pos);
            if (pos != payload.Length) throw new FormatException("trailing bytes");
            return (context, index);
        }
        catch (FormatException e)
        {
            throw new PeerInputException("malformed read-index answer: " + e.Message);
        }
    }
}
