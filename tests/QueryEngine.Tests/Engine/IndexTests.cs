using FastDb.QueryEngine.Tests.Support;

namespace FastDb.QueryEngine.Tests.Engine;

/// <summary>CREATE [UNIQUE] INDEX and DROP INDEX against the real shell: their errors in SQLite's order, sqlite_master's
/// rows, the uniqueness they enforce, and the row order they give queries without ORDER BY (a covering index scan,
/// an index range, ORDER BY walking the index).</summary>
public class IndexTests
{
    const string Rows = "CREATE TABLE t(a, b UNIQUE, c TEXT, d INTEGER PRIMARY KEY);\n" +
                        "INSERT INTO t(a, b, c) VALUES(3,1,'x'),(1,2,'y'),(2,3,NULL),(1,4,'a'),(NULL,5,'b'),(2.5,6,'c'),('t',7,'d');\n";

    public static TheoryData<string> Scripts() => new()
    {
        // sqlite_master's text: from the name to just before ";" (spaces and comments there kept), IF NOT EXISTS
        // dropped, UNIQUE kept, quotes and case as written.
        Rows + "CREATE INDEX   IF NOT EXISTS  ia ON t ( a ) ;\nCREATE UNIQUE INDEX \"Ub\" on t(b) /* c */ ;\nCREATE INDEX ic ON t(c)\n;\n" +
        "SELECT rowid, * FROM sqlite_master;\n",
        // Errors, in sqlite3CreateIndex's order.
        Rows + "CREATE INDEX ia ON t(a);\nCREATE INDEX ia ON t(a);\nCREATE INDEX IF NOT EXISTS ia ON t(b);\nCREATE INDEX t ON t(a);\n" +
        "CREATE TABLE ia(x);\nCREATE TABLE IF NOT EXISTS ia(x);\nCREATE INDEX ib ON nosuch(a);\nCREATE INDEX ib ON t(nosuch);\n" +
        "CREATE INDEX sqlite_x ON t(a);\nCREATE INDEX ib ON sqlite_master(name);\nCREATE INDEX ib ON sqlite_schema(name);\n" +
        "CREATE INDEX ib ON t();\nCREATE INDEX ib ON t(a) xx;\nCREATE INDEX ON t(a);\nCREATE INDEX ib t(a);\n" +
        "CREATE UNIQUE INDEX uc ON t(a);\nCREATE UNIQUE INDEX uc ON t(c);\nINSERT INTO t(a, b, c) VALUES(9, 9, 'x');\nINSERT INTO t(a, b, c) VALUES(9, 10, NULL);\n" +
        "UPDATE t SET c = 'y' WHERE b = 9;\nINSERT OR REPLACE INTO t(a, b, c) VALUES(10, 11, 'y');\nINSERT OR IGNORE INTO t(a, b, c) VALUES(10, 12, 'x');\nSELECT * FROM t;\n" +
        "DROP INDEX ia;\nDROP INDEX ia;\nDROP INDEX IF EXISTS ia;\nDROP INDEX sqlite_autoindex_t_1;\nDROP INDEX t;\nDROP INDEX uc;\n" +
        "INSERT INTO t(a, b, c) VALUES(9, 13, 'x');\nSELECT rowid, * FROM sqlite_master;\n",
        // Key lookups (one row, no scan): a UNIQUE column of each affinity against constants of each type, the
        // rowid and the INTEGER PRIMARY KEY, with other terms; a later row's error in another term is never reached.
        "CREATE TABLE k(i INTEGER UNIQUE, r REAL UNIQUE, n NUMERIC UNIQUE, t TEXT UNIQUE, b BLOB UNIQUE, x UNIQUE, id INTEGER PRIMARY KEY);\n" +
        "INSERT INTO k VALUES(1, 1.5, '2', 'a', 3, '4', 10), ('x', 2, 2.5, '7', '3', 4, 11), (-9223372036854775808, NULL, NULL, 8, 5.0, 'q', 12);\n" +
        "SELECT id FROM k WHERE i = 1;\nSELECT id FROM k WHERE i = '1';\nSELECT id FROM k WHERE i = 1.0;\nSELECT id FROM k WHERE i = 'x';\nSELECT id FROM k WHERE 'x' = i;\n" +
        "SELECT id FROM k WHERE r = 2;\nSELECT id FROM k WHERE r = '1.5';\nSELECT id FROM k WHERE n = 2;\nSELECT id FROM k WHERE n = '2.5';\nSELECT id FROM k WHERE t = 7;\n" +
        "SELECT id FROM k WHERE t = '8';\nSELECT id FROM k WHERE t = 8.0;\nSELECT id FROM k WHERE b = 3;\nSELECT id FROM k WHERE b = '3';\nSELECT id FROM k WHERE b = 5;\n" +
        "SELECT id FROM k WHERE x = 4;\nSELECT id FROM k WHERE x = '4';\nSELECT id FROM k WHERE x = NULL;\nSELECT id FROM k WHERE t = CAST('7' AS INTEGER);\n" +
        "SELECT id FROM k WHERE x = CAST(4 AS TEXT);\nSELECT i FROM k WHERE id = 11;\nSELECT i FROM k WHERE rowid = '12';\nSELECT i FROM k WHERE id = 11.0;\n" +
        "SELECT i FROM k WHERE id = '11.0';\nSELECT i FROM k WHERE rowid = 99;\nSELECT id FROM k WHERE t = 'a' AND abs(i) > 0;\nSELECT id FROM k WHERE abs(i) > 0 AND t = 'a';\n" +
        "SELECT id FROM k WHERE t = 'a' AND r > 5;\nSELECT id FROM k WHERE 1 + 1 = t;\nSELECT id FROM k WHERE t = 'a' || '';\nUPDATE k SET x = 'u' WHERE t = 'a';\nDELETE FROM k WHERE i = 'x';\nSELECT * FROM k;\n",
        // Row order: a covering index scan, a range on the index, equality, ORDER BY walking it (ties in rowid order).
        Rows + "CREATE INDEX ia ON t(a);\nSELECT a FROM t;\nSELECT a, d FROM t;\nSELECT * FROM t WHERE a > 1;\nSELECT * FROM t WHERE a >= 1 AND a < 3;\n" +
        "SELECT * FROM t WHERE a = 1;\nSELECT c FROM t WHERE a IS NOT NULL;\nSELECT a FROM t WHERE a IS NOT NULL;\nSELECT * FROM t ORDER BY a;\nSELECT * FROM t ORDER BY a DESC;\n" +
        "SELECT b FROM t WHERE a > 1 AND b > 2;\nSELECT * FROM t WHERE a = 1 OR a = 3;\nSELECT * FROM t WHERE a = 2 OR b = 1;\nSELECT count(*) FROM t WHERE a > 1;\n" +
        "DROP INDEX ia;\nSELECT a FROM t;\nSELECT * FROM t WHERE a > 1;\n",
        // A text index and a covering choice between indexes, then DROP TABLE frees every page.
        Rows + "CREATE INDEX ic ON t(c);\nSELECT c FROM t;\nSELECT c, b FROM t;\nSELECT * FROM t WHERE c > 'b';\nCREATE INDEX ia ON t(a);\nSELECT a FROM t;\nSELECT c FROM t;\n" +
        "DROP TABLE t;\nCREATE TABLE u(x);\nCREATE INDEX ux ON u(x);\nCREATE TABLE v(y UNIQUE);\nSELECT * FROM sqlite_master;\n",
        // Writes keep the orders right afterwards.
        Rows + "CREATE INDEX ia ON t(a);\nUPDATE t SET a = 0 WHERE b = 4;\nDELETE FROM t WHERE a = 3;\nINSERT INTO t(a, b) VALUES(1.5, 20);\nSELECT a, b FROM t;\nSELECT * FROM t WHERE a < 2;\n",
    };

