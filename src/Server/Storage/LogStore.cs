using System.Buffers;
using System.Buffers.Binary;
using FastDb.Raft;
using FastDb.Server.Binary;
using Microsoft.Extensions.Logging;

namespace FastDb.Server.Storage;

/// <summary>A snapshot as stored: the log position it covers, the host's metadata (e.g. membership) and the state bytes.</summary>
public sealed record StoredSnapshot(ulong Index, ulong Term, ReadOnlyMemory<byte> Metadata, ReadOnlyMemory<byte> Data);

/// <summary>What <see cref="LogStore.Load"/> recovered from the data directory.</summary>
/// <param name="TornBytesCut">Bytes of a torn final record cut by the one repair allowed (0 if none).</param>
public sealed record LoadedLog(HardState HardState, StoredSnapshot? Snapshot, IReadOnlyList<Entry> Entries,
    long TornBytesCut = 0);

/// <summary>
/// The durable log in the data directory: an append-only file of checksummed records (entries and hard states), plus
/// one snapshot file. Appending an entry whose index is already present replaces the suffix from there (as Raft
/// requires); on disk that is just a later record, and replay applies the same rule. Writes go to the kernel at
/// once, so a killed process loses nothing; fsync (a machine crash) only with <c>fsync: true</c>. Not thread-safe:
/// one owner (the replicator loop).
///
/// Fails closed. The log file is a magic, then records of <c>u32 length | u32 crc32c(body) | u32 crc32c(the first 8
/// bytes) | body = u8 type + payload</c>: the header has its own checksum, so a damaged length can never pass for a
/// torn write. The one repair: an incomplete final record (the file ends inside a header or a body), or a final
/// stretch of zero bytes (blocks the file system never wrote), is cut with a warning. That is what a process killed
/// in the middle of a write leaves, and it holds nothing this node acknowledged: the host sends messages only after
/// the write returned (with --fsync, after the sync), so the cut bytes were never promised to anyone. A complete
/// record whose body checksum fails, even the last one, is damage, not a torn write (a write cut short leaves a
/// prefix of what was written), and like every other inconsistency (a bad header, index gaps, terms or commit going
/// backwards, a hard state that commits entries the log does not hold, a bad snapshot file) it makes
/// <see cref="Load"/> throw <see cref="CorruptStorageException"/>: the node refuses to start rather than serve with
/// less data. Files are created 0600 and the directory 0700 (existing ones are tightened on open).
/// </summary>
public sealed class LogStore : ILogStore
{
    public const string LogFileName = "log.bin";
    public const string SnapshotFileName = "snapshot.bin";
    /// <summary>Present while a node that started with an empty directory has not caught up (see <see cref="CatchUpMarker"/>).</summary>
    public const string CatchUpMarkerFileName = "catching-up";

    private const byte EntryRecord = 1;
    private const byte HardStateRecord = 2;
    /// <summary>u32 length, u32 crc32c of the body, u32 crc32c of the 8 bytes before it; the body (type + payload) follows.</summary>
    private const int RecordHeaderBytes = 12;
    private const int MaxRecordBytes = 256 << 20;
    private static ReadOnlySpan<byte> LogMagic => "FDBLOG2\n"u8;
    private static ReadOnlySpan<byte> SnapshotMagic => "FDSNAP1\n"u8;

    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode FileMode0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly string _directory;
    private readonly bool _fsync;
    private readonly ILogger _logger;
    private readonly List<Entry> _entries = new(); // entries after the snapshot, in index order
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private FileStream? _log;
    private HardState _hardState;
    private StoredSnapshot? _snapshot;

    public LogStore(string directory, bool fsync, ILogger logger)
    {
        _directory = directory;
        _fsync = fsync;
        _logger = logger;
    }

    public string LogPath => Path.Combine(_directory, LogFileName);
    public string SnapshotPath => Path.Combine(_directory, SnapshotFileName);

    /// <summary>Index of the last entry held (the snapshot's index when no entry follows it, 0 when empty).</summary>
    public ulong LastIndex => _entries.Count > 0 ? _entries[^1].Index : _snapshot?.Index ?? 0;

    public ulong LastTerm => _entries.Count > 0 ? _entries[^1].Term : _snapshot?.Term ?? 0;

    /// <summary>Index of the first entry still in the log (after the snapshot).</summary>
    public ulong FirstIndex => (_snapshot?.Index ?? 0) + 1;

    public HardState HardState => _hardState;

    public StoredSnapshot? Snapshot => _snapshot;

