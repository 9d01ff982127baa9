using System.Text;
using FastDb.QueryEngine.Tests.Support;

namespace FastDb.QueryEngine.Tests.Limits;

/// <summary>
/// The engine's deterministic resource limits (<see cref="EngineLimits"/>). Where sqlite3 has the same limit
/// (SQLITE_LIMIT_LENGTH), the oracle is the real shell run with <c>.limit length</c> set to the engine's value, byte
/// for byte; the others are FastDb's own and are checked for their text, for rolling the statement back, and for the
/// database serving the next statement.
/// </summary>
public class LimitsTests
{
    const int L = EngineLimits.MaxValueBytes;

    /// <summary>The shell with the engine's value limit; the line <c>.limit</c> itself prints is removed.</summary>
    static ShellResult OracleWithLimit(string script)
    {
        var r = Sqlite3Shell.Run($".limit length {L}\n" + script);
        string echo = $"{"length",20} {L}\n";
        Assert.StartsWith(echo, r.Stdout);
        // The dot-command takes line 1: every "near line N" of the oracle is one more than the engine's.
        return new ShellResult(r.Stdout[echo.Length..], ShiftLines(r.Stderr, -1), r.ExitCode);
    }

    static string ShiftLines(string stderr, int by) =>
        System.Text.RegularExpressions.Regex.Replace(stderr, @"near line (\d+):", m => $"near line {int.Parse(m.Groups[1].Value) + by}:");

    static void MatchesOracleWithLimit(string script)
    {
        OracleAssert.Equal(OracleWithLimit(script), OracleAssert.RunEngine(script), script);
    }

    static string PoisonPill => "UPDATE d SET v=v||v;" + string.Concat(Enumerable.Repeat("UPDATE d SET v=v||v;", 39)) + "\n";

    [Fact]
    public void The_poison_pill_fails_with_toobig_without_memory_blowing_up_and_the_table_keeps_serving()
    {
        var db = new Database();
        Assert.Equal(0, db.Execute("CREATE TABLE d(v TEXT); INSERT INTO d VALUES('x');\n").ExitCode);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var pill = db.Execute(PoisonPill);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal("Runtime error near line 1: string or blob too big (18)\n", pill.Body);
        Assert.Equal(1, pill.ExitCode);
        // The largest string held is 2 MiB chars; every doubling up to it allocated about 8 MiB in all.
        Assert.True(allocated < 64L << 20, $"the pill allocated {allocated:N0} bytes");
        // The 21 doublings before the failing one stay (each UPDATE is its own statement): 2^21 characters.
        Assert.Equal("2097152\n", db.Execute("SELECT length(v) FROM d;\n").Body);
        Assert.Equal("1\n", db.Execute("SELECT count(*) FROM d;\n").Body);
    }

    [RequiresSqlite3Fact]
    public void The_poison_pill_matches_sqlite3_with_the_same_length_limit()
    {
        MatchesOracleWithLimit("CREATE TABLE d(v TEXT); INSERT INTO d VALUES('x');\n" + PoisonPill + "SELECT length(v) FROM d;\n");
    }

    [RequiresSqlite3Fact]
    public void Concatenation_is_checked_at_the_exact_byte_count_with_multibyte_text()
    {
        // 2^21 bytes doubled is exactly the limit (allowed); one byte more is not. 'é' is 2 bytes, '中' 3.
        MatchesOracleWithLimit(
            "CREATE TABLE d(v TEXT); INSERT INTO d VALUES('x');\n" +
            string.Concat(Enumerable.Repeat("UPDATE d SET v=v||v;\n", 21)) +
            "SELECT length(v) FROM d;\n" +
            "SELECT length(v||v) FROM d;\n" +
            "SELECT length(v||v||'x') FROM d;\n" +
            "SELECT length(v||'x'||v) FROM d;\n" +
            "DELETE FROM d; INSERT INTO d VALUES('é');\n" +
            string.Concat(Enumerable.Repeat("UPDATE d SET v=v||v;\n", 20)) +
            "SELECT length(v), length(v||v) FROM d;\n" +
            "SELECT length(v||v||'a') FROM d;\n" +
            "DELETE FROM d; INSERT INTO d VALUES('中');\n" +
            string.Concat(Enumerable.Repeat("UPDATE d SET v=v||v;\n", 20)) +
            "SELECT length(v) FROM d;\n" +
            "SELECT 1; SELECT length(v||v) FROM d; SELECT 2;\n" +
            "SELECT count(*) FROM d;\n");
    }

