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
                var message = PeerInput.ReadRaftMessage(payload, peerName, status.Term); // copies what it keeps
                if (message.To != selfId) return null;  // misaddressed (a node that reused a socket name)
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
            default:
                throw new PeerInputException($"unknown frame type {frameType}");
        }
    }
}
