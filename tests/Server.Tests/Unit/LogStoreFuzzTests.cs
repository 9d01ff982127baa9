// Seeded fuzzing of the log and snapshot readers: random valid logs, then truncations, flipped bytes, both, and
// garbage tails. Each damaged file must load exactly as the records wholly before the damage when the damage is in
// the final record (a torn write, then cut), and otherwise be refused with CorruptStorageException: never another
// exception, never a silently shorter log. FASTDB_SEED=n replays one seed.
using FastDb.Raft;
using FastDb.Server.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastDb.Server.Tests.Unit;

public sealed class LogStoreFuzzTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("fastdb-logfuzz-");

    public void Dispose() => _root.Delete(recursive: true);

    /// <summary>The outcome of one load: the entries, hard state and snapshot index, or the refusal.</summary>
    private sealed record Outcome(string Summary, bool Refused);

    private static Outcome LoadDirectory(string directory)
    {
        using var store = new LogStore(directory, fsync: false, NullLogger.Instance);
        try
        {
            var loaded = store.Load();
            var entries = string.Join(",", loaded.Entries.Select(e => $"{e.Index}/{e.Term}/{e.Type}/{Convert.ToHexString(e.Data.Span)}"));
            return new Outcome($"snap {loaded.Snapshot?.Index}/{loaded.Snapshot?.Term} hs {loaded.HardState} entries {entries}", false);
        }
        catch (CorruptStorageException e)
        {
            Assert.Contains("move the data directory away", e.Message, StringComparison.Ordinal);
            Assert.Contains("offset", e.Message, StringComparison.Ordinal);
            return new Outcome("refused", true);
        }
    }

    /// <summary>Writes a random valid log (and maybe a snapshot) through the store; returns the record boundaries.</summary>
    private static List<long> WriteRandomLog(string directory, Random rng)
    {
        using var store = new LogStore(directory, fsync: false, NullLogger.Instance);
        store.Load();
        ulong term = 1, vote = 0, commit = 0, last = 0;
        var boundaries = new List<long> { store.LogFileBytes };
        int operations = rng.Next(1, 40);
        for (int i = 0; i < operations; i++)
        {
            switch (rng.Next(10))
            {
                case < 5:
                    store.Append([RandomEntry(rng, term, ++last)]);
                    break;
                case < 8:
                    if (rng.Next(3) == 0) { term += (ulong)rng.Next(1, 3); vote = (ulong)rng.Next(0, 4); }
                    commit = (ulong)rng.NextInt64((long)commit, (long)last + 1);
                    store.SaveHardState(new HardState(term, vote, commit));
                    break;
                case 8 when last > commit && last > (store.Snapshot?.Index ?? 0):
                    // A new leader's entry replaces an uncommitted suffix.
                    term++;
                    last = (ulong)rng.NextInt64((long)Math.Max(commit, store.Snapshot?.Index ?? 0) + 1, (long)last + 1);
                    store.Append([RandomEntry(rng, term, last)]);
                    break;
                case 9 when last > 0 && commit == last && rng.Next(3) == 0:
                    // Everything is compacted: the log is rewritten as one hard state record.
                    store.SaveSnapshot(last, store.LastTerm, new byte[] { (byte)rng.Next(256) }, RandomBytes(rng, rng.Next(0, 300)));
                    boundaries.Clear();
                    boundaries.Add(8); // the magic; the rewritten hard state is the next record
                    break;
                default:
                    store.Append([RandomEntry(rng, term, ++last, big: true)]);
                    break;
            }
            if (boundaries[^1] != store.LogFileBytes) boundaries.Add(store.LogFileBytes);
        }
        store.SaveHardState(new HardState(term, vote, commit));
        if (boundaries[^1] != store.LogFileBytes) boundaries.Add(store.LogFileBytes);
        return boundaries;
    }

    private static byte[] RandomBytes(Random rng, int length)
    {
        var bytes = new byte[length];
        rng.NextBytes(bytes);
        return bytes;
    }

    private static Entry RandomEntry(Random rng, ulong term, ulong index, bool big = false) =>
        new(term, index, (EntryType)rng.Next(3), RandomBytes(rng, big ? rng.Next(200, 3000) : rng.Next(0, 60)));

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
    }

    [Fact]
    public void DamagedLogs_LoadAsTheirWholePrefix_OnlyWhenTheFinalRecordIsDamaged_AndAreRefusedOtherwise()
    {
        var only = Environment.GetEnvironmentVariable("FASTDB_SEED");
        int first = only is null ? 1 : int.Parse(only, System.Globalization.CultureInfo.InvariantCulture);
        int seeds = only is null ? 60 : 1, inputs = 0;
        for (int seed = first; seed < first + seeds; seed++)
        {
            var rng = new Random(seed);
            var original = Path.Combine(_root.FullName, $"log-{seed}");
            var boundaries = WriteRandomLog(original, rng);
            var logPath = Path.Combine(original, LogStore.LogFileName);
            var bytes = File.ReadAllBytes(logPath);
            Assert.Equal(bytes.Length, boundaries[^1]);
            var intact = LoadDirectory(CopyOf(original, "intact"));
            Assert.False(intact.Refused, $"seed {seed}: an undamaged log was refused");

            // What loading the file cut at each record boundary gives: the only legal outcomes of a torn write.
            var prefix = new Dictionary<long, Outcome>();
            Outcome PrefixOutcome(long boundary)
            {
                if (prefix.TryGetValue(boundary, out var known)) return known;
                var dir = CopyOf(original, "prefix");
                File.WriteAllBytes(Path.Combine(dir, LogStore.LogFileName), bytes.AsSpan(0, (int)boundary).ToArray());
                return prefix[boundary] = LoadDirectory(dir);
            }
            long BoundaryAtOrBefore(long offset) => boundaries.Where(b => b <= offset).DefaultIfEmpty(0).Max();

            for (int trial = 0; trial < 60; trial++, inputs++)
            {
                var damaged = (byte[])bytes.Clone();
                int kind = rng.Next(4);
                long cutAt = damaged.Length, flipAt = -1;
                if (kind is 0 or 2) cutAt = boundaries[0] + rng.NextInt64(damaged.Length - boundaries[0] + 1);
                if (kind is 1 or 2) flipAt = rng.NextInt64(cutAt == damaged.Length ? damaged.Length : cutAt);
                if (flipAt >= 0) damaged[flipAt] ^= (byte)rng.Next(1, 256);
                var input = damaged.AsSpan(0, (int)cutAt).ToArray();
                if (kind == 3) input = [.. input, .. RandomBytes(rng, rng.Next(1, 40))];
                var dir = CopyOf(original, "damaged");
                File.WriteAllBytes(Path.Combine(dir, LogStore.LogFileName), input);
                Outcome actual;
                try
                {
                    actual = LoadDirectory(dir);
                }
                catch (Exception e)
                {
                    throw new Xunit.Sdk.XunitException($"seed {seed} trial {trial} (kind {kind}, cut {cutAt}, flip {flipAt}): {e.GetType().Name} instead of a load or a refusal: {e}");
                }
                string what = $"seed {seed} trial {trial} (kind {kind}, length {bytes.Length}, cut at {cutAt}, flip at {flipAt})";
                // The last whole record before the cut; a flip inside the record the cut tore is part of the torn write.
                long lastWhole = BoundaryAtOrBefore(cutAt);
                bool flipInWholeRecord = flipAt >= 0 && flipAt < lastWhole;
                if (kind == 3)
                {
                    var tail = input.AsSpan(bytes.Length);
                    if (tail.Length < 12 || tail.IndexOfAnyExcept((byte)0) < 0) Assert.Equal(intact, actual);
                    else Assert.True(actual.Refused, $"{what}: a garbage tail was not refused");
                }
                else if (flipInWholeRecord || (flipAt >= 0 && cutAt == bytes.Length))
                    Assert.True(actual.Refused, $"{what}: damage inside a whole record was not refused: {actual.Summary}");
                else if (flipAt >= 0 && actual.Refused) { } // damage in the torn final record: refusing is fine too
                else
                    Assert.True(actual == PrefixOutcome(lastWhole), $"{what}: loaded {actual.Summary}, expected the whole-record prefix {PrefixOutcome(lastWhole).Summary}");
            }
        }
        Assert.True(inputs >= 3000, $"only {inputs} inputs");
    }

    [Fact]
    public void DamagedSnapshots_AreAlwaysRefused()
    {
        int inputs = 0;
        for (int seed = 1; seed <= 20; seed++)
        {
            var rng = new Random(seed);
            var original = Path.Combine(_root.FullName, $"snap-{seed}");
            using (var store = new LogStore(original, fsync: false, NullLogger.Instance))
            {
                store.Load();
                store.Append([RandomEntry(rng, 1, 1), RandomEntry(rng, 1, 2)]);
                store.SaveHardState(new HardState(1, 0, 2));
                store.SaveSnapshot(2, 1, RandomBytes(rng, rng.Next(0, 50)), RandomBytes(rng, rng.Next(0, 2000)));
            }
            var path = Path.Combine(original, LogStore.SnapshotFileName);
            var bytes = File.ReadAllBytes(path);
            for (int trial = 0; trial < 100; trial++, inputs++)
            {
                var damaged = (byte[])bytes.Clone();
                if (rng.Next(2) == 0) damaged[rng.Next(damaged.Length)] ^= (byte)rng.Next(1, 256);
                else damaged = damaged.AsSpan(0, rng.Next(damaged.Length)).ToArray();
                var dir = CopyOf(original, "damaged");
                File.WriteAllBytes(Path.Combine(dir, LogStore.SnapshotFileName), damaged);
                Assert.True(LoadDirectory(dir).Refused, $"seed {seed} trial {trial}: a damaged snapshot was loaded");
            }
        }
        Assert.True(inputs >= 2000);
    }

    private string CopyOf(string original, string name)
    {
        var dir = Path.Combine(_root.FullName, name);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        CopyDirectory(original, dir);
        return dir;
    }
}