    /// <summary>Seeded scripts that grow values towards and past the limit (doubling, appending, multibyte text,
    /// several rows, several statements per line so a failure skips the rest of its chunk), against sqlite3 with
    /// the same <c>.limit length</c>. FASTDB_SEED=N replays one.</summary>
    [RequiresSqlite3Fact]
    public void Random_growth_scripts_match_sqlite3_with_the_same_length_limit()
    {
        var seeds = int.TryParse(Environment.GetEnvironmentVariable("FASTDB_SEED"), out var one) ? [one] : Enumerable.Range(1, 12);
        int hitLimit = 0;
        foreach (var seed in seeds)
        {
            var script = GrowthScript(seed);
            var expected = OracleWithLimit(script);
            if (expected.Stderr.Contains("string or blob too big (18)")) hitLimit++;
            OracleAssert.Equal(expected, OracleAssert.RunEngine(script), script[..Math.Min(script.Length, 3000)], $"seed {seed}");
        }
        Assert.True(seeds.Count() == 1 || hitLimit >= 6, $"only {hitLimit} scripts reached the limit");
    }

    static string GrowthScript(int seed)
    {
        var rng = new Random(seed);
        string[] starts = ["'x'", "'ab'", "'é'", "'中'", "'a中é'", "123", "1.5", "NULL"];
        string[] appends = ["v", "'a'", "'中'", "'éé'", "v||'x'", "12"];
        var sb = new StringBuilder("CREATE TABLE d(id INTEGER PRIMARY KEY, v TEXT" + (rng.Next(2) == 0 ? " UNIQUE" : "") + ");\n");
        int rows = rng.Next(1, 4);
        for (int i = 0; i < rows; i++) sb.Append($"INSERT INTO d(v) VALUES({starts[rng.Next(starts.Length)]});");
        sb.Append('\n');
        for (int i = 0; i < 60; i++)
        {
            int perLine = rng.Next(1, 4);
            for (int j = 0; j < perLine; j++)
            {
                switch (rng.Next(10))
                {
                    case < 5:
                        var a = rng.Next(2) == 0 ? "v" : appends[rng.Next(appends.Length)];
                        sb.Append(rng.Next(2) == 0 ? $"UPDATE d SET v=v||{a};" : $"UPDATE d SET v={a}||v WHERE id % 2 = {rng.Next(2)};");
                        break;
                    case 5: sb.Append("SELECT id, length(v), typeof(v) FROM d;"); break;
                    case 6: sb.Append("SELECT length(v||v), length(v||v||v) FROM d;"); break;
                    case 7: sb.Append($"INSERT INTO d(v) VALUES({starts[rng.Next(starts.Length)]});"); break;
                    case 8: sb.Append($"DELETE FROM d WHERE id = {rng.Next(1, 6)};"); break;
                    default: sb.Append("SELECT count(*) FROM d;"); break;
                }
            }
            sb.Append('\n');
        }
        sb.Append("SELECT id, length(v) FROM d;\n");
        return sb.ToString();
    }

