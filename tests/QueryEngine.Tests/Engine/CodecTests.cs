using FastDb.QueryEngine.Commands;

namespace FastDb.QueryEngine.Tests.Engine;

/// <summary>Commands and snapshots survive a round trip, and any corruption is a FormatException, nothing else.</summary>
public class CodecTests
{
    [Theory]
    [InlineData("SELECT 1;")]
    [InlineData("")]
    [InlineData("INSERT INTO t VALUES('héllo ☃ 😀');\n")]
    public void Script_commands_round_trip(string script)
    {
        var cmd = SqlCommand.Recognize(script);
        var back = SqlCommand.ReadFrom(cmd.ToBytes());
        Assert.Equal(script, back.Script);
    }

    [Fact]
    public void Ctf_command_with_unusual_name_and_word_uses_the_general_ctf_encoding()
    {
        var cmd = new CtfUpdateCommand("Zed_9", 7, "WORD");
        var back = Assert.IsType<CtfUpdateCommand>(SqlCommand.ReadFrom(cmd.ToBytes()));
        Assert.Equal(("Zed_9", 7, "WORD"), (back.Name, back.Amount, back.Word));
    }

    [Fact]
    public void Random_and_truncated_bytes_fail_only_with_format_exception()
    {
        var rng = new Random(7);
        var samples = new List<byte[]>
        {
            Array.Empty<byte>(), new byte[] { 0 }, new byte[] { 9 }, new byte[] { 1, 0xff, 0xff, 0xff, 0xff, 0x7f },
            new byte[] { 1, 2, 0xc3, 0x28 }, new byte[] { 2, 7, 1 },
        };
        var valid = new[] { SqlCommand.Recognize("SELECT 1;").ToBytes(), new CtfUpdateCommand("gdb", 5, "abcdefghijkmnpq").ToBytes(), new CtfUpdateCommand("x", 5, "y").ToBytes() };
        foreach (var v in valid)
            for (int len = 0; len < v.Length; len++) samples.Add(v[..len]);
        for (int i = 0; i < 2000; i++)
        {
            var b = new byte[rng.Next(0, 24)];
            rng.NextBytes(b);
            samples.Add(b);
        }
        foreach (var bytes in samples)
        {
            try { SqlCommand.ReadFrom(bytes); }
            catch (FormatException) { }
        }
        foreach (var v in valid)
            for (int len = 0; len < v.Length; len++) Assert.Throws<FormatException>(() => SqlCommand.ReadFrom(v[..len]));
    }

    /// <summary>A per-row DEFAULT comes back from the CREATE text: the restored node computes it for each row it
    /// inserts, with the entry's 'now', as the node that replays the log does.</summary>
    [Fact]
    public void Snapshot_round_trip_keeps_per_row_defaults()
    {
        const string before = "CREATE TABLE ev(id INTEGER PRIMARY KEY, at TEXT DEFAULT CURRENT_TIMESTAMP, d DEFAULT (date('now', '+1 day')), k DEFAULT 'x');\nINSERT INTO ev(id) VALUES (1);\nALTER TABLE ev RENAME COLUMN d TO day;\n";
        const string after = "INSERT INTO ev(id) VALUES (2);\nINSERT INTO ev DEFAULT VALUES;\nSELECT * FROM ev;\nPRAGMA table_info(ev);\n";
        ExecutionResult replaying, restored;
        using (Database.FixNow(1_700_000_000_000)) (replaying, restored) = Support.SnapshotReplay.Run(before, after);
        Assert.Equal(replaying, restored);
        Assert.Contains("2|2023-11-14 22:13:20|2023-11-15|x\n3|2023-11-14 22:13:20|2023-11-15|x\n", restored.Stdout);
        var db = new Database();
        db.Execute(before);
        var ms = new MemoryStream();
        db.WriteSnapshot(ms);
        var bytes = ms.ToArray();
        // The CREATE text's DEFAULT made a constant of the same length: the flag no longer matches it.
        byte[] from = "CURRENT_TIMESTAMP"u8.ToArray(), to = "'CURRENT_TIMESTA'"u8.ToArray();
        int at = bytes.AsSpan().IndexOf(from);
        Assert.True(at > 0);
        to.CopyTo(bytes, at);
        var e = Assert.Throws<FormatException>(() => Database.ReadSnapshot(new MemoryStream(bytes)));
        Assert.Contains("per-row DEFAULT", e.Message);
    }

    /// <summary>An upsert's excluded.* of a column the row omits reads its DEFAULT's expression, which the snapshot
    /// carries only as a value: the restored node takes it back from the CREATE text (it read NULL and forked).</summary>
    [Fact]
    public void Snapshot_round_trip_keeps_default_expressions_for_upserts()
    {
        var (replaying, restored) = Support.SnapshotReplay.Run(
            "CREATE TABLE t(id INTEGER PRIMARY KEY, b INTEGER DEFAULT '5', c);\nINSERT INTO t(id, c) VALUES (1, 0);\n",
            "INSERT INTO t(id, c) VALUES (1, 9) ON CONFLICT(id) DO UPDATE SET c = typeof(excluded.b) || excluded.b;\nSELECT * FROM t;\n");
        Assert.Equal(replaying, restored);
        Assert.Equal("1|5|text5\n", restored.Stdout);
    }

    [Fact]
    public void Snapshot_round_trip_keeps_rows_rowids_and_constraints()
    {
        var db = new Database();
        db.Execute("CREATE TABLE t(id INTEGER PRIMARY KEY, a UNIQUE NOT NULL, b REAL DEFAULT 1.5, c); INSERT INTO t VALUES(10,'x',NULL,1),(3,'y',2,'z'); INSERT INTO t(a) VALUES('w'); CREATE TABLE u(v);");
        var ms = new MemoryStream();
        db.WriteSnapshot(ms);
        var copy = Database.ReadSnapshot(new MemoryStream(ms.ToArray()));
        const string probe = "SELECT rowid, * FROM t; INSERT INTO t(a) VALUES('x');\nINSERT INTO t(a, c) VALUES('q', 2); SELECT * FROM t WHERE a > 'p'; SELECT count(*) FROM u;";
        Assert.Equal(db.Execute(probe), copy.Execute(probe));
    }

    [Fact]
    public void Corrupt_snapshots_fail_with_format_exception()
    {
        var db = new Database();
        db.Execute("CREATE TABLE t(id INTEGER PRIMARY KEY, a UNIQUE, b); INSERT INTO t VALUES(1,'x',2.5),(2,'y',NULL);");
        var ms = new MemoryStream();
        db.WriteSnapshot(ms);
        byte[] good = ms.ToArray();
        for (int len = 0; len < good.Length; len++)
            Assert.Throws<FormatException>(() => Database.ReadSnapshot(new MemoryStream(good[..len])));
        var rng = new Random(3);
        for (int i = 0; i < 500; i++)
        {
            var bad = (byte[])good.Clone();
            bad[rng.Next(bad.Length)] ^= (byte)rng.Next(1, 256);
            try { Database.ReadSnapshot(new MemoryStream(bad)).Execute("SELECT * FROM t;"); }
            catch (FormatException) { }
        }
    }
}
