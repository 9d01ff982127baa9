using System.Buffers;
using System.Buffers.Binary;
using FastDb.Raft;
using FastDb.Server.Binary;
using Microsoft.Extensions.Logging;

namespace FastDb.Server.Storage;

/// <summary>A snapshot as stored: the log position it covers, the host's metadata (e.g. membership) and the state bytes.</summary>
public sealed record StoredSnapshot(ulong Index, ulong Term, ReadOnlyMemory<byte> Metadata, ReadOnlyMemory<byte> Data);

/// <summary>What <see cref="LogStore.Load"/> recovered from the data directory.</summary>
public sealed record LoadedLog(HardState HardState, StoredSnapshot? Snapshot, IReadOnlyList<Entry> Entries);

/// <summary>
/// The durable log in the data directory: an append-only file of checksummed records (entries and hard states), plus
/// one snapshot file. Appending an entry whose index is already present replaces the suffix from there (as Raft
/// requires); on disk that is just a later record, and replay applies the same rule. A torn or corrupt tail (a crash
/// mid-write) is cut at the last whole record with a warning. Writes go to the kernel at once, so a killed process
/// loses nothing; fsync (a machine crash) only with <c>fsync: true</c>. Not thread-safe: one owner (the replicator loop).
/// </summary>
public sealed class LogStore : IDisposable
{
    public const string LogFileName = "log.bin";
    public const string SnapshotFileName = "snapshot.bin";

    private const byte EntryRecord = 1;
    private const byte HardStateRecord = 2;
    private const int RecordHeaderBytes = 9; // u32 length, u32 crc32c, u8 type
    private const int MaxRecordBytes = 256 << 20;
    private static ReadOnlySpan<byte> SnapshotMagic => "FDSNAP1\n"u8;

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

    /// <summary>Size of the log file in bytes (for /status and tests).</summary>
    public long LogFileBytes => _log?.Length ?? 0;

