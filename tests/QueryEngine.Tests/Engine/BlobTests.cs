using FastDb.QueryEngine.Tests.Support;

namespace FastDb.QueryEngine.Tests.Engine;

/// <summary>Blob values beyond what the golden cases and the generator cover: snapshots carry them byte for byte,
/// randomblob() draws from random()'s seeded stream, and a blob that is not UTF-8 is refused wherever it would
/// become text, never printed differently.</summary>
public class BlobTests
{
    const string Setup =
        "CREATE TABLE b(k BLOB UNIQUE, v, t TEXT);\n" +
        "INSERT INTO b VALUES(X'00FF', X'', 'x'), (X'41', zeroblob(3), X'c3a9'), (X'', X'0102030405060708', NULL), (NULL, X'80', CAST('é' AS BLOB));\n" +
        "CREATE INDEX bv ON b(v);\n";

    const string Queries =
        "SELECT hex(k), hex(v), typeof(v), quote(t), typeof(t) FROM b ORDER BY k;\n" +
        "SELECT hex(k) FROM b WHERE k = X'41';\n" +
        "SELECT length(v) FROM b ORDER BY v;\n" +
        "INSERT INTO b VALUES(X'41', 1, 2);\n";

    [Fact]
    public void Blobs_survive_a_snapshot_byte_for_byte()
    {
        var engine = new EngineRunner();
        Assert.Equal(0, engine.ExecuteScript(Setup).ExitCode);
        var before = engine.ExecuteScript(Queries);
        Assert.Contains("X'C3A9'", before.Stdout, StringComparison.Ordinal);
        Assert.Contains("UNIQUE constraint failed: b.k", before.Stderr, StringComparison.Ordinal);
        var restored = new EngineRunner();
        restored.ExecuteScript(Setup);
        Assert.Null(restored.SnapshotAndRestore());
        Assert.Equal(before, restored.ExecuteScript(Queries));
    }

    [Fact]
    public void A_snapshot_cut_inside_a_blob_is_rejected()
    {
        var db = new Database();
        db.Execute("CREATE TABLE b(v); INSERT INTO b VALUES(X'0102030405060708090a');\n");
        using var stream = new MemoryStream();
        db.WriteSnapshot(stream);
        var bytes = stream.ToArray();
        int at = bytes.AsSpan().IndexOf(new byte[] { 1, 2, 3, 4 });
        Assert.True(at > 0);
        Assert.Throws<FormatException>(() => Database.ReadSnapshot(new MemoryStream(bytes[..(at + 5)])));
        bytes[at - 1] = 0x7f; // a length past the end
        Assert.Throws<FormatException>(() => Database.ReadSnapshot(new MemoryStream(bytes)));
    }

    [Fact]
    public void Randomblob_draws_from_the_seeded_stream_random_uses()
    {
        string Run(ulong seed, string script)
        {
            using var entry = Database.FixEntry(1_700_000_000_000, seed);
            var r = new Database().Execute(script);
            Assert.Equal(0, r.ExitCode);
            return r.Stdout;
        }
        const string blobs = "SELECT hex(randomblob(12)), hex(randomblob(1)), length(randomblob(0));\n";
        Assert.Equal(Run(42, blobs), Run(42, blobs));
        Assert.NotEqual(Run(42, blobs), Run(43, blobs));
        // One stream: a random() before the randomblob() moves it on by one draw (eight bytes).
        var alone = Run(5, "SELECT hex(randomblob(16));\n").Trim();
        var after = Run(5, "SELECT random(); SELECT hex(randomblob(8));\n").Split('\n')[1];
        Assert.Equal(alone[16..], after);
        Assert.Equal(32, alone.Length);
    }

    [Theory]
    [InlineData("SELECT X'FF';")]
    [InlineData("SELECT X'41' || X'80';")]
    [InlineData("SELECT CAST(X'C328' AS TEXT) IS NULL;")]
    [InlineData("SELECT lower(X'ED9FBF80');")]
    [InlineData("CREATE TABLE b(v); INSERT INTO b VALUES(X'FE'); SELECT * FROM b;")]
    [InlineData(".mode json\nSELECT X'80';", 2)]
    public void A_blob_that_is_not_utf8_is_refused_where_it_becomes_text(string script, int line = 1)
    {
        var r = new Database().Execute(script + "\n");
        Assert.Equal($"Parse error near line {line}: FastDb does not support blobs that are not valid UTF-8 as text (use hex() or quote())\n", r.Body);
        Assert.Equal(1, r.ExitCode);
    }

    [RequiresSqlite3Fact]
    public void The_same_blob_as_bytes_or_numbers_matches_sqlite3() => OracleAssert.EngineMatchesShell(
        "CREATE TABLE b(v); INSERT INTO b VALUES(X'FE'), (X'3132FF');\n" +
        "SELECT hex(v), quote(v), length(v), typeof(v), CAST(v AS INTEGER), v + 0, hex(substr(v, 2)), instr(v, X'FF') FROM b;\n" +
        ".mode insert\nSELECT * FROM b;\n");

    [Fact]
    public void Rqlite_blob_parameters_bind_as_blob_literals()
    {
        var bound = Statements.ParameterBinder.Bind(new Statements.StatementRequest("SELECT hex(?), typeof(?)",
            [Statements.ParameterValue.FromBlob([0, 255, 16]), Statements.ParameterValue.FromBlob([])], []));
        Assert.Equal("SELECT hex(X'00FF10'), typeof(X'')", bound);
        Assert.Equal("00FF10|blob\n", new Database().Execute(bound + ";\n").Stdout);
    }
}
