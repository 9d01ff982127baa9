using FastDb.Forwarder;
using FastDb.Raft;
using FastDb.Server.Replication;

namespace FastDb.Server.Cluster;

/// <summary>
/// The frames Raft hosts send each other (the Forwarder does not interpret them), and the edge where a received
/// frame becomes a <see cref="HostInput"/>: every frame is validated by <see cref="PeerInput"/> first, and a bad one
/// throws <see cref="PeerInputException"/>, which closes that connection with the reason logged.
/// Thread-safe: called on connection threads (or the simulator's), before the loop sees anything.
/// </summary>
public static class PeerFrames
{
    /// <summary>A Raft message (<see cref="MessageCodec"/>).</summary>
    public const byte Raft = 1;
    /// <summary>A client request on its way to the leader (ClientRequest bytes, the log entry to be).</summary>
    public const byte Forward = 2;
    /// <summary>A node's address, asking to be added as a member.</summary>
    public const byte Join = 3;
    /// <summary>A follower asks the leader for a read index (see <see cref="ReadRouter"/>).</summary>
    public const byte ReadAsk = 4;
    /// <summary>The leader's read index for an ask (0: none now).</summary>
    public const byte ReadAnswer = 5;
    /// <summary>A member's id (8 bytes, little-endian) to remove: an admin's request on its way to the leader.</summary>
    public const byte Remove = 6;
    /// <summary>To a node removed from the cluster: it stops voting (empty payload).</summary>
    public const byte Removed = 7;
    /// <summary>A frame for a peer this node cannot reach directly: varint(destination id), its type, its payload
    /// (see <see cref="RelayingTransport"/>). The receiving member passes it on as <see cref="Relayed"/>.</summary>
    public const byte Relay = 8;
    /// <summary>A frame passed on by the relay it came through: varint(origin id), its type, its payload.</summary>
    public const byte Relayed = 9;

    /// <summary>A round-trip probe: varint(sequence number), and from the leader a byte saying whether the receiver is
    /// its chosen successor (<see cref="PingSuccessor"/>) or not (<see cref="PingNotSuccessor"/>) (see <see cref="LatencyProbe"/>).</summary>
    public const byte Ping = 10;
    public const byte PingSuccessor = 1, PingNotSuccessor = 2;
    /// <summary>The answer to a ping: varint(its sequence number), then, to the leader only, a count byte and
    /// that many (varint member id, varint round trip in tenths of a millisecond).</summary>
    public const byte Pong = 11;

    /// <summary>What may travel through a relay: the traffic whose loss stalls requests, none of it membership.</summary>
    public static bool IsRelayable(byte frameType) => frameType is Raft or Forward or ReadAsk or ReadAnswer;

    /// <summary>Writes a Relay (or Relayed) payload: varint(node id), the inner frame's type, its payload; returns the length.</summary>
    public static int WriteRelay(Span<byte> destination, ulong node, byte frameType, ReadOnlySpan<byte> payload)
    {
        var n = FrameCodec.WriteVarint(destination, node);
        destination[n++] = frameType;
        payload.CopyTo(destination[n..]);
        return n + payload.Length;
    }

    private static HostInput ReadPong(ulong from, ReadOnlySpan<byte> payload)
    {
        var (sequence, at) = ReadVarint(payload, "pong");
        (ulong, double)[]? report = null;
        if (at < payload.Length)
        {
            int count = payload[at++];
            if (count > LatencyProbe.MaxReportEntries) throw new PeerInputException($"pong reporting {count} round trips (at most {LatencyProbe.MaxReportEntries})");
            report = new (ulong, double)[count];
            for (var i = 0; i < count; i++)
            {
                var (id, n) = ReadVarint(payload[at..], "pong member id");
                at += n;
                var (tenths, m) = ReadVarint(payload[at..], "pong round trip");
                at += m;
                if (id == 0) throw new PeerInputException("pong reporting node 0");
                if (tenths > LatencyProbe.MaxReportedRttTenths) throw new PeerInputException($"pong reporting a round trip of {tenths / 10} ms");
                report[i] = (id, tenths / 10.0);
            }
            if (at != payload.Length) throw new PeerInputException("pong with trailing bytes");
        }
        return new HostInput(HostInputKind.Ponged, Node: from, Index: sequence, Report: report);
    }

    /// <summary>A varint at the start of <paramref name="payload"/> and its length; throws <see cref="PeerInputException"/> if there is none.</summary>
    private static (ulong Value, int Length) ReadVarint(ReadOnlySpan<byte> payload, string what)
    {
        var position = 0;
        try
        {
            var value = Binary.Varint.Read(payload, ref position);
            return (value, position);
        }
        catch (FormatException e)
        {
            throw new PeerInputException($"{what} without a valid varint ({e.Message})");
        }
    }