    [RequiresSqlite3Theory]
    [MemberData(nameof(Scripts))]
    public void Matches_sqlite3(string script) => OracleAssert.EngineMatchesShell(script);

    [RequiresSqlite3Fact]
    public void Indexes_survive_a_snapshot()
    {
        var setup = Rows + "CREATE INDEX ia ON t(a);\nCREATE UNIQUE INDEX uc ON t(c);\n";
        var script = "SELECT a FROM t;\nSELECT * FROM t WHERE a > 1;\nINSERT INTO t(c) VALUES('x');\nDROP INDEX ia;\nSELECT a FROM t;\nSELECT * FROM sqlite_master;\n";
        OracleAssert.EngineMatchesShellAcrossSnapshot(setup, script);
    }

    [Theory]
    [InlineData("CREATE INDEX j ON t(a, A);", "an index naming a column twice")]
    [InlineData("CREATE INDEX j ON t(a, b DESC);", "DESC index columns")]
    [InlineData("CREATE INDEX j ON t(a COLLATE nocase);", "COLLATE")]
    [InlineData("CREATE INDEX j ON t(a + 1);", "indexes on expressions")]
    [InlineData("CREATE INDEX j ON t(a) WHERE b > 0;", "partial indexes (CREATE INDEX ... WHERE)")]
    [InlineData("CREATE INDEX j ON t(a, b + 1);", "indexes on expressions")]
    public void What_is_not_indexed_yet_is_refused(string statement, string construct)
    {
        var r = new Database().Execute("CREATE TABLE t(a, b);\n" + statement + "\n");
        Assert.Equal($"Parse error near line 2: FastDb does not support {construct}\n", r.Body);
    }
}