    /// <summary>Entries held after the snapshot, in order.</summary>
    public IReadOnlyList<Entry> Entries => _entries;

    /// <summary>
    /// Set while this node, which started with an empty data directory (new, or wiped: they look alike), has not yet
    /// caught up from a leader; it must not vote until then, also across restarts, so the host keeps it on disk.
    /// The value is the last index of the static bootstrap it re-created (0: none). Null when absent.
    /// </summary>
    public ulong? CatchUpMarker { get; private set; }

    public string CatchUpMarkerPath => Path.Combine(_directory, CatchUpMarkerFileName);

    public void SetCatchUpMarker(ulong firstBootIndex)
    {
        RequireOpen();
        using (var file = OpenPrivate(CatchUpMarkerPath, FileMode.Create))
        {
            file.Write(System.Text.Encoding.ASCII.GetBytes(firstBootIndex.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            if (_fsync) file.Flush(flushToDisk: true);
        }
        CatchUpMarker = firstBootIndex;
    }

    public void ClearCatchUpMarker()
    {
        File.Delete(CatchUpMarkerPath);
        CatchUpMarker = null;
    }

    /// <summary>Size of the log file in bytes (for /status and tests).</summary>
    public long LogFileBytes => _log?.Length ?? 0;

    /// <summary>
    /// Opens (creating if needed) the data directory and recovers its contents. Call once, before anything else.
    /// Throws <see cref="CorruptStorageException"/> (and nothing else for bad contents) when the files are damaged.
    /// </summary>
    public LoadedLog Load()
    {
        if (_log is not null) throw new InvalidOperationException("the log store is already loaded");
        CreatePrivateDirectory(_directory);
        File.Delete(SnapshotPath + ".tmp");
        File.Delete(LogPath + ".tmp");
        _snapshot = ReadSnapshotFile();
        if (File.Exists(CatchUpMarkerPath))
        {
            // Unreadable means "catch up before voting" all the same: the strict reading is the safe one.
            CatchUpMarker = ulong.TryParse(File.ReadAllText(CatchUpMarkerPath).Trim(), System.Globalization.CultureInfo.InvariantCulture, out var index) ? index : 0;
        }

        _log = OpenPrivate(LogPath, FileMode.OpenOrCreate);
        var bytes = new byte[_log.Length];
        _log.ReadExactly(bytes);
        long cut = 0;
        if (bytes.Length < LogMagic.Length && LogMagic.StartsWith(bytes))
        {
            // New, or its creation was cut short before the magic was whole: nothing was ever recorded in it.
            cut = bytes.Length;
            _log.SetLength(0);
            _log.Write(LogMagic);
            if (_fsync) _log.Flush(flushToDisk: true);
        }
        else
        {
            if (!bytes.AsSpan().StartsWith(LogMagic))
                throw Corrupt(LogPath, 0, "the file does not start with FastDb's log header (damaged, or written by an older FastDb whose format this one does not read)");
            var good = Replay(bytes);
            if (good < bytes.Length)
            {
                cut = bytes.Length - good;
                _logger.LogWarning("log {Path}: torn final record ({Bytes} bytes after offset {Offset}, a write cut short); cut",
                    LogPath, cut, good);
                _log.SetLength(good);
                if (_fsync) _log.Flush(flushToDisk: true);
            }
        }
        CheckConsistent();
        _log.Seek(0, SeekOrigin.End);
        _logger.LogInformation("log {Path}: recovered snapshot at {SnapshotIndex}, {Count} entries up to {LastIndex}, term {Term}, commit {Commit}",
            LogPath, _snapshot?.Index ?? 0, _entries.Count, LastIndex, _hardState.Term, _hardState.Commit);
        return new LoadedLog(_hardState, _snapshot, _entries.ToArray(), cut);
    }

    /// <summary>Appends entries (truncating any held suffix that starts at or after the first one's index) in one write.</summary>
    public void Append(IReadOnlyList<Entry> entries)
    {
        var log = RequireOpen();
        if (entries.Count == 0) return;
        _buffer.ResetWrittenCount();
        foreach (var entry in entries) WriteEntryRecord(_buffer, entry);
        foreach (var entry in entries) AddInMemory(entry);
        log.Write(_buffer.WrittenSpan);
        if (_fsync) log.Flush(flushToDisk: true);
    }

    public void SaveHardState(HardState state)
    {
        var log = RequireOpen();
        _buffer.ResetWrittenCount();
        WriteHardStateRecord(_buffer, state);
        _hardState = state;
        log.Write(_buffer.WrittenSpan);
        if (_fsync) log.Flush(flushToDisk: true);
    }

    /// <summary>
    /// Stores a snapshot covering the log up to <paramref name="index"/> (atomically: temp file, then rename) and
    /// compacts the log below it: the log file is rewritten with only the hard state and the entries after it.
    /// </summary>
    public void SaveSnapshot(ulong index, ulong term, ReadOnlyMemory<byte> metadata, ReadOnlyMemory<byte> data)
    {
        RequireOpen();
        if (_snapshot is not null && index < _snapshot.Index)
            throw new InvalidOperationException($"snapshot at {index} is older than the stored one at {_snapshot.Index}");

        var temp = SnapshotPath + ".tmp";
        using (var file = OpenPrivate(temp, FileMode.Create))
        {
            var header = new ArrayBufferWriter<byte>(64 + metadata.Length);
            Varint.Write(header, index);
            Varint.Write(header, term);
            Varint.Write(header, (ulong)metadata.Length);
            header.Write(metadata.Span);
            Varint.Write(header, (ulong)data.Length);
            var crc = Crc32C.Compute(data.Span, Crc32C.Compute(header.WrittenSpan));
            Span<byte> prefix = stackalloc byte[12];
            SnapshotMagic.CopyTo(prefix);
            file.Write(prefix[..8]);
            BinaryPrimitives.WriteUInt32LittleEndian(prefix, crc);
            file.Write(prefix[..4]);
            file.Write(header.WrittenSpan);
            file.Write(data.Span);
            if (_fsync) file.Flush(flushToDisk: true);
        }
        File.Move(temp, SnapshotPath, overwrite: true);
        _snapshot = new StoredSnapshot(index, term, metadata.ToArray(), data.ToArray());
        CompactBelow(index);
    }

    public void Dispose()
    {
        _log?.Dispose();
        _log = null;
    }

    private void CompactBelow(ulong index)
    {
        var keep = _entries.FindIndex(e => e.Index > index);
        if (keep < 0) _entries.Clear();
        else _entries.RemoveRange(0, keep);

        var temp = LogPath + ".tmp";
        var rewrite = new ArrayBufferWriter<byte>(4096);
        rewrite.Write(LogMagic);
        WriteHardStateRecord(rewrite, _hardState);
        foreach (var entry in _entries) WriteEntryRecord(rewrite, entry);
        using (var file = OpenPrivate(temp, FileMode.Create))
        {
            file.Write(rewrite.WrittenSpan);
            if (_fsync) file.Flush(flushToDisk: true);
        }
        // Rename over the old log, then reopen: a crash in between leaves either the old log or the new one, both
        // consistent with the snapshot already in place (entries at or below it are skipped on load).
        _log!.Dispose();
        File.Move(temp, LogPath, overwrite: true);
        _log = OpenPrivate(LogPath, FileMode.Open);
        _log.Seek(0, SeekOrigin.End);
    }

    private FileStream RequireOpen() =>
        _log ?? throw new InvalidOperationException("call Load() before using the log store");

    /// <summary>Owner-only: the log and snapshot hold every client's data.</summary>
    private static FileStream OpenPrivate(string path, FileMode mode)
    {
        var options = new FileStreamOptions
        {
            Mode = mode, Access = FileAccess.ReadWrite, Share = FileShare.Read, BufferSize = 0,
        };
        if (!OperatingSystem.IsWindows() && mode != FileMode.Open) options.UnixCreateMode = FileMode0600;
        var stream = new FileStream(path, options);
        if (!OperatingSystem.IsWindows() && File.GetUnixFileMode(path) != FileMode0600) File.SetUnixFileMode(path, FileMode0600);
        return stream;
    }

    private static void CreatePrivateDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            return;
        }
        Directory.CreateDirectory(directory, DirectoryMode);
        if (File.GetUnixFileMode(directory) != DirectoryMode) File.SetUnixFileMode(directory, DirectoryMode);
        var snapshot = Path.Combine(directory, SnapshotFileName);
        if (File.Exists(snapshot) && File.GetUnixFileMode(snapshot) != FileMode0600) File.SetUnixFileMode(snapshot, FileMode0600);
    }