    [RequiresSqlite3Fact]
    public void A_failing_update_of_many_rows_rolls_back_as_sqlite3_does()
    {
        // Row 1 grows to the limit, row 2 passes it: the statement fails and row 1 keeps its old value.
        MatchesOracleWithLimit(
            "CREATE TABLE d(id INTEGER PRIMARY KEY, v TEXT); INSERT INTO d VALUES(1, 'x'); INSERT INTO d VALUES(2, 'xy');\n" +
            string.Concat(Enumerable.Repeat("UPDATE d SET v=v||v;\n", 21)) +
            "SELECT id, length(v) FROM d;\n" +
            "UPDATE d SET v=v||v;\n" +
            "SELECT id, length(v) FROM d;\n");
    }

    [RequiresSqlite3Fact]
    public void Literals_over_the_limit_fail_where_sqlite3_fails()
    {
        // A literal longer than the limit (a script of over 4 MiB, past the server's default body limit but
        // accepted by exec mode and a raised --max-body-bytes): as a result column its name is too big at prepare;
        // evaluated elsewhere it is too big when it runs; never evaluated it is harmless.
        string big = new('a', L + 1);
        string exact = new('b', L);
        MatchesOracleWithLimit(
            "CREATE TABLE d(v TEXT);\n" +
            $"SELECT length('{big}');\n" +
            $"SELECT 1 AS x WHERE length('{big}') > 0;\n" +
            $"INSERT INTO d VALUES('{big}');\n" +
            $"INSERT INTO d VALUES('{exact}');\n" +
            "SELECT length(v) FROM d;\n" +
            $"SELECT length(v) AS n FROM d WHERE v = '{exact}';\n" +
            $"CREATE TABLE e(v TEXT DEFAULT '{big}');\n" +
            "SELECT count(*) FROM d;\n");
    }

    [RequiresSqlite3Fact]
    public void Json_results_at_the_value_limit_fail_where_sqlite3_fails()
    {
        // A text of m bytes from a value of exactly the limit; json_array adds 4 bytes, json_quote of a control
        // character writes 6, and a blob met while building is the error before the length is.
        string Text(long m, string c = "a") => $"substr(replace(hex(zeroblob({L / 2})), '0', '{c}'), 1, {m})";
        MatchesOracleWithLimit(
            $"SELECT length(json_array({Text(L - 4)}));\n" +
            $"SELECT length(json_array({Text(L - 3)}));\n" +
            $"SELECT length(json_quote(replace({Text(L / 6 - 1)}, 'a', char(1))));\n" +
            $"SELECT length(json_quote(replace({Text(L / 6)}, 'a', char(1))));\n" +
            $"SELECT length(json_array({Text(L - 4)}, x'00'));\n" +
            $"SELECT length(json_object('k', {Text(L - 8)})), length(json_set('[1]', '$[0]', {Text(L - 4)}));\n" +
            $"SELECT length(json_set('[1]', '$[0]', {Text(L - 3)}));\n" +
            $"SELECT length(json({Text(L - 2)} -> '$'));\n" +
            "CREATE TABLE d(v TEXT);\n" +
            $"INSERT INTO d VALUES ({Text(L / 2)}), ({Text(L / 2 - 6)});\n" +
            "SELECT length(json_group_array(v)) FROM d;\n" +
            "INSERT INTO d VALUES ('x');\n" +
            "SELECT length(json_group_array(v)) FROM d;\n" +
            "INSERT INTO d VALUES (x'01');\n" +
            "SELECT length(json_group_array(v)) FROM d;\n");
    }

    [RequiresSqlite3Fact]
    public void Blobs_at_the_value_limit_fail_where_sqlite3_fails()
    {
        // zeroblob and randomblob take N up to the limit; hex needs 2N+1 bytes, quote 2N+5; a row holding a
        // blob of exactly the limit is over the record limit.
        int h = L / 2;
        MatchesOracleWithLimit(
            $"SELECT length(zeroblob({L})), length(randomblob({L}));\n" +
            $"SELECT zeroblob({L + 1});\n" +
            $"SELECT length(randomblob({L + 1}));\n" +
            $"SELECT length(hex(zeroblob({h})));\n" +
            $"SELECT length(hex(zeroblob({h - 1})));\n" +
            $"SELECT length(hex(CAST(zeroblob({h}) AS TEXT)));\n" +
            $"SELECT length(quote(zeroblob({h - 2})));\n" +
            $"SELECT length(quote(zeroblob({h - 3})));\n" +
            $"SELECT length(substr(zeroblob({L}), 2)), length(zeroblob({L}) || X''), length(CAST(zeroblob({L}) AS TEXT));\n" +
            "CREATE TABLE d(v BLOB);\n" +
            $"INSERT INTO d VALUES(zeroblob({L}));\n" +
            $"INSERT INTO d VALUES(zeroblob({L - 100}));\n" +
            "SELECT length(v), typeof(v) FROM d;\n");
    }

