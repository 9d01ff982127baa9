using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using FastDb.QueryEngine.Tests.Support;

namespace FastDb.QueryEngine.Tests.Differential;

/// <summary>
/// Thousands of seeded random scripts (see <see cref="ScriptGenerator"/>) through the engine and through sqlite3,
/// byte for byte (stdout, stderr, exit code), and error-free ones against Microsoft.Data.Sqlite's values.
/// Several scripts share one sqlite3 process (each starts by dropping its tables); on a mismatch each script of the
/// batch is replayed alone to name the failing seed. Every command goes through WriteTo/ReadFrom, and the engine's
/// database is carried through a snapshot between the two halves of every batch.
/// FASTDB_SEED=N replays one seed; FASTDB_SOAK=1 runs many more.
/// </summary>
public class RandomScriptTests
{
    const int StatementsPerScript = 20;
    const int ScriptsPerHalfBatch = 12;
    /// <summary>FASTDB_DETAILS=N names the failing seed of up to N failing batches (5 by default), to classify a soak.</summary>
    static int MaxDetailedFailures =>
        int.TryParse(Environment.GetEnvironmentVariable("FASTDB_DETAILS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 5;

    static bool Soak => Environment.GetEnvironmentVariable("FASTDB_SOAK") == "1";
    static int ScriptCount => Soak ? 40_000 : 2_400;

    static int? ReplaySeed =>
        int.TryParse(Environment.GetEnvironmentVariable("FASTDB_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed)
            ? seed : null;

    /// <summary>Every fourth seed avoids deliberate errors, so its rows can be checked against Microsoft.Data.Sqlite.</summary>
    public static string ScriptFor(int seed) =>
        new ScriptGenerator(seed) { Clean = seed % 4 == 0, Predicates = Environment.GetEnvironmentVariable("FASTDB_PREDICATES") == "1" }.Generate(StatementsPerScript);

    static IEnumerable<int> Seeds() => ReplaySeed is { } one ? [one] : Enumerable.Range(1, ScriptCount);

    static string Replay(int seed) =>
        $"replay: FASTDB_SEED={seed} dotnet test tests/QueryEngine.Tests -c Release --filter FullyQualifiedName~RandomScriptTests";

    [Fact]
    public void Generator_is_deterministic_and_varied()
    {
        Assert.Equal(ScriptFor(7), ScriptFor(7));
        Assert.NotEqual(ScriptFor(7), ScriptFor(8));
        var all = string.Concat(Enumerable.Range(1, 200).Select(ScriptFor));
        foreach (var construct in new[] { "CREATE TABLE", "IF NOT EXISTS", "DROP TABLE", "INSERT OR REPLACE", "INSERT OR IGNORE", "UPDATE",
                     "DELETE FROM", "ORDER BY", "LIMIT", "OFFSET", "count", "coalesce", "typeof", "IS NOT NULL", "PRIMARY KEY",
                     "UNIQUE", "NOT NULL", "DEFAULT", "9223372036854775807", "/* c */", "-- a comment", "\"", "favoriteWord=\"", "sqlite_master", "sqlite_schema", "CREATE INDEX", "CREATE UNIQUE INDEX", "DROP INDEX",
                     "substr", "replace", "ltrim", "instr", "round", "hex", "quote", "printf", "format", "char", "unicode", "pow", "mod", "log (", "total_changes",
                     "GROUP BY", "HAVING", "DISTINCT", "group_concat", "total", "avg", "NULLS LAST", "NULLS FIRST",
                     "LEFT JOIN", "LEFT OUTER JOIN", "INNER JOIN", "CROSS JOIN", "USING", " ON l.",
                     "BEGIN", "COMMIT", "ROLLBACK", "END TRANSACTION", "ON CONFLICT", "DO NOTHING", "DO UPDATE SET", "excluded", "FROM (SELECT",
                     "X'c3a9'", "x'6162'", "X'FF'", "randomblob", "zeroblob", "AS BLOB", "hex (X'", "quote (X'", "X'ABC'",
                     "ALTER TABLE", "ADD COLUMN", "RENAME TO", "RENAME COLUMN", "jak", "ja.w", "RETURNING", "SAVEPOINT", "RELEASE", "RELEASE SAVEPOINT", "ROLLBACK TO", "TO SAVEPOINT",
                     "table_info", "index_list", "index_info", "index_xinfo", "INDEX mck ON mc", "INDEX owa ON ow", "REFERENCES ow", "PRIMARY KEY (b, a)", "UNIQUE (a, b)", "DROP COLUMN",
                     "json_extract", "json_set", "json_patch", "json_group_array", "json_group_object", "->>", "-> ", "json_valid",
                     "likely (", "unlikely (", "likelihood (", "soundex (", "sha3 (", "ieee754 (", "ieee754_to_blob", "like (", "glob (", "sqlite_source_id" })
            Assert.Contains(construct, all);
    }

    [RequiresSqlite3Fact]
    public void Random_scripts_match_sqlite3_byte_for_byte()
    {
        var batches = Seeds().Chunk(2 * ScriptsPerHalfBatch).ToList();
        var failures = new ConcurrentBag<(int FirstSeed, string Report)>();
        var failingBatches = 0;
        Parallel.ForEach(batches, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, batch =>
        {
            if (BatchMatches(batch)) return;
            if (Interlocked.Increment(ref failingBatches) > MaxDetailedFailures) return;
            failures.Add((batch[0], FindFailingSeed(batch)));
        });
        if (failingBatches == 0) return;
        var message = new StringBuilder();
        message.AppendLine($"{failingBatches} of {batches.Count} batches ({2 * ScriptsPerHalfBatch} scripts each) differ from sqlite3; the first ones:");
        foreach (var failure in failures.OrderBy(f => f.FirstSeed)) message.AppendLine(failure.Report);
        Assert.Fail(message.ToString());
    }

    /// <summary>Half a batch, one sqlite3 run; snapshot and restore the engine; the other half on the same file.</summary>
    static bool BatchMatches(int[] seeds)
    {
        var half = (seeds.Length + 1) / 2;
        var first = string.Concat(seeds[..half].Select(ScriptFor));
        var second = string.Concat(seeds[half..].Select(ScriptFor));
        using var file = new TempDatabaseFile();
        var engine = new EngineRunner();
        if (Sqlite3Shell.Run(first, file.Path) != engine.ExecuteScript(first)) return false;
        if (engine.SnapshotAndRestore() is not null) return false;
        return second.Length == 0 || Sqlite3Shell.Run(second, file.Path) == engine.ExecuteScript(second);
    }

    static string FindFailingSeed(int[] seeds)
    {
        foreach (var seed in seeds)
        {
            var script = ScriptFor(seed);
            var expected = Sqlite3Shell.Run(script);
            var actual = new EngineRunner().ExecuteScript(script);
            if (OracleAssert.Describe(expected, actual) is { } report)
                return $"--- seed {seed} ({Replay(seed)})\n{report}script:\n{OracleAssert.Clip(script, 6000)}";
        }
        // Every script matched alone: the difference comes from the batch (the snapshot between halves, or state).
        var half = (seeds.Length + 1) / 2;
        var engine = new EngineRunner();
        engine.ExecuteScript(string.Concat(seeds[..half].Select(ScriptFor)));
        var snapshot = engine.SnapshotAndRestore();
        return $"--- seeds {seeds[0]}..{seeds[^1]} match one by one but not as a batch with a snapshot after seed {seeds[half - 1]}: " +
               (snapshot ?? "the second half differs after restore (snapshot loses state?)");
    }

    [RequiresSqlite3Fact]
    public void Error_free_scripts_give_the_values_microsoft_data_sqlite_gives()
    {
        var compared = 0;
        var clean = Seeds().Where(s => s % 4 == 0 || ReplaySeed is not null).ToList();
        var failures = new List<string>();
        foreach (var seed in clean)
        {
            var script = ScriptFor(seed);
            var rows = MicrosoftSqlite.RowsOf(script);
            if (rows is null) continue; // some statement failed: errors are the shell comparison's business
            var engine = new EngineRunner().ExecuteScript(script);
            if (engine.ExitCode == 0 && SameValues(rows, engine.Stdout)) { compared++; continue; }
            // A newer SQLite inside Microsoft.Data.Sqlite may legitimately differ from 3.40.1: the shell decides.
            if (Sqlite3Shell.Run(script) == engine) continue;
            compared++;
            if (failures.Count < MaxDetailedFailures)
            {
                var sb = new StringBuilder($"--- seed {seed} ({Replay(seed)})\n");
                OracleAssert.AppendTextDiff(sb, "rows", rows, engine.ExitCode == 0 ? engine.Stdout : engine.Stdout + engine.Stderr,
                    "Microsoft.Data.Sqlite", "engine");
                sb.AppendLine("script:").AppendLine(OracleAssert.Clip(script, 6000));
                failures.Add(sb.ToString());
            }
        }
        Assert.True(failures.Count == 0, $"values differ from Microsoft.Data.Sqlite ({MicrosoftSqlite.Version}):\n" + string.Join("\n", failures));
        if (ReplaySeed is null)
            Assert.True(compared >= clean.Count / 5, $"only {compared} of {clean.Count} clean scripts ran without error in Microsoft.Data.Sqlite");
    }

    /// <summary>Same rows, where reals may differ in the last of 15 digits (the test's formatter rounds once, sqlite in long double).</summary>
    static bool SameValues(string expected, string actual)
    {
        if (expected == actual) return true;
        var expectedLines = expected.Split('\n');
        var actualLines = actual.Split('\n');
        if (expectedLines.Length != actualLines.Length) return false;
        for (var i = 0; i < expectedLines.Length; i++)
        {
            var e = expectedLines[i].Split('|');
            var a = actualLines[i].Split('|');
            if (e.Length != a.Length) return false;
            for (var j = 0; j < e.Length; j++)
            {
                if (e[j] == a[j]) continue;
                if (!double.TryParse(e[j], NumberStyles.Float, CultureInfo.InvariantCulture, out var x)
                    || !double.TryParse(a[j], NumberStyles.Float, CultureInfo.InvariantCulture, out var y)
                    || !a[j].Contains('.')
                    || Math.Abs(x - y) > 1e-14 * Math.Max(Math.Abs(x), Math.Abs(y)))
                    return false;
            }
        }
        return true;
    }
}