    /// <summary>Opens (creating if needed) the data directory and recovers its contents. Call once, before anything else.</summary>
    public LoadedLog Load()
    {
        if (_log is not null) throw new InvalidOperationException("the log store is already loaded");
        Directory.CreateDirectory(_directory);
        File.Delete(SnapshotPath + ".tmp");
        File.Delete(LogPath + ".tmp");
        _snapshot = ReadSnapshotFile();

        _log = new FileStream(LogPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        var bytes = new byte[_log.Length];
        _log.ReadExactly(bytes);
        var good = Replay(bytes);
        if (good < bytes.Length)
        {
            _logger.LogWarning("log {Path}: torn or corrupt tail of {Bytes} bytes after offset {Offset}; cut at the last whole record",
                LogPath, bytes.Length - good, good);
            _log.SetLength(good);
            if (_fsync) _log.Flush(flushToDisk: true);
        }
        _log.Seek(0, SeekOrigin.End);
        _logger.LogInformation("log {Path}: recovered snapshot at {SnapshotIndex}, {Count} entries up to {LastIndex}, term {Term}, commit {Commit}",
            LogPath, _snapshot?.Index ?? 0, _entries.Count, LastIndex, _hardState.Term, _hardState.Commit);
        return new LoadedLog(_hardState, _snapshot, _entries.ToArray());
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
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
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
        WriteHardStateRecord(rewrite, _hardState);
        foreach (var entry in _entries) WriteEntryRecord(rewrite, entry);
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            file.Write(rewrite.WrittenSpan);
            if (_fsync) file.Flush(flushToDisk: true);
        }
        // Rename over the old log, then reopen: a crash in between leaves either the old log or the new one, both
        // consistent with the snapshot already in place (entries at or below it are skipped on load).
        _log!.Dispose();
        File.Move(temp, LogPath, overwrite: true);
        _log = new FileStream(LogPath, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        _log.Seek(0, SeekOrigin.End);
    }

    private FileStream RequireOpen() =>
        _log ?? throw new InvalidOperationException("call Load() before using the log store");

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

    /// <summary>Replays the log file's records; returns the length of the whole-record prefix.</summary>
    private int Replay(ReadOnlySpan<byte> bytes)
    {
        var offset = 0;
        while (bytes.Length - offset >= RecordHeaderBytes)
        {
            var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes[offset..]);
            if (length > MaxRecordBytes || length > bytes.Length - offset - RecordHeaderBytes) break;
            var crc = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(offset + 4)..]);
            var body = bytes.Slice(offset + 8, 1 + (int)length); // type byte + payload
            if (Crc32C.Compute(body) != crc) break;
            try
            {
                ApplyRecord(body[0], body[1..]);
            }
            catch (FormatException)
            {
                break;
            }
            catch (InvalidOperationException e)
            {
                // A checksummed record that breaks log order is not a torn write: stop there but say exactly why.
                _logger.LogError("log {Path}: record at offset {Offset} is out of order ({Message})", LogPath, offset, e.Message);
                break;
            }
            offset += RecordHeaderBytes + (int)length;
        }
        return offset;
    }

    private void ApplyRecord(byte type, ReadOnlySpan<byte> payload)
    {
        var position = 0;
        switch (type)
        {
            case EntryRecord:
                var term = Varint.Read(payload, ref position);
                var index = Varint.Read(payload, ref position);
                if (position >= payload.Length) throw new FormatException("entry record without a type");
                var entryType = (EntryType)payload[position++];
                AddInMemory(new Entry(term, index, entryType, payload[position..].ToArray()));
                break;
            case HardStateRecord:
                _hardState = new HardState(
                    Varint.Read(payload, ref position), Varint.Read(payload, ref position), Varint.Read(payload, ref position));
                break;
            default:
                throw new FormatException($"unknown record type {type}");
        }
    }

    private static void WriteEntryRecord(ArrayBufferWriter<byte> output, Entry entry)
    {
        var payloadLength = 1 + 2 * Varint.MaxLength + 1 + entry.Data.Length;
        var span = output.GetSpan(RecordHeaderBytes + payloadLength);
        var n = RecordHeaderBytes;
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
        var span = output.GetSpan(RecordHeaderBytes + 3 * Varint.MaxLength);
        var n = RecordHeaderBytes;
        n += Varint.Write(span[n..], state.Term);
        n += Varint.Write(span[n..], state.VotedFor);
        n += Varint.Write(span[n..], state.Commit);
        FinishRecord(span, HardStateRecord, n);
        output.Advance(n);
    }

    private static void FinishRecord(Span<byte> record, byte type, int totalLength)
    {
        record[8] = type;
        BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)(totalLength - RecordHeaderBytes));
        BinaryPrimitives.WriteUInt32LittleEndian(record[4..], Crc32C.Compute(record[8..totalLength]));
    }

    private StoredSnapshot? ReadSnapshotFile()
    {
        if (!File.Exists(SnapshotPath)) return null;
        var bytes = File.ReadAllBytes(SnapshotPath);
        try
        {
            if (bytes.Length < 12 || !bytes.AsSpan(0, 8).SequenceEqual(SnapshotMagic))
                throw new FormatException("bad magic");
            var crc = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
            if (Crc32C.Compute(bytes.AsSpan(12)) != crc) throw new FormatException("checksum mismatch");
            ReadOnlySpan<byte> rest = bytes.AsSpan(12);
            var position = 0;
            var index = Varint.Read(rest, ref position);
            var term = Varint.Read(rest, ref position);
            var metadataLength = Varint.Read(rest, ref position);
            if (metadataLength > (ulong)(rest.Length - position)) throw new FormatException("metadata runs past the end");
            var metadata = rest.Slice(position, (int)metadataLength).ToArray();
            position += (int)metadataLength;
            var dataLength = Varint.Read(rest, ref position);
            if (dataLength != (ulong)(rest.Length - position)) throw new FormatException("data length mismatch");
            return new StoredSnapshot(index, term, metadata, rest[position..].ToArray());
        }
        catch (FormatException e)
        {
            // The snapshot is written to a temp file and renamed, so a bad one means outside damage: refuse to guess.
            throw new InvalidDataException($"snapshot {SnapshotPath} is corrupt ({e.Message}); move it away to start without it", e);
        }
    }
}
