// The messages Raft nodes exchange. The host moves them between nodes as opaque bytes (MessageCodec).
using System;
using System.Collections.Generic;

namespace FastDb.Raft;

public enum MessageType : byte
{
    PreVote = 1,
    PreVoteResponse = 2,
    Vote = 3,
    VoteResponse = 4,
    /// <summary>Leader → follower: Entries after (Index, LogTerm), and the leader's Commit.</summary>
    Append = 5,
    /// <summary>Follower → leader (and, with BroadcastAcks, → every member): Index = last index matching the leader,
    /// or on Reject: Index = the rejected prevIndex, RejectHint/LogTerm = where to probe next.</summary>
    AppendResponse = 6,
    /// <summary>Leader → follower: Commit = min(leader commit, follower match).</summary>
    Heartbeat = 7,
    HeartbeatResponse = 8,
    /// <summary>Leader → follower far behind: the whole Snapshot.</summary>
    InstallSnapshot = 9,
    /// <summary>Leader → transfer target: campaign now, ignoring leases.</summary>
    TimeoutNow = 10,
    /// <summary>Leader → follower, sent as soon as the commit index moves: Commit = min(commit, match). No answer.</summary>
    CommitNotice = 11,
}

/// <summary>
/// One message. Unused fields are zero/empty. Transfer marks a vote that a leadership transfer started, so
/// voters grant it even inside their leader lease. Rejoin, on the answers (AppendResponse, HeartbeatResponse) of a
/// node catching up after it may have lost its storage, is that node's rejoin nonce: such answers never count for
/// a commit or a read, until a leader has committed a RejoinNotice naming the nonce (RaftNode.CatchUpBeforeVoting).
/// </summary>
public readonly record struct Message(
    MessageType Type,
    ulong From,
    ulong To,
    ulong Term,
    ulong LogTerm = 0,
    ulong Index = 0,
    IReadOnlyList<Entry>? Entries = null,
    ulong Commit = 0,
    bool Reject = false,
    ulong RejectHint = 0,
    bool Transfer = false,
    Snapshot? Snapshot = null,
    ulong Rejoin = 0)
{
    public int EntryCount => Entries?.Count ?? 0;
}