    /// <summary>
    /// Reads a Relay or Relayed payload: the node id, the inner frame's type, and where its payload starts; throws
    /// <see cref="PeerInputException"/> if it is not one.
    /// </summary>
    public static (ulong Node, byte FrameType, int PayloadStart) ReadRelay(ReadOnlySpan<byte> payload, string what)
    {
        var (node, i) = ReadVarint(payload, what + " node id");
        if (node == 0) throw new PeerInputException($"{what} for node 0");
        if (i == payload.Length) throw new PeerInputException($"{what} without a frame type");
        var frameType = payload[i];
        if (!IsRelayable(frameType)) throw new PeerInputException($"{what} of frame type {frameType}, which is never relayed");
        return (node, frameType, i + 1);
    }

    /// <summary>
    /// The input a frame from <paramref name="peerName"/> (its preamble name, already checked by
    /// <see cref="PeerInput.ValidatePeerName"/>) makes, or null when it is not for this node.
    /// </summary>
    public static HostInput? Read(string peerName, byte frameType, ReadOnlySpan<byte> payload, ulong selfId,
        ReplicatorStatus status, Membership membership)
    {
        switch (frameType)
        {
            case Raft:
                var message = PeerInput.ReadRaftMessage(payload, peerName, selfId, status.Term); // copies what it keeps
                membership.LearnSender(message.From, peerName, status.Members);
                return new HostInput(HostInputKind.Message, Message: message);
            case Forward:
                PeerInput.CheckClientRequest(payload, "forwarded request");
                // Client requests enter the log only through members: the node a client talked to authorized it
                // (see ApiAuthorization), and a member proved its name (peer TLS on TCP). A node not (yet) a member
                // in our latest view is ignored, not cut off: its origin re-sends.
                if (!status.Members.Contains(PeerInput.SenderId(peerName))) return null;
                return new HostInput(HostInputKind.Forwarded, Forwarded: payload.ToArray());
            case Join:
                var joiner = PeerInput.ReadJoinAddress(payload);
                // A node may ask to join as itself; only a member passes on another node's request (to the leader).
                if (joiner != peerName && !status.Members.Contains(PeerInput.SenderId(peerName)))
                    throw new PeerInputException($"join for another node from {peerName}, which is not a member");
                return new HostInput(HostInputKind.Join, JoinAddress: joiner);
            case Remove:
                // Membership changes come only from members (on TCP, proven by their peer certificate).
                if (!status.Members.Contains(PeerInput.SenderId(peerName))) throw new PeerInputException($"remove request from {peerName}, which is not a member");
                return new HostInput(HostInputKind.Remove, Node: PeerInput.ReadNodeId(payload));
            case Removed:
                if (payload.Length != 0) throw new PeerInputException("removed notice with a payload");
                if (!status.Members.Contains(PeerInput.SenderId(peerName))) return null; // only a member's word counts
                return new HostInput(HostInputKind.ToldRemoved, JoinAddress: peerName);
            case ReadAsk:
                var (origin, context, kind) = ReadRouter.DecodeAsk(payload);
                return new HostInput(HostInputKind.ReadAsked, Node: origin, Index: context, Read: kind);
            case ReadAnswer:
                var (answered, index) = ReadRouter.DecodeAnswer(payload);
                return new HostInput(HostInputKind.ReadAnswered, Node: answered, Index: index);
            case Ping:
            {
                if (!status.Members.Contains(PeerInput.SenderId(peerName))) return null;
                var (sequence, used) = ReadVarint(payload, "ping");
                // A leader's ping may say whether we are its chosen successor (LatencyProbe): one byte.
                var rank = -1;
                if (used < payload.Length)
                {
                    if (payload.Length - used != 1 || payload[used] is not (PingSuccessor or PingNotSuccessor))
                        throw new PeerInputException("ping with trailing bytes");
                    rank = payload[used] == PingSuccessor ? 0 : 1;
                }
                return new HostInput(HostInputKind.Pinged, Node: PeerInput.SenderId(peerName), Index: sequence, Rank: rank);
            }
            case Pong:
                if (!status.Members.Contains(PeerInput.SenderId(peerName))) return null;
                return ReadPong(PeerInput.SenderId(peerName), payload);
            case Relay:
            {
                // Only members relay, and only to members; the destination checks the inner frame (as the origin's).
                var sender = PeerInput.SenderId(peerName);
                if (!status.Members.Contains(sender)) return null;
                var (destination, innerType, start) = ReadRelay(payload, "relay frame");
                if (destination == selfId || destination == sender || !status.Members.Contains(destination)) return null;
                var inner = payload[start..];
                var relayed = new byte[FrameCodec.VarintSize(sender) + 1 + inner.Length];
                WriteRelay(relayed, sender, innerType, inner);
                return new HostInput(HostInputKind.RelayOut, Node: destination, Forwarded: relayed);
            }
            case Relayed:
            {
                var relay = PeerInput.SenderId(peerName);
                if (!status.Members.Contains(relay)) return null;
                var (from, innerType, start) = ReadRelay(payload, "relayed frame");
                if (from == selfId || from == relay || !status.Members.Contains(from) || !membership.TryGetAddress(from, out var originAddress))
                    return null;
                // Read as the origin's own frame: a Raft message is then the origin's (the wire names no sender).
                return Read(originAddress, innerType, payload[start..], selfId, status, membership);
            }
            default:
                throw new PeerInputException($"unknown frame type {frameType}");
        }
    }
}
