using FastDb.QueryEngine.Tests.Support;

namespace FastDb.QueryEngine.Tests.Engine;

/// <summary>Transactions across scripts: every script is one log entry and one sqlite3 run, so a transaction left open
/// at the end of a script is rolled back as sqlite3 does when it closes the database at the end of its input, and
/// the next script (after a snapshot too) starts outside any transaction. Plus the refusal where SQLite would keep a
/// half-done DELETE that FastDb cannot reproduce.</summary>
public class TransactionTests
{
    static readonly string[] Scripts =
    [
        "CREATE TABLE t(a INTEGER PRIMARY KEY, b UNIQUE);\nINSERT INTO t VALUES (1, 'x');\nBEGIN;\nINSERT INTO t VALUES (2, 'y');\nCREATE TABLE u(c);\nSELECT count(*) FROM t;\n",
        "SELECT * FROM t;\nSELECT name, rootpage FROM sqlite_master;\nCOMMIT;\nBEGIN;\nDELETE FROM t;\nDROP TABLE t;\n",
        "SELECT * FROM t;\nBEGIN;\nUPDATE t SET b = 'z';\nCOMMIT;\nCREATE TABLE u(c);\nSELECT name, rootpage FROM sqlite_master;\n",
        "SELECT * FROM t;\nSELECT * FROM u;\nROLLBACK;\n",
    ];

    [RequiresSqlite3Fact]
    public void Open_transaction_at_the_end_of_a_script_is_rolled_back_like_sqlite3_exiting()
    {
        using var file = new TempDatabaseFile();
        var engine = new EngineRunner();
        for (int i = 0; i < Scripts.Length; i++)
        {
            var expected = Sqlite3Shell.Run(Scripts[i], file.Path);
            Assert.Equal(expected, engine.ExecuteScript(Scripts[i]));
            Assert.Null(engine.SnapshotAndRestore());
        }
    }

    static readonly string[] SavepointScripts =
    [
        "CREATE TABLE t(a INTEGER PRIMARY KEY, b UNIQUE);\nSAVEPOINT s;\nINSERT INTO t VALUES (1, 'x');\nSAVEPOINT u;\nCREATE TABLE u(c);\nSELECT count(*) FROM t;\n",
        "SELECT * FROM t;\nSELECT name, rootpage FROM sqlite_master;\nRELEASE s;\nSAVEPOINT s;\nINSERT INTO t VALUES (2, 'y');\nRELEASE s;\nBEGIN;\nSAVEPOINT s;\nDELETE FROM t;\nRELEASE s;\n",
        "SELECT * FROM t;\nROLLBACK TO s;\nSELECT name FROM sqlite_master;\n",
    ];

    [RequiresSqlite3Fact]
    public void Open_savepoints_at_the_end_of_a_script_are_rolled_back_like_sqlite3_exiting()
    {
        using var file = new TempDatabaseFile();
        var engine = new EngineRunner();
        foreach (var script in SavepointScripts)
        {
            Assert.Equal(Sqlite3Shell.Run(script, file.Path), engine.ExecuteScript(script));
            Assert.Null(engine.SnapshotAndRestore());
        }
    }

    [Fact]
    public void Script_after_an_open_transaction_starts_outside_one()
    {
        var db = new Database();
        db.Execute("CREATE TABLE t(a);\nBEGIN;\nINSERT INTO t VALUES (1);\n");
        var r = db.Execute("COMMIT;\nSELECT count(*) FROM t;\n");
        Assert.Equal("0\n", r.Stdout);
        Assert.Equal("Runtime error near line 1: cannot commit - no transaction is active\n", r.Stderr);
    }

    [Fact]
    public void Delete_whose_where_fails_part_way_inside_a_transaction_is_refused()
    {
        var r = new Database().Execute("CREATE TABLE t(a);\nINSERT INTO t VALUES ('x'), (printf('%.*c', 3000000, 'y'));\nBEGIN;\nDELETE FROM t WHERE a || a = 'xx';\nSELECT count(*) FROM t;\n");
        Assert.Contains("FastDb does not support", r.Stderr);
    }
}