    [Fact]
    public void The_answer_limit_fails_the_statement_that_crosses_it_and_the_next_statements_run()
    {
        // The issue's slow query: a 10 KB literal over 10,000 rows would print 100 MB.
        var db = new Database();
        var setup = new StringBuilder("CREATE TABLE t(a INTEGER PRIMARY KEY);\n");
        for (int i = 0; i < 10_000; i++) setup.Append("INSERT INTO t VALUES(NULL);");
        Assert.Equal(0, db.Execute(setup.Append('\n').ToString()).ExitCode);
        string tenKb = new('z', 10_000);
        var r = db.Execute($"SELECT '{tenKb}' FROM t;\nSELECT count(*) FROM t;\nDELETE FROM t WHERE a > 5000;\n");
        Assert.Equal(1, r.ExitCode);
        // 1,677 rows fit in 16 MiB; once the answer is spent every later row fails too, other statements still run.
        var error = $"Runtime error near line {{0}}: {EngineLimits.AnswerTooLargeMessage} (18)\n";
        Assert.Equal(string.Format(error, 1) + string.Format(error, 2), r.Body);
        Assert.Equal(1677 * 10_001, r.Stdout.Length);
        // A later script has its own budget.
        Assert.Equal("5000\n", db.Execute("SELECT count(*) FROM t;\n").Body);
        Assert.Equal(0, db.Execute($"SELECT '{tenKb}' FROM t LIMIT 1000;\n").ExitCode);
    }

    [Fact]
    public void The_answer_limit_counts_utf8_bytes_across_the_whole_script()
    {
        var db = new Database();
        Assert.Equal(0, db.Execute("CREATE TABLE d(v TEXT); INSERT INTO d VALUES('中');\n" +
                                   string.Concat(Enumerable.Repeat("UPDATE d SET v=v||v;\n", 20))).ExitCode);
        // Each row prints 3 MiB + a newline: five fit in 16 MiB, the sixth does not.
        var script = string.Concat(Enumerable.Repeat("SELECT v FROM d;\n", 6)) + "SELECT length(v) FROM d;\n";
        var r = db.Execute(script);
        var error = $"{EngineLimits.AnswerTooLargeMessage} (18)\n";
        Assert.Equal($"Runtime error near line 6: {error}Runtime error near line 7: {error}", r.Stderr);
        Assert.Equal(5 * (3 * 1048576 + 1), Encoding.UTF8.GetByteCount(r.Stdout));
    }

    [Fact]
    public void The_statement_memory_limit_stops_a_sort_of_big_values()
    {
        var db = new Database();
        var setup = new StringBuilder("CREATE TABLE d(v TEXT);\n");
        for (int i = 0; i < 20; i++) setup.Append("INSERT INTO d VALUES('x');");
        setup.Append('\n');
        for (int i = 0; i < 21; i++) setup.Append("UPDATE d SET v=v||v;\n");
        Assert.Equal(0, db.Execute(setup.ToString()).ExitCode);
        // 20 rows of 2 MiB each as key and as result column: 80 MiB held by the sorter, over 64 MiB.
        var r = db.Execute("SELECT length(v), v FROM d ORDER BY v;\n");
        Assert.Equal($"Runtime error near line 1: {EngineLimits.StatementTooLargeMessage} (7)\n", r.Body);
        Assert.Equal("20|2097152\n", db.Execute("SELECT count(*), length(v) FROM d;\n").Body);
        Assert.Equal("2097152\n", db.Execute("SELECT length(v) FROM d ORDER BY v LIMIT 1;\n").Body);
    }

