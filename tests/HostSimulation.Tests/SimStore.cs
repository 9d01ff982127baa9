using FastDb.Raft;
using FastDb.Server.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastDb.HostSimulation.Tests;

/// <summary>The process died inside a write the simulator tore (thrown through the host to end the incarnation).</summary>
internal sealed class SimulatedCrash : Exception;

/// <summary>
/// A simulated node's disk: the production <see cref="LogStore"/> on a RAM file system (/dev/shm), behind the
/// host's <see cref="ILogStore"/> seam, so the disk faults the simulator injects go through the real recovery code:
/// - a torn write: the next write reaches the file only in part, and the process dies in it;
/// - a flipped byte in the log or snapshot file while the node is down (recovery must refuse to start);
/// - a wiped directory.
/// Deterministic: what reaches the files depends only on the simulator's random numbers.
/// </summary>
internal sealed class SimStore : ILogStore
{
    private readonly string _directory;
    private readonly Random _rng;
    private LogStore _store;

    /// <summary>When set, the next write is torn and throws <see cref="SimulatedCrash"/>.</summary>
    public bool TearNextWrite;

    public SimStore(string directory, Random rng)
    {
        _directory = directory;
        _rng = rng;
        _store = Open();
    }

    private LogStore Open() => new(_directory, fsync: false, NullLogger.Instance);

    /// <summary>A fresh process opens the same directory (the previous incarnation's handle is closed).</summary>
    public void Reopen()
    {
        _store.Dispose();
        _store = Open();
    }

    public LoadedLog Load() => _store.Load();
    /// <summary>The entries the store holds after its snapshot, in index order (for the invariants).</summary>
    public IReadOnlyList<Entry> Entries => _store.Entries;
    public ulong SnapshotIndex => _store.Snapshot?.Index ?? 0;
    public ulong? CatchUpMarker => _store.CatchUpMarker;
    public void SetCatchUpMarker(ulong firstBootIndex) => _store.SetCatchUpMarker(firstBootIndex);
    public void ClearCatchUpMarker() => _store.ClearCatchUpMarker();
    public void Dispose() { } // the directory outlives the incarnation; see Reopen and Delete

    public void Append(IReadOnlyList<Entry> entries) => Write(() => _store.Append(entries));
    public void SaveHardState(HardState state) => Write(() => _store.SaveHardState(state));
    // A snapshot is written to a temp file and renamed: a crash in it leaves the old one (the log rewrite is the same).
    public void SaveSnapshot(ulong index, ulong term, ReadOnlyMemory<byte> metadata, ReadOnlyMemory<byte> data)
    {
        if (TearNextWrite) { TearNextWrite = false; throw new SimulatedCrash(); }
        _store.SaveSnapshot(index, term, metadata, data);
    }

    private void Write(Action write)
    {
        if (!TearNextWrite) { write(); return; }
        TearNextWrite = false;
        var path = Path.Combine(_directory, LogStore.LogFileName);
        var before = new FileInfo(path).Length;
        write();
        var after = new FileInfo(path).Length;
        // A prefix of this write reached the disk (possibly none of it, never all of it).
        var kept = before + (after > before ? _rng.NextInt64(after - before) : 0);
        _store.Dispose();
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write)) file.SetLength(kept);
        throw new SimulatedCrash();
    }

    /// <summary>Flips one bit of the log or the snapshot file (the node is down). False if there was nothing to damage.</summary>
    public bool FlipByte()
    {
        var candidates = new[] { LogStore.LogFileName, LogStore.SnapshotFileName }
            .Select(name => Path.Combine(_directory, name))
            .Where(p => File.Exists(p) && new FileInfo(p).Length > 0).ToArray();
        if (candidates.Length == 0) return false;
        var path = candidates[_rng.Next(candidates.Length)];
        var bytes = File.ReadAllBytes(path);
        bytes[_rng.Next(bytes.Length)] ^= (byte)(1 << _rng.Next(8));
        File.WriteAllBytes(path, bytes);
        return true;
    }

    /// <summary>The data directory is gone (wiped by an operator or lost with its disk).</summary>
    public void Wipe()
    {
        _store.Dispose();
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
        _store = Open();
    }

    public void Delete()
    {
        _store.Dispose();
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }
}
