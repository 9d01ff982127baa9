using System.Text;
using FastDb.QueryEngine.Tests.Support;

namespace FastDb.QueryEngine.Tests.BadInput;

/// <summary>
/// Input nobody should send: the engine answers exactly as sqlite3 does (a clear error, never an exception), and
/// its decoders reject bad bytes with FormatException only.
/// </summary>
public class BadInputTests
{
    public static TheoryData<string, string> Scripts() => new()
    {
        { "empty", "" },
        { "only whitespace", " \n\t\n  \r\n" },
        { "only comments", "-- one\n/* two */\n-- three" },
        { "only semicolons", ";\n;;\n" },
        { "unterminated string at end", "SELECT 'abc" },
        { "unterminated string then more lines", "SELECT 'abc;\nSELECT 1;\nCREATE TABLE t(a);\n" },
        { "unterminated double quote", "CREATE TABLE t(a);\nINSERT INTO t VALUES(\"x);\nSELECT * FROM t;\n" },
        { "unterminated block comment", "SELECT 1; /* never closed\nSELECT 2;\n" },
        { "unterminated parenthesis", "SELECT (1 + 2;\nSELECT 3;\n" },
        { "lone quote characters", "'\n\"\n`\n[\n" },
        { "keywords only", "SELECT;\nFROM;\nWHERE;\nCREATE TABLE;\nINSERT INTO;\n" },
        { "statement without semicolon at end", "CREATE TABLE t(a); INSERT INTO t VALUES(1)\n" },
        { "control characters", "\u0001\u0002\u0003;\nSELECT 1;\n\u007f;\n" },
        { "unicode identifiers and text", "CREATE TABLE \u00e9t\u00e9(\u00e7a);\nINSERT INTO \u00e9t\u00e9 VALUES('\u65e5\u672c');\nSELECT * FROM \u00e9t\u00e9;\n" },
        { "carriage returns only", "SELECT 1;\rSELECT 2;\r" },
        { "very long line of garbage", new string('x', 5000) + ";\n" },
        { "very long token in error context", "SELECT " + new string('a', 300) + ";\n" },
        { "deep parentheses", "SELECT " + new string('(', 200) + "1" + new string(')', 200) + ";\n" },
        { "long expression chain", "SELECT 1" + string.Concat(Enumerable.Repeat(" + 1", 2000)) + ";\n" },
        // Refused constructs are parsed before they are refused: their nesting must hit the parser stack limit, never
        // the process's own stack (100,000 levels overflowed it before the WITH nesting was counted).
        { "deep WITH nesting", string.Concat(Enumerable.Repeat("WITH a AS (", 100_000)) + "SELECT 1" + string.Concat(Enumerable.Repeat(") SELECT 1", 100_000)) + ";\n" },
        { "WITH nesting at the parser stack limit", string.Concat(Enumerable.Repeat("WITH a AS (", 19)) + "SELECT 1" + string.Concat(Enumerable.Repeat(") SELECT 1", 19)) + ";\n" },
        { "deep window nesting", "SELECT " + string.Concat(Enumerable.Repeat("sum(1) OVER (ORDER BY ", 50_000)) + "1" + new string(')', 50_000) + ";\n" },
        { "huge integer literal", "SELECT 123456789012345678901234567890, -123456789012345678901234567890;\n" },
    };

    [RequiresSqlite3Theory]
    [MemberData(nameof(Scripts))]
    public void Engine_answers_bad_scripts_exactly_like_sqlite3(string what, string script)
    {
        var engine = new EngineRunner().ExecuteScript(script);
        Assert.True(engine.ExitCode is 0 or 1, $"{what}: {engine.Stderr}");
        OracleAssert.Equal(Sqlite3Shell.Run(script), engine, script, what);
    }

