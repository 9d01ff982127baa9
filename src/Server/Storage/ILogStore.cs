using FastDb.Raft;

namespace FastDb.Server.Storage;

/// <summary>
/// Where the Raft host keeps what Ready says to persist: the log, the hard state, the snapshot, and the catch-up
/// marker of a node that started empty. The host's seam at its disk (after hashicorp/raft's LogStore/StableStore):
/// <see cref="LogStore"/> writes files; the host simulator (tests/HostSimulation.Tests) keeps them in memory and
/// injects torn writes, flipped bytes and wiped directories.
///
/// Contract: <see cref="Load"/> once, before anything else; it throws <see cref="CorruptStorageException"/> for
/// damaged contents (the node must then refuse to start). Every write is durable when it returns (when the store
/// syncs at all), and a write cut short by a crash loses at most that write's final record.
/// </summary>
public interface ILogStore : IDisposable
{
    /// <summary>Recovers what is stored (creating an empty store if there is none).</summary>
    LoadedLog Load();

    /// <summary>Appends entries, first replacing any stored entries at or after the first one's index.</summary>
    void Append(IReadOnlyList<Entry> entries);

    void SaveHardState(HardState state);

    /// <summary>Replaces the snapshot and drops the entries it covers.</summary>
    void SaveSnapshot(ulong index, ulong term, ReadOnlyMemory<byte> metadata, ReadOnlyMemory<byte> data);

    /// <summary>
    /// Set while this node, which started with an empty store (new, or wiped: they look alike), has not yet caught up
    /// from a leader; it must not vote until then, also across restarts. The value is the last index of the static
    /// bootstrap it re-created (0: none). Null when absent.
    /// </summary>
    ulong? CatchUpMarker { get; }

    void SetCatchUpMarker(ulong firstBootIndex);

    void ClearCatchUpMarker();
}
