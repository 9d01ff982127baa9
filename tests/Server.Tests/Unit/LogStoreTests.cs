using System.Text;
using FastDb.Raft;
using FastDb.Server.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastDb.Server.Tests.Unit;

public sealed class LogStoreTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("fastdb-logstore-");

    public void Dispose() => _directory.Delete(recursive: true);

    private LogStore Open() => new(_directory.FullName, fsync: false, NullLogger.Instance);

    private static Entry E(ulong term, ulong index, string data = "") =>
        new(term, index, EntryType.Normal, Encoding.UTF8.GetBytes(data.Length == 0 ? $"entry {index}" : data));

    private static string Text(Entry e) => Encoding.UTF8.GetString(e.Data.Span);

    [Fact]
    public void AppendedEntriesAndHardState_AreRecoveredByTheNextLoad()
    {
        using (var store = Open())
        {
            Assert.Empty(store.Load().Entries);
            store.Append([E(1, 1), E(1, 2)]);
            store.SaveHardState(new HardState(1, 7, 2));
            store.Append([E(2, 3)]);
        }
        using var again = Open();
        var loaded = again.Load();
        Assert.Equal([1UL, 2, 3], loaded.Entries.Select(e => e.Index));
        Assert.Equal(2UL, loaded.Entries[2].Term);
        Assert.Equal("entry 3", Text(loaded.Entries[2]));
        Assert.Equal(new HardState(1, 7, 2), loaded.HardState);
        Assert.Equal(3UL, again.LastIndex);
    }

    [Fact]
    public void AppendingAnIndexAlreadyPresent_ReplacesTheSuffixFromThere_InMemoryAndOnDisk()
    {
        using (var store = Open())
        {
            store.Load();
            store.Append([E(1, 1), E(1, 2), E(1, 3), E(1, 4)]);
            store.Append([E(2, 3, "replacement")]);
            Assert.Equal([1UL, 2, 3], store.Entries.Select(e => e.Index));
        }
        using var again = Open();
        var loaded = again.Load();
        Assert.Equal([1UL, 2, 3], loaded.Entries.Select(e => e.Index));
        Assert.Equal("replacement", Text(loaded.Entries[2]));
    }

    [Fact]
    public void AGapInIndexes_IsRefused()
    {
        using var store = Open();
        store.Load();
        store.Append([E(1, 1)]);
        Assert.Throws<InvalidOperationException>(() => store.Append([E(1, 3)]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(12)]
    public void ATornTail_IsCutAtTheLastWholeRecord(int bytesCut)
    {
        long fullLength;
        using (var store = Open())
        {
            store.Load();
            store.Append([E(1, 1), E(1, 2), E(1, 3, "the last one, to be torn")]);
            fullLength = store.LogFileBytes;
        }
        var path = Path.Combine(_directory.FullName, LogStore.LogFileName);
        using (var file = new FileStream(path, FileMode.Open)) file.SetLength(fullLength - bytesCut);

        using (var store = Open())
        {
            Assert.Equal([1UL, 2], store.Load().Entries.Select(e => e.Index));
            store.Append([E(1, 3, "rewritten")]);
        }
        using var again = Open();
        var loaded = again.Load();
        Assert.Equal([1UL, 2, 3], loaded.Entries.Select(e => e.Index));
        Assert.Equal("rewritten", Text(loaded.Entries[2]));
    }

    [Fact]
    public void AFlippedBitInAnEarlierRecord_RefusesToLoad_NamingFileOffsetAndRecovery()
    {
        using (var store = Open())
        {
            store.Load();
            store.Append([E(1, 1), E(1, 2), E(1, 3)]);
            store.SaveHardState(new HardState(1, 1, 3));
        }
        var path = Path.Combine(_directory.FullName, LogStore.LogFileName);
        var bytes = File.ReadAllBytes(path);
        bytes[30] ^= 0x10; // inside entry 1, the first record
        File.WriteAllBytes(path, bytes);

        using var again = Open();
        var error = Assert.Throws<CorruptStorageException>(() => again.Load());
        Assert.Equal(path, error.FilePath);
        Assert.Equal(8, error.Offset); // the first record, right after the file's magic
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("offset 8", error.Message, StringComparison.Ordinal);
        Assert.Contains("move the data directory away", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ACompleteFinalRecordWithABadChecksum_IsDamageNotATornWrite()
    {
        using (var store = Open())
        {
            store.Load();
            store.Append([E(1, 1), E(1, 2), E(1, 3)]);
        }
        var path = Path.Combine(_directory.FullName, LogStore.LogFileName);
        var bytes = File.ReadAllBytes(path);
        bytes[^3] ^= 0x10; // inside entry 3's payload: the record is whole, its contents changed
        File.WriteAllBytes(path, bytes);

        using var again = Open();
        Assert.Throws<CorruptStorageException>(() => again.Load());
    }

    [Fact]
    public void ATailOfZeroBytes_IsCutAsNeverWrittenBlocks()
    {
        long length;
        using (var store = Open())
        {
            store.Load();
            store.Append([E(1, 1), E(1, 2)]);
            length = store.LogFileBytes;
        }
        var path = Path.Combine(_directory.FullName, LogStore.LogFileName);
        using (var file = new FileStream(path, FileMode.Open)) file.SetLength(length + 4096);
        using var again = Open();
        var loaded = again.Load();
        Assert.Equal([1UL, 2], loaded.Entries.Select(e => e.Index));
        Assert.Equal(4096, loaded.TornBytesCut);
        Assert.Equal(length, new FileInfo(path).Length);
    }

    [Fact]
    public void AHardStateCommittingMoreThanTheLogHolds_RefusesToLoad()
    {
        using (var store = Open())
        {
            store.Load();
            store.Append([E(1, 1), E(1, 2)]);
            store.SaveHardState(new HardState(1, 0, 5));
        }
        using var again = Open();
        var error = Assert.Throws<CorruptStorageException>(() => again.Load());
        Assert.Contains("committed entries are missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnIndexGapOrATermGoingBackwards_RefusesToLoad()
    {
        // Written through a store in two steps that each are fine, then glued into one inconsistent file.
        using (var store = Open())
        {
            store.Load();
            store.Append([E(2, 1), E(2, 2)]);
            store.SaveHardState(new HardState(2, 0, 0));
            store.Append([E(1, 3)]); // a term going backwards: the store refuses it only on load
        }
        using (var again = Open())
            Assert.Contains("term goes backwards", Assert.Throws<CorruptStorageException>(() => again.Load()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NewFilesAndTheDirectoryAreOwnerOnly_AndExistingOnesAreTightened()
    {
        if (OperatingSystem.IsWindows()) return;
        var rw = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var store = Open())
        {
            store.Load();
            store.Append([E(1, 1)]);
            store.SaveSnapshot(1, 1, ReadOnlyMemory<byte>.Empty, new byte[] { 1 });
            Assert.Equal(rw, File.GetUnixFileMode(store.LogPath));
            Assert.Equal(rw, File.GetUnixFileMode(store.SnapshotPath));
            Assert.Equal(rw | UnixFileMode.UserExecute, File.GetUnixFileMode(_directory.FullName));
        }
        var open = rw | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        File.SetUnixFileMode(Path.Combine(_directory.FullName, LogStore.LogFileName), open);
        File.SetUnixFileMode(Path.Combine(_directory.FullName, LogStore.SnapshotFileName), open);
        File.SetUnixFileMode(_directory.FullName, open | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        using var again = Open();
        again.Load();
        Assert.Equal(rw, File.GetUnixFileMode(again.LogPath));
        Assert.Equal(rw, File.GetUnixFileMode(again.SnapshotPath));
        Assert.Equal(rw | UnixFileMode.UserExecute, File.GetUnixFileMode(_directory.FullName));
    }

    [Fact]
    public void Snapshot_CompactsTheLogBelowIt_AndLoadReturnsItWithTheEntriesAfter()
    {
        long before;
        using (var store = Open())
        {
            store.Load();
            store.SaveHardState(new HardState(3, 1, 50));
            for (ulong i = 1; i <= 50; i++) store.Append([E(3, i, new string('x', 100))]);
            before = store.LogFileBytes;
            store.SaveSnapshot(45, 3, new byte[] { 9 }, Encoding.UTF8.GetBytes("state at 45"));
            Assert.True(store.LogFileBytes < before / 5, $"log not compacted: {store.LogFileBytes} of {before} bytes");
            Assert.Equal(46UL, store.FirstIndex);
            store.Append([E(3, 51)]);
        }
        using var again = Open();
        var loaded = again.Load();
        Assert.NotNull(loaded.Snapshot);
        Assert.Equal(45UL, loaded.Snapshot.Index);
        Assert.Equal(3UL, loaded.Snapshot.Term);
        Assert.Equal(new byte[] { 9 }, loaded.Snapshot.Metadata.ToArray());
        Assert.Equal("state at 45", Encoding.UTF8.GetString(loaded.Snapshot.Data.Span));
        Assert.Equal([46UL, 47, 48, 49, 50, 51], loaded.Entries.Select(e => e.Index));
        Assert.Equal(new HardState(3, 1, 50), loaded.HardState);
    }

    [Fact]
    public void ASnapshotBeyondTheLog_DropsEveryEntry_AndTheNextEntryFollowsIt()
    {
        using (var store = Open())
        {
            store.Load();
            store.Append([E(1, 1), E(1, 2)]);
            store.SaveSnapshot(10, 2, ReadOnlyMemory<byte>.Empty, new byte[] { 1 });
            Assert.Empty(store.Entries);
            Assert.Equal(10UL, store.LastIndex);
            Assert.Equal(2UL, store.LastTerm);
            store.Append([E(2, 11)]);
        }
        using var again = Open();
        Assert.Equal([11UL], again.Load().Entries.Select(e => e.Index));
    }

    [Fact]
    public void ACorruptSnapshotFile_IsReportedClearly_NotSilentlyIgnored()
    {
        using (var store = Open())
        {
            store.Load();
            store.Append([E(1, 1)]);
            store.SaveSnapshot(1, 1, ReadOnlyMemory<byte>.Empty, new byte[] { 1, 2, 3 });
        }
        var path = Path.Combine(_directory.FullName, LogStore.SnapshotFileName);
        var bytes = File.ReadAllBytes(path);
        bytes[^1] ^= 1;
        File.WriteAllBytes(path, bytes);
        using var again = Open();
        var error = Assert.Throws<CorruptStorageException>(() => again.Load());
        Assert.Contains("snapshot checksum mismatch", error.Message, StringComparison.Ordinal);
        Assert.Equal(path, error.FilePath);
    }
}
