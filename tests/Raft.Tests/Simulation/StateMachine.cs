// The simulated host's state machine: the ordered list of distinct proposal ids it has applied. Applying an id
// a second time (a retried proposal that got into the log twice) is a no-op that returns the original position,
// exactly as the real host dedups by request id.
using System.Buffers;
using System.Buffers.Binary;

namespace FastDb.Raft.Tests.Simulation;

internal sealed class StateMachine
{
    public readonly List<ulong> Ids = new();
    private readonly Dictionary<ulong, int> _position = new();
    public ulong AppliedIndex { get; private set; }

    /// <summary>Applies a proposal entry; returns its (first) position in the deduplicated sequence.</summary>
    public int Apply(ulong index, ulong proposalId)
    {
        AppliedIndex = index;
        if (_position.TryGetValue(proposalId, out var p)) return p;
        _position[proposalId] = Ids.Count;
        Ids.Add(proposalId);
        return Ids.Count - 1;
    }

    public void Skip(ulong index) => AppliedIndex = index;

    public byte[] Image()
    {
        var b = new byte[8 * Ids.Count];
        for (int i = 0; i < Ids.Count; i++) BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(8 * i), Ids[i]);
        return b;
    }

    public static StateMachine FromSnapshot(Snapshot? s)
    {
        var sm = new StateMachine();
        if (s is null) return sm;
        var d = s.Data.Span;
        for (int i = 0; i + 8 <= d.Length; i += 8)
        {
            ulong id = BinaryPrimitives.ReadUInt64LittleEndian(d[i..]);
            sm._position[id] = sm.Ids.Count;
            sm.Ids.Add(id);
        }
        sm.AppliedIndex = s.Index;
        return sm;
    }

    /// <summary>A ~30-byte command like the CTF update: the proposal id and filler.</summary>
    public static byte[] Command(ulong proposalId)
    {
        var b = new byte[30];
        BinaryPrimitives.WriteUInt64LittleEndian(b, proposalId);
        for (int i = 8; i < b.Length; i++) b[i] = (byte)('a' + (int)((proposalId + (ulong)i) % 15));
        return b;
    }

    public static ulong ProposalIdOf(ReadOnlySpan<byte> data) =>
        data.Length >= 8 ? BinaryPrimitives.ReadUInt64LittleEndian(data) : throw new InvalidOperationException("entry too short for a proposal id");
}
