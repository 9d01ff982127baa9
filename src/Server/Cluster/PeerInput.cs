using System.Text;
using FastDb.Raft;
using FastDb.Server.StateMachine;

namespace FastDb.Server.Cluster;

/// <summary>
/// The trust boundary for everything a peer sends: each frame is checked here, on its connection's thread, before
/// anything of it reaches the Raft loop or the log. A frame that fails throws <see cref="PeerInputException"/> (a
/// FormatException), which closes that connection with the reason logged; the node carries on. What passes is what
/// an honest FastDb node sends: so nothing the loop later does with it (dial an address, decode an entry, restore a
/// snapshot) can throw there, where a failure would end the process.
/// </summary>
public static class PeerInput
{
    /// <summary>
    /// Decodes and checks one Raft message from <paramref name="peerName"/> (its preamble name, already a valid
    /// address) to <paramref name="receiverId"/>, this node: the wire leaves both ends out (see MessageCodec), so the
    /// sender's id is always the one its name gives. <paramref name="receiverTerm"/> is this node's term, recently
    /// enough (see RaftLimits.MaxTermAhead).
    /// </summary>
    public static Message ReadRaftMessage(ReadOnlySpan<byte> payload, string peerName, ulong receiverId, ulong receiverTerm)
    {
        Message m;
        try
        {
            m = MessageCodec.Read(payload, IdOfSender(peerName), receiverId);
        }
        catch (FormatException e)
        {
            throw new PeerInputException($"undecodable raft message: {e.Message}");
        }
        CheckRaftMessage(m, peerName, receiverTerm);
        return m;
    }

    /// <summary>Every field of a decoded message consistent with an honest sender; throws PeerInputException if not.</summary>
    public static void CheckRaftMessage(in Message m, string peerName, ulong receiverTerm)
    {
        // Every node names itself by its address in its preamble and its Raft id is derived from that address, so
        // the id a message comes from must be the sender's: a peer cannot speak for another node. (ReadRaftMessage
        // takes it from the name, the wire has none; this holds messages built any other way to the same rule.)
        var senderId = IdOfSender(peerName);
        if (m.From != senderId) Reject($"raft message from id {m.From}, but the sender {peerName} has id {senderId}");
        if (m.To == 0) Reject("raft message addressed to node 0");
        // Term 0 is only honest from a node that has none yet (a joiner, before it hears from a leader), turning a
        // vote down; the core ignores it as stale (found by the host simulator: refusing it dropped the connection).
        if (m.Term == 0 && !(m.Reject && m.Type is MessageType.PreVoteResponse or MessageType.VoteResponse))
            Reject("raft message with term 0");
        if (!RaftLimits.IsPlausibleTerm(m.Term, receiverTerm))
            Reject($"raft message term {m.Term} is implausible (this node is at term {receiverTerm}; at most {RaftLimits.MaxTermAhead} ahead and {RaftLimits.MaxTerm} in all)");
        if (m.LogTerm > m.Term) Reject($"log term {m.LogTerm} above the message term {m.Term}");
        if (m.Index > RaftLimits.MaxIndex || m.Commit > RaftLimits.MaxIndex || m.RejectHint > RaftLimits.MaxIndex)
            Reject("raft message index beyond 2^62");
        if (m.Reject && m.Type is not (MessageType.PreVoteResponse or MessageType.VoteResponse or MessageType.AppendResponse))
            Reject($"reject flag on a {m.Type}");
        if (m.Transfer && m.Type is not (MessageType.Vote or MessageType.PreVote)) Reject($"transfer flag on a {m.Type}");

        if (m.EntryCount > 0)
        {
            if (m.Type != MessageType.Append) Reject($"entries on a {m.Type}");
            if ((ulong)m.EntryCount > RaftLimits.MaxIndex - m.Index) Reject("entry indexes beyond 2^62");
            var previousTerm = m.LogTerm;
            for (var i = 0; i < m.Entries!.Count; i++)
            {
                var e = m.Entries[i];
                if (e.Index != m.Index + 1 + (ulong)i) Reject("entry indexes not consecutive after the message index");
                if (e.Term < previousTerm || e.Term > m.Term) Reject($"entry {e.Index} has term {e.Term} out of order");
                previousTerm = e.Term;
                CheckEntry(e);
            }
        }

        if (m.Snapshot is { } snapshot)
        {
            if (m.Type != MessageType.InstallSnapshot) Reject($"snapshot on a {m.Type}");
            if (snapshot.Index != m.Index || snapshot.Term != m.LogTerm) Reject("snapshot index/term differ from the message's");
            CheckSnapshot(snapshot, m.Term);
        }
        else if (m.Type == MessageType.InstallSnapshot) Reject("InstallSnapshot without a snapshot");
    }

    /// <summary>
    /// NodeAddress.IdOf, remembered per name: it runs a regex and allocates, and every message needs it. Bounded: a
    /// peer naming itself many ways only makes the cache start over.
    /// </summary>
    public static ulong SenderId(string peerName) => IdOfSender(peerName);