    [RequiresSqlite3Fact]
    public void Random_garbage_scripts_match_sqlite3()
    {
        // Printable ASCII, SQL punctuation, control characters and non-ASCII text, in random lines. A line starting
        // with '.' would be a shell dot-command (some write files), so such lines get a leading space.
        const string alphabet = "abcSELECTFROMWHERE0123456789 ,;()'\"*+-/%|=<>!\t\n\n\u0001\u001f\u00e9\u4e2d\U0001F600#";
        var scripts = new List<string>();
        for (var seed = 1; seed <= 120; seed++)
        {
            var random = new Random(seed);
            var sb = new StringBuilder();
            var length = random.Next(0, 400);
            var elements = System.Globalization.StringInfo.GetTextElementEnumerator(alphabet);
            var pieces = new List<string>();
            while (elements.MoveNext()) pieces.Add((string)elements.Current);
            for (var i = 0; i < length; i++) sb.Append(pieces[random.Next(pieces.Count)]);
            var lines = sb.ToString().Split('\n').Select(l => l.StartsWith('.') ? " " + l : l);
            scripts.Add(string.Join('\n', lines));
        }
        // Checked one by one (garbage can leave a string open, which would swallow the next script in a batch).
        var failures = new List<string>();
        foreach (var (script, index) in scripts.Select((s, i) => (s, i + 1)))
        {
            var engine = new EngineRunner().ExecuteScript(script);
            if (engine.ExitCode is not (0 or 1)) failures.Add($"garbage seed {index}: {engine.Stderr}");
            if (OracleAssert.Describe(Sqlite3Shell.Run(script), engine) is { } report && failures.Count < 3)
                failures.Add($"--- garbage seed {index}\n{report}script: «{OracleAssert.Escape(script)}»");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Nul_characters_give_an_answer_not_an_exception()
    {
        // The shell reads lines with fgets, so a NUL silently ends its line there; FastDb only has to stay sane.
        foreach (var script in new[] { "\0", "SELECT 1;\0SELECT 2;\n", "SELECT '\0';\n", "CREATE TABLE t(a);\0\nSELECT * FROM t;\n" })
        {
            var engine = new EngineRunner().ExecuteScript(script);
            Assert.True(engine.ExitCode is 0 or 1, OracleAssert.Escape(engine.Stderr));
            if (engine.ExitCode == 1) Assert.NotEqual("", engine.Stderr);
        }
    }

    [RequiresSqlite3Fact]
    public void A_megabyte_of_statements_matches_sqlite3()
    {
        var sb = new StringBuilder("CREATE TABLE t(k INT PRIMARY KEY, v TEXT);\n");
        var padding = new string('p', 20);
        for (var i = 0; sb.Length < 1 << 20; i++)
        {
            sb.Append($"INSERT INTO t VALUES({i % 15000}, '{padding}{i}'); ");
            if (i % 3 == 0) sb.Append('\n');
            if (i % 5000 == 0) sb.Append("SELECT count(*) FROM t;\n");
        }
        sb.Append("\nSELECT count(*), max_is_not_supported FROM t;\nSELECT * FROM t WHERE k >= 14998;\n");
        var script = sb.ToString();
        var engine = new EngineRunner().ExecuteScript(script);
        Assert.True(engine.ExitCode is 0 or 1);
        OracleAssert.Equal(Sqlite3Shell.Run(script), engine, script, "1 MB of statements");
    }

    [RequiresSqlite3Fact]
    public void A_megabyte_long_single_statement_and_string_match_sqlite3()
    {
        var rows = string.Join(", ", Enumerable.Range(0, 60_000).Select(i => $"({i})"));
        var bigText = new string('z', 1 << 20);
        var script = $"CREATE TABLE t(a);\nINSERT INTO t VALUES {rows};\nSELECT count(*) FROM t;\nSELECT length('{bigText}');\n";
        var engine = new EngineRunner().ExecuteScript(script);
        Assert.True(engine.ExitCode is 0 or 1);
        OracleAssert.Equal(Sqlite3Shell.Run(script), engine, script, "1 MB statement");
    }

    [Fact]
    public void Random_bytes_into_ReadFrom_decode_or_raise_FormatException_only()
    {
        var valid = new[]
        {
            "UPDATE ctf3 SET friendCount=friendCount+5, requestCount=requestCount+1, favoriteWord=\"abcdefghijkmnpq\" WHERE name=\"gdb\"; SELECT * FROM ctf3;;",
            "CREATE TABLE t(a INT PRIMARY KEY);\nINSERT INTO t VALUES(1);\nSELECT * FROM t;\n",
            "SELEC garbage '",
            "",
        }.Select(s => EngineRunner.Encode(SqlCommand.Recognize(s))).ToList();
        var random = new Random(42);
        var inputs = new List<byte[]> { Array.Empty<byte>() };
        for (var i = 0; i < 3000; i++)
        {
            var bytes = new byte[random.Next(0, 80)];
            random.NextBytes(bytes);
            inputs.Add(bytes);
        }
        foreach (var encoding in valid)
        {
            for (var length = 0; length < encoding.Length; length++) inputs.Add(encoding[..length]); // every truncation
            for (var i = 0; i < 300; i++)
            {
                var mutated = (byte[])encoding.Clone();
                if (mutated.Length == 0) break;
                mutated[random.Next(mutated.Length)] ^= (byte)(1 << random.Next(8));
                inputs.Add(mutated);
            }
            inputs.Add([.. encoding, 0x00]); // trailing garbage
        }
        foreach (var bytes in inputs)
        {
            SqlCommand command;
            try { command = SqlCommand.ReadFrom(bytes); }
            catch (FormatException) { continue; }
            catch (Exception e) { Assert.Fail($"ReadFrom({Convert.ToHexString(bytes)}) threw {e.GetType().Name}: {e.Message}"); return; }
            // Whatever decodes must run without throwing, like any command.
            var result = new Database().Execute(command);
            Assert.True(result.ExitCode is 0 or 1, $"decoded {Convert.ToHexString(bytes)} ran with exit {result.ExitCode}");
        }
    }

    [Fact]
    public void Random_bytes_into_ReadSnapshot_decode_or_raise_FormatException_only()
    {
        var database = new Database();
        database.Execute("CREATE TABLE t(k TEXT PRIMARY KEY, n INT, r REAL, x);\nINSERT INTO t VALUES('a', 1, 1.5, NULL), ('b', -9223372036854775808, -0.0, 'text');\n" +
                         "CREATE TABLE u(id INTEGER PRIMARY KEY, w UNIQUE NOT NULL DEFAULT 'd');\nINSERT INTO u(w) VALUES('x'), ('y');\n");
        using var stream = new MemoryStream();
        database.WriteSnapshot(stream);
        var snapshot = stream.ToArray();
        var random = new Random(7);
        var inputs = new List<byte[]> { Array.Empty<byte>() };
        for (var length = 0; length < snapshot.Length; length++) inputs.Add(snapshot[..length]);
        for (var i = 0; i < 1000; i++)
        {
            var mutated = (byte[])snapshot.Clone();
            mutated[random.Next(mutated.Length)] ^= (byte)(1 << random.Next(8));
            inputs.Add(mutated);
            var bytes = new byte[random.Next(0, 200)];
            random.NextBytes(bytes);
            inputs.Add(bytes);
        }
        foreach (var bytes in inputs)
        {
            Database restored;
            try { restored = Database.ReadSnapshot(new MemoryStream(bytes)); }
            catch (FormatException) { continue; }
            catch (Exception e) { Assert.Fail($"ReadSnapshot of {bytes.Length} bytes threw {e.GetType().Name}: {e.Message}"); return; }
            var result = restored.Execute("SELECT * FROM t; SELECT * FROM u; INSERT INTO u(w) VALUES('z'); SELECT count(*) FROM u;");
            Assert.True(result.ExitCode is 0 or 1, $"a database decoded from {bytes.Length} bytes ran with exit {result.ExitCode}");
        }
    }

    [RequiresSqlite3Fact]
    public void Snapshot_round_trip_keeps_rows_rowids_and_schema()
    {
        const string setup = "CREATE TABLE t(k TEXT PRIMARY KEY, n INT, r REAL, x);\nINSERT INTO t VALUES('b', 1, 1.5, NULL), ('a', -9223372036854775808, -0.0, 'text');\n" +
                             "INSERT OR REPLACE INTO t VALUES('b', 2, 2.5, NULL IS NULL);\n" +
                             "CREATE TABLE u(id INTEGER PRIMARY KEY, w UNIQUE NOT NULL DEFAULT 'd');\nINSERT INTO u(w) VALUES('x'), ('y');\nDELETE FROM u WHERE w = 'y';\n";
        const string probe = "SELECT * FROM t;\nSELECT * FROM t WHERE k > '';\nINSERT INTO u(w) VALUES('z');\nINSERT INTO u VALUES(NULL, 'x');\nSELECT * FROM u;\nSELECT typeof(r), typeof(n) FROM t;\nCREATE TABLE t(a);\n";
        var original = new EngineRunner();
        original.ExecuteScript(setup);
        var restored = new EngineRunner();
        restored.ExecuteScript(setup);
        Assert.Null(restored.SnapshotAndRestore());
        Assert.Equal(original.ExecuteScript(probe), restored.ExecuteScript(probe));
        using var file = new TempDatabaseFile();
        Sqlite3Shell.Run(setup, file.Path);
        var again = new EngineRunner();
        again.ExecuteScript(setup);
        Assert.Null(again.SnapshotAndRestore());
        OracleAssert.Equal(Sqlite3Shell.Run(probe, file.Path), again.ExecuteScript(probe), probe, "after snapshot");
    }
}
