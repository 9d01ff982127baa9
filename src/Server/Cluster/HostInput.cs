using FastDb.Raft;

namespace FastDb.Server.Cluster;

public enum HostInputKind : byte
{
    /// <summary>A Raft message from a peer (validated at the edge, see <see cref="PeerFrames"/>).</summary>
    Message,
    /// <summary>A request a client sent to this node (<see cref="HostInput.Request"/>).</summary>
    Propose,
    /// <summary>A request a peer forwarded (<see cref="HostInput.Forwarded"/>: the ClientRequest bytes).</summary>
    Forwarded,
    /// <summary>A node asking to become a member (<see cref="HostInput.JoinAddress"/>).</summary>
    Join,
    /// <summary>Hand leadership to <see cref="HostInput.Node"/> (clean shutdown).</summary>
    Transfer,
    /// <summary>How many members hold <see cref="HostInput.Index"/>; the answer goes to <see cref="HostInput.Reply"/>.</summary>
    CountReplicas,
    /// <summary>Remove member <see cref="HostInput.Node"/> (an admin's request); the outcome goes to <see cref="HostInput.RemoveReply"/>.</summary>
    Remove,
    /// <summary>A member told this node it was removed (<see cref="HostInput.JoinAddress"/>: who).</summary>
    ToldRemoved,
    /// <summary>The apply thread took a snapshot image (<see cref="HostInput.Image"/>) at <see cref="HostInput.Index"/>.</summary>
    SnapshotTaken,
    /// <summary>A read index wanted here (<see cref="HostInput.Read"/>); the answer goes to <see cref="HostInput.ReadReply"/>.</summary>
    ReadIndex,
    /// <summary>A peer (<see cref="HostInput.Node"/>) asks this leader for a read index for its context <see cref="HostInput.Index"/>.</summary>
    ReadAsked,
    /// <summary>The leader answered our context <see cref="HostInput.Node"/> with read index <see cref="HostInput.Index"/>.</summary>
    ReadAnswered,
    /// <summary>Pass a relayed frame (<see cref="HostInput.Forwarded"/>: a Relayed payload) on to member <see cref="HostInput.Node"/>.</summary>
    RelayOut,
    /// <summary>Member <see cref="HostInput.Node"/> pinged us with sequence number <see cref="HostInput.Index"/>.</summary>
    Pinged,
    /// <summary>Member <see cref="HostInput.Node"/> answered our ping <see cref="HostInput.Index"/>, with its round trips (<see cref="HostInput.Report"/>) if we lead.</summary>
    Ponged,
}

/// <summary>One input to the Raft host's loop, from any thread (clock ticks are the loop's own, see <see cref="RaftHost.Tick"/>).</summary>
public readonly record struct HostInput(HostInputKind Kind, Message Message = default, PendingRequest? Request = null,
    byte[]? Forwarded = null, string? JoinAddress = null, ulong Node = 0, ulong Index = 0,
    TaskCompletionSource<int>? Reply = null, byte[]? Image = null, ReadConfirmation Read = ReadConfirmation.Linearizable,
    TaskCompletionSource<ulong>? ReadReply = null, TaskCompletionSource<RemoveOutcome>? RemoveReply = null,
    (ulong Id, double RttMs)[]? Report = null, int Rank = -1);

/// <summary>What a removal request did on this node.</summary>
public enum RemoveOutcome : byte
{
    /// <summary>This node leads and appended the change; it takes effect once committed.</summary>
    Proposed,
    /// <summary>Passed on to the leader.</summary>
    Forwarded,
    NotAMember,
    NoLeader,
    /// <summary>The only member cannot be removed.</summary>
    LastMember,
    /// <summary>Another configuration change is in flight (or the leader is handing over): try again.</summary>
    Busy,
}