    private static ulong IdOfSender(string peerName)
    {
        if (SenderIds.TryGetValue(peerName, out var id)) return id;
        if (SenderIds.Count >= 256) SenderIds.Clear();
        return SenderIds[peerName] = NodeAddress.IdOf(peerName);
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, ulong> SenderIds = new(StringComparer.Ordinal);

    /// <summary>An entry as an honest leader replicates it: its data decodes as what its type says.</summary>
    public static void CheckEntry(in Entry e)
    {
        switch (e.Type)
        {
            case EntryType.Normal:
                // (The reason is only formatted on failure: this runs for every entry a follower receives.)
                if (ClientRequestError(e.Data.Span) is { } error) Reject($"entry {e.Index}: {error}");
                break;
            case EntryType.ConfigChange:
                ReadConfigChange(e.Data.Span, $"entry {e.Index}");
                break;
            case EntryType.Noop:
                // Empty, or a RejoinNotice (node id and nonce).
                try { RejoinNotice.TryRead(e.Data.Span, out _, out _); }
                catch (FormatException bad) { Reject($"noop entry {e.Index} carries data that is not a rejoin notice: {bad.Message}"); }
                break;
            default:
                Reject($"entry {e.Index} has unknown type {(byte)e.Type}");
                break;
        }
    }

    /// <summary>
    /// A configuration change that decodes, names a valid address, and whose node id is that address's id (as every
    /// node computes it: a mismatch would make the member unreachable).
    /// </summary>
    public static ConfigChange ReadConfigChange(ReadOnlySpan<byte> data, string what)
    {
        ConfigChange change;
        try
        {
            change = ConfigChangeCodec.Read(data);
        }
        catch (FormatException e)
        {
            throw new PeerInputException($"{what}: undecodable config change: {e.Message}");
        }
        if (change.Type == ConfigChangeType.AddNode)
        {
            var address = NodeAddress.TryFromContext(change.Context.Span)
                ?? throw new PeerInputException($"{what}: config change names an invalid address");
            if (NodeAddress.IdOf(address) != change.NodeId) Reject($"{what}: config change id {change.NodeId} is not the id of {address}");
        }
        return change;
    }

    /// <summary>
    /// A snapshot an honest leader sends: consistent metadata, a non-empty member list of valid addresses with their
    /// own ids, and a state machine image that parses completely into a fresh Database.
    /// </summary>
    public static void CheckSnapshot(Snapshot snapshot, ulong messageTerm)
    {
        if (snapshot.Index == 0 || snapshot.Index > RaftLimits.MaxIndex) Reject($"snapshot index {snapshot.Index} out of range");
        if (snapshot.Term == 0 || snapshot.Term > messageTerm) Reject($"snapshot term {snapshot.Term} out of range");
        if (snapshot.Members.Count == 0) Reject("snapshot with no members");
        foreach (var (id, context) in snapshot.Members)
        {
            var address = NodeAddress.TryFromContext(context.Span) ?? throw new PeerInputException($"snapshot member {id} has an invalid address");
            if (NodeAddress.IdOf(address) != id) Reject($"snapshot member id {id} is not the id of {address}");
        }
        ulong imageIndex;
        try
        {
            imageIndex = ReplicatedStateMachine.ValidateSnapshot(snapshot.Data);
        }
        catch (FormatException e)
        {
            throw new PeerInputException($"snapshot image does not decode: {e.Message}");
        }
        // The image is taken at the snapshot's index; one that says otherwise would leave the state machine and
        // Raft disagreeing on what is applied (and the next local snapshot compacting an index Raft already dropped).
        if (imageIndex != snapshot.Index) Reject($"snapshot image is at index {imageIndex}, its metadata says {snapshot.Index}");
    }

    /// <summary>
    /// A forwarded request or a normal entry: a ClientRequest from a real node. Its command is not decoded here: an
    /// unreadable one is answered with a deterministic error on every node, and decoding it would allocate on every
    /// follower for every entry.
    /// </summary>
    public static void CheckClientRequest(ReadOnlySpan<byte> data, string what)
    {
        if (ClientRequestError(data) is { } error) Reject($"{what}: {error}");
    }

    private static string? ClientRequestError(ReadOnlySpan<byte> data)
    {
        if (!ClientRequest.IsWellFormed(data, out var error)) return $"not a client request: {error}";
        if (!ClientRequest.TryReadId(data, out var id) || id.Origin == 0) return "client request from node 0";
        return null;
    }

    /// <summary>The address a Join frame asks to add: strict UTF-8 and a valid address.</summary>
    public static string ReadJoinAddress(ReadOnlySpan<byte> payload)
    {
        string address;
        try
        {
            address = StrictUtf8.GetString(payload);
        }
        catch (DecoderFallbackException)
        {
            throw new PeerInputException("join address is not UTF-8");
        }
        if (NodeAddress.Validate(address) is { } error) Reject($"join address '{Printable(address)}': {error}");
        return address;
    }

    /// <summary>A Remove frame's payload: a node id, 8 bytes little-endian, not 0.</summary>
    public static ulong ReadNodeId(ReadOnlySpan<byte> payload)
    {
        if (payload.Length != 8) Reject($"remove request of {payload.Length} bytes (a node id is 8)");
        var id = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(payload);
        if (id == 0) Reject("remove request for node 0");
        return id;
    }

    public static byte[] NodeIdBytes(ulong id)
    {
        var bytes = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes, id);
        return bytes;
    }

    /// <summary>For the preamble (PeerProtocolOptions.ValidatePeerName): a peer's name is the address it is dialed at.</summary>
    public static string? ValidatePeerName(string name) =>
        NodeAddress.Validate(name) is { } error ? $"'{Printable(name)}' is not a node address: {error}" : null;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>An attacker's string in a log line: no control characters, bounded length.</summary>
    private static string Printable(string s)
    {
        var sb = new StringBuilder(Math.Min(s.Length, 64));
        foreach (var c in s.Length > 64 ? s[..64] : s) sb.Append(char.IsControl(c) ? '?' : c);
        return s.Length > 64 ? sb.Append("...").ToString() : sb.ToString();
    }

    private static void Reject(string reason) => throw new PeerInputException(reason);
}

/// <summary>A peer sent something no honest FastDb node sends; its connection is closed with this reason.</summary>
public sealed class PeerInputException(string message) : FormatException(message);