    [Fact]
    public void The_database_limit_fails_with_sqlite3s_full_error_rolls_back_and_keeps_serving()
    {
        // '中' is 3 UTF-8 bytes in one UTF-16 char: 256 MiB counted is ~170 MB of heap.
        var db = new Database();
        var setup = new StringBuilder("CREATE TABLE d(id INTEGER PRIMARY KEY, v TEXT);\n");
        for (int i = 0; i < 100; i++) setup.Append("INSERT INTO d(v) VALUES('中');");
        setup.Append('\n');
        for (int i = 0; i < 19; i++) setup.Append("UPDATE d SET v=v||v;\n");
        // 100 rows of 1.5 MiB: 150 MiB. Doubling them once more would be 300 MiB.
        Assert.Equal(0, db.Execute(setup.ToString()).ExitCode);
        var r = db.Execute("SELECT 1;\nUPDATE d SET v=v||v;\nSELECT 2;\n");
        Assert.Equal("Runtime error near line 2: database or disk is full (13)\n", r.Stderr);
        Assert.Equal("1\n2\n", r.Stdout);
        // Rolled back: every row still 2^19 chars.
        Assert.Equal("100|0\n", db.Execute("SELECT count(*), count(*) - count(*) FROM d;\n").Body);
        Assert.Equal("0\n", db.Execute("SELECT count(*) FROM d WHERE length(v) <> 524288;\n").Body);
        // Growing part of it fails the same way; a smaller change still works.
        Assert.Equal("Runtime error near line 1: database or disk is full (13)\n",
            db.Execute("UPDATE d SET v=v||v WHERE id <= 80;\n").Stderr);
        Assert.Equal("0\n", db.Execute("SELECT count(*) FROM d WHERE length(v) <> 524288;\n").Body);
        Assert.Equal(0, db.Execute("UPDATE d SET v='small' WHERE id = 1; CREATE TABLE e(x); INSERT INTO e VALUES(1);\n").ExitCode);
        Assert.Equal("1\n", db.Execute("SELECT x FROM e;\n").Body);
        // A snapshot of a database near the limit restores with the same size accounting.
        using var stream = new MemoryStream();
        db.WriteSnapshot(stream);
        var restored = Database.ReadSnapshot(new MemoryStream(stream.ToArray()));
        Assert.Equal("Runtime error near line 1: database or disk is full (13)\n",
            restored.Execute("UPDATE d SET v=v||v WHERE id <= 80;\n").Stderr);
        Assert.Equal("small\n", restored.Execute("SELECT v FROM d WHERE id = 1;\n").Body);
    }

    [Fact]
    public void Dropping_a_table_gives_its_space_back()
    {
        var db = new Database();
        var setup = new StringBuilder("CREATE TABLE d(v TEXT);\n");
        for (int i = 0; i < 60; i++) setup.Append("INSERT INTO d VALUES('中');");
        setup.Append('\n');
        for (int i = 0; i < 20; i++) setup.Append("UPDATE d SET v=v||v;\n");
        // 60 rows x 3 MiB = 180 MiB; a second such table would pass 256 MiB unless the first is dropped.
        Assert.Equal(0, db.Execute(setup.ToString()).ExitCode);
        Assert.Equal(1, db.Execute(setup.ToString().Replace("CREATE TABLE d", "CREATE TABLE e").Replace("UPDATE d", "UPDATE e").Replace("INTO d", "INTO e")).ExitCode);
        Assert.Equal(0, db.Execute("DROP TABLE d; DROP TABLE e;\n").ExitCode);
        Assert.Equal(0, db.Execute(setup.ToString()).ExitCode);
    }
}