    private void AddInMemory(Entry entry)
    {
        var snapshotIndex = _snapshot?.Index ?? 0;
        if (entry.Index <= snapshotIndex) return; // already covered by the snapshot
        if (_entries.Count > 0 && entry.Index <= _entries[^1].Index)
        {
            var cut = _entries.FindIndex(e => e.Index >= entry.Index);
            _entries.RemoveRange(cut, _entries.Count - cut);
        }
        var expected = _entries.Count > 0 ? _entries[^1].Index + 1 : snapshotIndex + 1;
        if (entry.Index != expected)
            throw new InvalidOperationException($"log gap: entry {entry.Index} appended after {expected - 1}");
        _entries.Add(entry);
    }

    /// <summary>
    /// Replays the log file's records after the magic; returns the length of the good prefix, shorter than the file
    /// only for a torn final record. Anything else that is wrong throws <see cref="CorruptStorageException"/>.
    /// </summary>
    private int Replay(ReadOnlySpan<byte> bytes)
    {
        var offset = LogMagic.Length;
        while (offset < bytes.Length)
        {
            var rest = bytes[offset..];
            if (rest.Length < RecordHeaderBytes) return offset; // the header itself was cut short: torn
            var length = BinaryPrimitives.ReadUInt32LittleEndian(rest);
            var bodyCrc = BinaryPrimitives.ReadUInt32LittleEndian(rest[4..]);
            if (BinaryPrimitives.ReadUInt32LittleEndian(rest[8..]) != Crc32C.Compute(rest[..8]))
            {
                if (rest.IndexOfAnyExcept((byte)0) < 0) return offset; // blocks never written before a crash: torn
                throw Corrupt(LogPath, offset, "record header checksum mismatch");
            }
            if (length > MaxRecordBytes) throw Corrupt(LogPath, offset, $"record length {length} is beyond any record FastDb writes");
            var total = RecordHeaderBytes + 1 + (int)length;
            if (total > rest.Length) return offset;                // the final record was cut short: torn
            var body = rest.Slice(RecordHeaderBytes, 1 + (int)length); // type byte + payload
            if (Crc32C.Compute(body) != bodyCrc)
                throw Corrupt(LogPath, offset, "record checksum mismatch (a complete record whose contents changed: damage, not a torn write)");
            ApplyRecord(body[0], body[1..], offset);
            offset += total;
        }
        return offset;
    }

