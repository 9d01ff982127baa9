// The data the Raft core shares with its host (storage, transport): entries and hard state.
namespace FastDb.Raft;

/// <summary>What a log entry carries. Normal entries hold the state machine's command bytes.</summary>
public enum EntryType : byte
{
    Normal = 0,
    ConfigChange = 1,
    /// <summary>The empty entry a new leader appends to commit its term.</summary>
    Noop = 2,
}

/// <summary>One log entry. Node ids are ulong; 0 means "none".</summary>
public readonly record struct Entry(ulong Term, ulong Index, EntryType Type, ReadOnlyMemory<byte> Data);

/// <summary>What must be persisted before messages that depend on it are sent.</summary>
public readonly record struct HardState(ulong Term, ulong VotedFor, ulong Commit);