    private void ApplyRecord(byte type, ReadOnlySpan<byte> payload, int offset)
    {
        var position = 0;
        try
        {
            switch (type)
            {
                case EntryRecord:
                    var term = Varint.Read(payload, ref position);
                    var index = Varint.Read(payload, ref position);
                    if (position >= payload.Length) throw new FormatException("entry record without an entry type");
                    var entryType = (EntryType)payload[position++];
                    if (entryType is not (EntryType.Normal or EntryType.ConfigChange or EntryType.Noop))
                        throw new FormatException($"unknown entry type {(byte)entryType}");
                    ReplayEntry(new Entry(term, index, entryType, payload[position..].ToArray()), offset);
                    break;
                case HardStateRecord:
                    var state = new HardState(
                        Varint.Read(payload, ref position), Varint.Read(payload, ref position), Varint.Read(payload, ref position));
                    if (position != payload.Length) throw new FormatException("hard state record with trailing bytes");
                    ReplayHardState(state, offset);
                    break;
                default:
                    throw new FormatException($"unknown record type {type}");
            }
        }
        catch (FormatException e)
        {
            throw Corrupt(LogPath, offset, $"malformed record ({e.Message})");
        }
    }

    private void ReplayEntry(Entry entry, int offset)
    {
        var snapshotIndex = _snapshot?.Index ?? 0;
        if (entry.Index == 0) throw Corrupt(LogPath, offset, "entry with index 0");
        if (entry.Index <= snapshotIndex) return; // a log from before the last compaction: the snapshot covers it
        var last = LastIndex;
        if (entry.Index > last + 1) throw Corrupt(LogPath, offset, $"index gap: entry {entry.Index} follows entry {last}");
        if (entry.Index <= last && entry.Index <= _hardState.Commit)
            throw Corrupt(LogPath, offset, $"entry {entry.Index} rewrites an entry at or below the commit index {_hardState.Commit}");
        var previousTerm = entry.Index - 1 == snapshotIndex ? _snapshot?.Term ?? 0 : _entries[(int)(entry.Index - 2 - snapshotIndex)].Term;
        if (entry.Term < previousTerm)
            throw Corrupt(LogPath, offset, $"term goes backwards: entry {entry.Index} has term {entry.Term} after term {previousTerm}");
        AddInMemory(entry);
    }

    private void ReplayHardState(HardState state, int offset)
    {
        var old = _hardState;
        if (state.Term < old.Term) throw Corrupt(LogPath, offset, $"term goes backwards in the hard state: {state.Term} after {old.Term}");
        if (state.Commit < old.Commit) throw Corrupt(LogPath, offset, $"commit index goes backwards: {state.Commit} after {old.Commit}");
        if (state.Term == old.Term && old.VotedFor != 0 && state.VotedFor != old.VotedFor)
            throw Corrupt(LogPath, offset, $"vote changes within term {state.Term}");
        _hardState = state;
    }

    /// <summary>What must hold once everything is loaded (Raft's own restore checks, as a clear refusal).</summary>
    private void CheckConsistent()
    {
        if (_hardState.Commit > LastIndex)
            throw Corrupt(LogPath, _log?.Length ?? 0,
                $"the hard state says entries up to {_hardState.Commit} are committed, but the log ends at {LastIndex}: committed entries are missing");
        // Entries of a later term than the hard state's are fine: a Ready's entries are written before its hard
        // state, and a crash between the two leaves exactly that (Raft restores the term from the log then).
        if (_entries.Count > 0 && _snapshot is not null && _entries[0].Term < _snapshot.Term)
            throw Corrupt(LogPath, 0, $"entry {_entries[0].Index} has term {_entries[0].Term}, below the snapshot's term {_snapshot.Term}");
    }

    private CorruptStorageException Corrupt(string file, long offset, string what) => new(file, offset, what, _directory);

    private static void WriteEntryRecord(ArrayBufferWriter<byte> output, Entry entry)
    {
        var payloadLength = 1 + 2 * Varint.MaxLength + 1 + entry.Data.Length;
        var span = output.GetSpan(RecordHeaderBytes + payloadLength);
        var n = RecordHeaderBytes + 1;
        n += Varint.Write(span[n..], entry.Term);
        n += Varint.Write(span[n..], entry.Index);
        span[n++] = (byte)entry.Type;
        entry.Data.Span.CopyTo(span[n..]);
        n += entry.Data.Length;
        FinishRecord(span, EntryRecord, n);
        output.Advance(n);
    }

    private static void WriteHardStateRecord(ArrayBufferWriter<byte> output, HardState state)
    {
        var span = output.GetSpan(RecordHeaderBytes + 1 + 3 * Varint.MaxLength);
        var n = RecordHeaderBytes + 1;
        n += Varint.Write(span[n..], state.Term);
        n += Varint.Write(span[n..], state.VotedFor);
        n += Varint.Write(span[n..], state.Commit);
        FinishRecord(span, HardStateRecord, n);
        output.Advance(n);
    }

    private static void FinishRecord(Span<byte> record, byte type, int totalLength)
    {
        record[RecordHeaderBytes] = type;
        BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)(totalLength - RecordHeaderBytes - 1));
        BinaryPrimitives.WriteUInt32LittleEndian(record[4..], Crc32C.Compute(record[RecordHeaderBytes..totalLength]));
        BinaryPrimitives.WriteUInt32LittleEndian(record[8..], Crc32C.Compute(record[..8]));
    }

    private StoredSnapshot? ReadSnapshotFile()
    {
        if (!File.Exists(SnapshotPath)) return null;
        var bytes = File.ReadAllBytes(SnapshotPath);
        if (bytes.Length < 12 || !bytes.AsSpan(0, 8).SequenceEqual(SnapshotMagic))
            throw Corrupt(SnapshotPath, 0, "not a FastDb snapshot (bad header)");
        var crc = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        // The snapshot is written to a temp file and renamed, so any damage is from outside: refuse to guess.
        if (Crc32C.Compute(bytes.AsSpan(12)) != crc) throw Corrupt(SnapshotPath, 8, "snapshot checksum mismatch");
        ReadOnlySpan<byte> rest = bytes.AsSpan(12);
        var position = 0;
        try
        {
            var index = Varint.Read(rest, ref position);
            var term = Varint.Read(rest, ref position);
            var metadataLength = Varint.Read(rest, ref position);
            if (metadataLength > (ulong)(rest.Length - position)) throw new FormatException("metadata runs past the end");
            var metadata = rest.Slice(position, (int)metadataLength).ToArray();
            position += (int)metadataLength;
            var dataLength = Varint.Read(rest, ref position);
            if (dataLength != (ulong)(rest.Length - position)) throw new FormatException("data length mismatch");
            if (index == 0) throw new FormatException("snapshot at index 0");
            return new StoredSnapshot(index, term, metadata, rest[position..].ToArray());
        }
        catch (FormatException e)
        {
            throw Corrupt(SnapshotPath, 12 + position, $"malformed snapshot ({e.Message})");
        }
    }
}
