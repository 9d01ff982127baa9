using FastDb.QueryEngine.Tests.Support;

namespace FastDb.QueryEngine.Tests.Engine;

/// <summary>Multi-column indexes (CREATE INDEX on several columns, UNIQUE (a, b), PRIMARY KEY (a, b)) against the real
/// shell: the uniqueness they enforce and its errors, sqlite_master and the PRAGMAs, ALTER TABLE, and the row order
/// of the plans they drive (an equality on a prefix of the key, a covering scan, ORDER BY walking the index); and
/// the refusals where SQLite's costs would choose between them and something else.</summary>
public class CompositeIndexTests
{
    const string Rows = "CREATE TABLE t(a, b, c, d TEXT);\n" +
                        "INSERT INTO t VALUES(2,1,'x','p'),(1,2,'y','q'),(2,NULL,NULL,'r'),(1,1,'a','s'),(NULL,5,'b','t'),(2,1,'c','u'),('t',7,'d','v'),(1,2.0,'e','w'),(2,0,'f','x');\n";

    public static TheoryData<string> Scripts() => new()
    {
        // Uniqueness: a NULL in the key never conflicts; the newest index is checked first; OR IGNORE / REPLACE.
        "CREATE TABLE u(a, b, c, UNIQUE(a, b), UNIQUE(c));\nINSERT INTO u VALUES(1, 2, 3);\nINSERT INTO u VALUES(1, 2, 3);\nINSERT INTO u VALUES(1, 2, 4);\n" +
        "INSERT INTO u VALUES(1, NULL, 5), (1, NULL, 6);\nINSERT INTO u VALUES(1.0, '2', 7);\nINSERT INTO u VALUES(1.0, 2.0, 8);\nINSERT OR IGNORE INTO u VALUES(1, 2, 9);\n" +
        "INSERT OR REPLACE INTO u VALUES(1, 2, 5);\nSELECT rowid, * FROM u;\nUPDATE u SET b = 2 WHERE c = 6;\nUPDATE u SET b = 3 WHERE c = 6;\nSELECT rowid, * FROM u;\n",
        "CREATE TABLE u(a, b, c, UNIQUE(c), UNIQUE(a, b));\nINSERT INTO u VALUES(1, 2, 3);\nINSERT INTO u VALUES(1, 2, 3);\n",
        // PRIMARY KEY (a, b): no rowid alias, even when a is INTEGER; the PRAGMAs; sqlite_master.
        "CREATE TABLE p(a INTEGER, b TEXT, c, PRIMARY KEY(a, b));\nINSERT INTO p VALUES(1, 'x', 1), (1, 'y', 2), (2, 'x', 3);\nINSERT INTO p VALUES(1, 'x', 4);\n" +
        "SELECT rowid, * FROM p;\nPRAGMA table_info(p);\nPRAGMA index_list(p);\nPRAGMA index_info(sqlite_autoindex_p_1);\nPRAGMA index_xinfo(sqlite_autoindex_p_1);\n" +
        "SELECT * FROM sqlite_master;\n",
        "CREATE TABLE p(a, b, PRIMARY KEY(b, a), UNIQUE(a, b), UNIQUE(b, a));\nPRAGMA table_info(p);\nPRAGMA index_list(p);\nSELECT * FROM sqlite_master;\n" +
        "CREATE TABLE q(a, b, UNIQUE(a, zz));\nCREATE TABLE q(a INTEGER, b, PRIMARY KEY(a, b) AUTOINCREMENT);\nCREATE TABLE q(a, PRIMARY KEY(a, b));\n",
        // CREATE INDEX: its errors, rows already there, sqlite_master and the PRAGMAs; DROP INDEX.
        Rows + "CREATE UNIQUE INDEX ux ON t(a, b);\nCREATE INDEX ib ON t(a, zz);\nCREATE INDEX ib ON t(a, rowid);\nCREATE INDEX iab ON t(a, b);\n" +
        "CREATE UNIQUE INDEX ucd ON t(c, d);\nINSERT INTO t VALUES(0, 0, 'x', 'p');\nINSERT INTO t VALUES(0, 0, 'x', 'q');\nPRAGMA index_list(t);\n" +
        "PRAGMA index_info(iab);\nPRAGMA index_xinfo(ucd);\nSELECT * FROM sqlite_master;\nDROP INDEX iab;\nSELECT * FROM sqlite_master;\n",
        // Row order: an equality on a prefix walks the rest of the key, then rowid; ranges on the next column;
        // ORDER BY the next columns, forward and backward; a sort of what it does not satisfy.
        Rows + "CREATE INDEX iab ON t(a, b);\nSELECT * FROM t WHERE a = 2;\nSELECT * FROM t WHERE a = 1 AND b = 2;\nSELECT * FROM t WHERE b = 1 AND a = 2;\n" +
        "SELECT * FROM t WHERE a = 2 AND b > 0;\nSELECT * FROM t WHERE a = 2 AND b < 5 AND c > 'a';\nSELECT * FROM t WHERE a IS NULL;\nSELECT * FROM t WHERE a = '2';\n" +
        "SELECT * FROM t WHERE a = 2 ORDER BY b;\nSELECT * FROM t WHERE a = 2 ORDER BY b DESC;\nSELECT * FROM t WHERE a = 2 ORDER BY a, b DESC;\nSELECT * FROM t WHERE a = 2 ORDER BY c;\n" +
        "SELECT * FROM t WHERE a = 2 ORDER BY b, c DESC;\nSELECT * FROM t WHERE a = 2 LIMIT 2 OFFSET 1;\nSELECT count(*), sum(b), group_concat(c) FROM t WHERE a = 2;\n" +
        "SELECT max(b) FROM t WHERE a = 2;\nSELECT * FROM t WHERE a = 1 AND b = 2 AND c = 'e';\nSELECT c FROM t WHERE b = 1;\nSELECT * FROM t;\nSELECT c, d FROM t ORDER BY c;\n",
        // A range of the first column walks the index over it (its other terms are tested on those rows only).
        Rows + "CREATE INDEX iab ON t(a, b);\nINSERT INTO t VALUES(0, 1, -9223372036854775808, 'y');\nSELECT * FROM t WHERE a > 1;\nSELECT * FROM t WHERE a >= 1 AND a < 2.5;\n" +
        "SELECT * FROM t WHERE a < 'a' AND b > 0;\nSELECT * FROM t WHERE a > 1 AND abs(c) > 0;\nSELECT * FROM t WHERE a > 1 ORDER BY b;\nSELECT * FROM t WHERE a > 1 ORDER BY a DESC, b DESC;\n" +
        "SELECT * FROM t WHERE a > 1 ORDER BY a, b DESC;\nSELECT a, b FROM t WHERE a IS NOT NULL;\nSELECT a, b FROM t WHERE a > 1 LIMIT 2;\nSELECT * FROM t WHERE a <= 1 AND abs(c) > 0;\n" +
        "UPDATE t SET d = 'z' WHERE a > 1;\nDELETE FROM t WHERE a >= 2 AND b < 1;\nSELECT rowid, * FROM t;\n",
        // A covering scan of the index (narrower than the table), in index order; and ORDER BY its columns.
        Rows + "CREATE INDEX iab ON t(a, b);\nSELECT a, b FROM t;\nSELECT b FROM t;\nSELECT rowid, a FROM t;\nSELECT a, b FROM t ORDER BY a, b;\n" +
        "SELECT a, b FROM t ORDER BY a DESC, b DESC;\nSELECT a, b FROM t ORDER BY b;\nSELECT group_concat(b) FROM t;\nSELECT count(*) FROM t;\nSELECT min(a) FROM t;\n" +
        "SELECT a, b FROM t WHERE b > 0;\nSELECT * FROM t ORDER BY a, b;\nSELECT * FROM t ORDER BY a DESC, b DESC;\nSELECT * FROM t ORDER BY a;\n",
        // max() alone walks its index backwards (min() forwards): of keys that compare equal, 1 and 1.0, it reads
        // the last in index order; a lookup on another index, or the column fixed by WHERE, keeps the forward order.
        "CREATE TABLE m(a, b, c);\nCREATE INDEX ma ON m(a);\nCREATE INDEX mb ON m(b);\nINSERT INTO m VALUES(1, 0, 9), (1.0, 0, 9), (2, 1, 'x'), (2.0, 1, 'y');\n" +
        "SELECT max(a) FROM m;\nSELECT min(a) FROM m;\nSELECT max(a) FROM m WHERE c > 5;\nSELECT max(a) FROM m WHERE b = 0;\nSELECT max(a) FROM m WHERE a > 0;\n" +
        "SELECT max(a) FROM m WHERE a = 2;\nSELECT max(a), max(a) + 1 FROM m WHERE b > -1;\nSELECT max(a), count(*) FROM m;\n" +
        "CREATE TABLE n(a, b, c);\nCREATE INDEX nab ON n(a, b);\nINSERT INTO n VALUES(1, 1.0, 0), (1, 1, 0), (0, 2, 0), (0, 2.0, 0), (3, 5, 0);\n" +
        "SELECT max(b) FROM n WHERE a = 1;\nSELECT min(b) FROM n WHERE a = 0;\nSELECT max(b) FROM n WHERE a = 0;\nSELECT max(a) FROM n WHERE c = 0;\nSELECT max(b) FROM n WHERE a < 2;\n",
        // Joins where the index is not in the plan: none of its first column in the terms, not covering.
        "CREATE TABLE a(id INTEGER PRIMARY KEY, x);\nCREATE TABLE ab(a_id, b_id, n, PRIMARY KEY(a_id, b_id));\nINSERT INTO a VALUES(1, 'p'), (2, 'q');\n" +
        "INSERT INTO ab VALUES(2, 1, 5), (1, 2, 6), (1, 1, 7);\nSELECT * FROM a, ab WHERE ab.b_id = a.id ORDER BY ab.n;\nSELECT * FROM ab JOIN a ON a.id = ab.n - 4;\n" +
        "SELECT a.x, ab.n FROM a LEFT JOIN ab ON ab.b_id = a.id;\nSELECT count(*) FROM a CROSS JOIN ab;\n",
        // GROUP BY the first key columns walks the index: groups in key order, each one's rows by the next columns then
        // rowid, printed as they end (a failing WHERE ends the walk after the groups before its row's).
        "CREATE TABLE t(a INT, b INT, c TEXT, d);\nCREATE INDEX iab ON t(a, b);\n" +
        "INSERT INTO t VALUES (2,5,'p',1),(1,9,'q',2),(2,1,'r',3),(1,3,'s',4),(NULL,2,'t',5),(3,3,'u',6),(1,3,'v',-9223372036854775808),(2,1.0,'w',8),('2',0,'x',9);\n" +
        "SELECT a, group_concat(c) FROM t GROUP BY a;\nSELECT a, count(*) FROM t GROUP BY a;\nSELECT a, group_concat(c) FROM t WHERE c > 'q' GROUP BY a;\n" +
        "SELECT a, group_concat(c) FROM t WHERE b = 1 GROUP BY a;\nSELECT a, group_concat(c) FROM t WHERE a = 1 GROUP BY a;\nSELECT a, group_concat(c) FROM t WHERE a > 1 GROUP BY a;\n" +
        "SELECT a, group_concat(c) FROM t GROUP BY a ORDER BY a;\nSELECT a, max(b), c FROM t GROUP BY a;\nSELECT a, b, count(*), group_concat(c) FROM t GROUP BY a, b;\n" +
        "SELECT a, sum(abs(d)) FROM t GROUP BY a;\nSELECT a, count(*) FROM t WHERE abs(d) > 0 GROUP BY a;\nSELECT a, count(*) FROM t WHERE abs(d) > 0 GROUP BY a LIMIT 1;\n" +
        "SELECT a, group_concat(c) FROM t GROUP BY a HAVING count(*) > 1;\nSELECT a, group_concat(b) FROM t WHERE a >= 1 AND a < 3 GROUP BY a;\n" +
        // ORDER BY them DESC walks it backwards: groups from the largest key, each one's rows reversed too.
        "SELECT a, group_concat(c) FROM t GROUP BY a ORDER BY a DESC;\nSELECT a, b, group_concat(c) FROM t GROUP BY a, b ORDER BY a DESC, b DESC;\n" +
        "SELECT a, count(*) FROM t WHERE abs(d) > 0 GROUP BY a ORDER BY a DESC;\nSELECT a, group_concat(c) FROM t WHERE a > 1 GROUP BY a ORDER BY a DESC LIMIT 2;\n" +
        "CREATE TABLE pt(post_id INTEGER, tag_id INTEGER, PRIMARY KEY(post_id, tag_id));\nINSERT INTO pt VALUES (3,4),(2,3),(1,5),(3,1),(2,1),(1,2);\n" +
        "SELECT post_id, count(*), group_concat(tag_id) FROM pt GROUP BY post_id;\nSELECT post_id, count(*) FROM pt WHERE tag_id > 1 GROUP BY post_id HAVING count(*) > 1;\n",
        // A PRIMARY KEY covering the whole table is no narrower: a table scan.
        "CREATE TABLE j(x, y, PRIMARY KEY(x, y));\nINSERT INTO j VALUES(2, 1), (1, 2), (1, 1), (3, 0);\nSELECT * FROM j;\nSELECT y FROM j;\nSELECT * FROM j WHERE x = 1;\n" +
        "SELECT * FROM j ORDER BY x DESC;\nSELECT count(*) FROM j;\n",
        // UPDATE and DELETE through the index: one pass in its order when SET leaves its columns alone, else rowid order.
        "CREATE TABLE w(a, b, c UNIQUE);\nCREATE INDEX wab ON w(a, b);\nINSERT INTO w VALUES(1, 3, 10), (1, 1, 11), (1, 2, 12), (2, 1, 13);\n" +
        "UPDATE w SET c = 20 WHERE a = 1;\nUPDATE w SET c = c + 20 WHERE a = 1;\nSELECT rowid, * FROM w;\nINSERT INTO w VALUES(1, 5, 30), (1, 4, 31);\nUPDATE w SET c = 40, b = b WHERE a = 1;\n" +
        "SELECT rowid, * FROM w;\nDELETE FROM w WHERE a = 1 AND b > 4;\nSELECT rowid, * FROM w;\nUPDATE w SET c = c + 1 WHERE a = 2 RETURNING *;\nDELETE FROM w WHERE a = 1 RETURNING rowid;\n",
        // Upsert targets a multi-column UNIQUE in any column order; a catch-all DO NOTHING.
        "CREATE TABLE v(a, b, n, UNIQUE(a, b));\nINSERT INTO v VALUES(1, 1, 0);\nINSERT INTO v VALUES(1, 1, 5) ON CONFLICT(b, a) DO UPDATE SET n = n + excluded.n;\n" +
        "INSERT INTO v VALUES(1, 1, 5) ON CONFLICT(a) DO NOTHING;\nINSERT INTO v VALUES(1, 1, 7) ON CONFLICT DO NOTHING;\nINSERT INTO v VALUES(1, 2, 7) ON CONFLICT(a, b) DO NOTHING;\nSELECT * FROM v;\n",
        // ALTER TABLE: RENAME COLUMN rewrites every column of the index's text; RENAME TO its table; ADD COLUMN.
        "CREATE TABLE r(a, b, c, UNIQUE(b, a));\nCREATE INDEX rab ON r(a, b, c);\nINSERT INTO r VALUES(1, 2, 3);\nALTER TABLE r RENAME COLUMN b TO bb;\n" +
        "ALTER TABLE r RENAME COLUMN c TO \"c c\";\nALTER TABLE r RENAME TO s;\nALTER TABLE s ADD COLUMN e;\nSELECT * FROM sqlite_master;\nINSERT INTO s VALUES(1, 2, 4, 5);\n" +
        "PRAGMA index_info(rab);\nSELECT * FROM s WHERE a = 1;\n",
        // Transactions undo a CREATE INDEX and the rows it would refuse.
        "CREATE TABLE x(a, b);\nINSERT INTO x VALUES(1, 1);\nBEGIN;\nCREATE UNIQUE INDEX xab ON x(a, b);\nINSERT INTO x VALUES(1, 1);\nROLLBACK;\nINSERT INTO x VALUES(1, 1);\n" +
        "CREATE UNIQUE INDEX xab ON x(a, b);\nSELECT * FROM sqlite_master;\n",
        // INSERT ... SELECT * into an empty table with the same indexes copies the rows as they are (the transfer).
        "CREATE TABLE s1(a, b, UNIQUE(a, b));\nCREATE TABLE s2(a, b, UNIQUE(a, b));\nINSERT INTO s1 VALUES(1, 2), (3, 4);\nDELETE FROM s1 WHERE a = 1 AND b = 2;\n" +
        "INSERT INTO s1 VALUES(5, 6);\nINSERT INTO s2 SELECT * FROM s1;\nSELECT rowid, * FROM s2;\n",
    };

    [RequiresSqlite3Theory]
    [MemberData(nameof(Scripts))]
    public void Matches_sqlite3(string script) => OracleAssert.EngineMatchesShell(script);

    [RequiresSqlite3Fact]
    public void Survive_a_snapshot()
    {
        var setup = Rows + "CREATE INDEX iab ON t(a, b);\nCREATE TABLE p(x, y, z, PRIMARY KEY(y, x));\nINSERT INTO p VALUES(1, 2, 3), (2, 1, 4);\n";
        var script = "SELECT * FROM t WHERE a = 2;\nSELECT a, b FROM t;\nINSERT INTO p VALUES(1, 2, 5);\nPRAGMA table_info(p);\nPRAGMA index_info(iab);\n" +
                     "DROP INDEX iab;\nSELECT a, b FROM t;\nSELECT * FROM sqlite_master;\n";
        OracleAssert.EngineMatchesShellAcrossSnapshot(setup, script);
    }

    [Theory]
    [InlineData("SELECT * FROM t WHERE abs(a) > 1;", "IN or a function on the first column of a multi-column or DESC index")]
    [InlineData("SELECT * FROM t WHERE a IN (1, 2);", "IN, BETWEEN, LIKE or GLOB on a column of a multi-column or DESC index")]
    [InlineData("SELECT * FROM t WHERE a = 1 AND d BETWEEN 1 AND 2 AND a LIKE 'x';", "IN, BETWEEN, LIKE or GLOB on a column of a multi-column or DESC index")]
    [InlineData("SELECT * FROM t WHERE a = 1 AND c = 2;", "WHERE on the rowid or another index beside a multi-column or DESC index the query could use")]
    [InlineData("SELECT * FROM t WHERE a = 1 AND rowid = 2;", "WHERE on the rowid or another index beside a multi-column or DESC index the query could use")]
    [InlineData("SELECT * FROM t WHERE a = 1 OR a = 2;", "OR terms beside a multi-column or DESC index the query could use")]
    [InlineData("SELECT b, count(*) FROM t GROUP BY b;", "GROUP BY over a table with a multi-column or DESC index it could use")]
    [InlineData("SELECT a, b, count(*) FROM t GROUP BY a, b ORDER BY a DESC, b;", "GROUP BY over a table with a multi-column or DESC index it could use")]
    [InlineData("SELECT a, count(*) FROM t GROUP BY b, a;", "GROUP BY over a table with a multi-column or DESC index it could use")]
    [InlineData("SELECT DISTINCT a FROM t;", "SELECT DISTINCT over a table with a multi-column or DESC index it could use")]
    [InlineData("SELECT max(a), d FROM t WHERE a = 1;", "bare columns beside min() or max() over a table with a multi-column or DESC index it could use")]
    [InlineData("SELECT * FROM t ORDER BY a, d;", "ORDER BY that a multi-column or DESC index satisfies only in part")]
    [InlineData("SELECT * FROM t WHERE a = 1 ORDER BY b DESC, d;", "ORDER BY walking a multi-column or DESC index backwards that it satisfies only in part")]
    [InlineData("SELECT * FROM t ORDER BY a LIMIT 2;", "ORDER BY with LIMIT walking a multi-column or DESC index that does not cover the query")]
    [InlineData("SELECT t.d FROM t JOIN t AS u USING (a);", "a JOIN on two indexed columns")]
    [InlineData("SELECT u.a FROM t CROSS JOIN t AS u;", "joins over a table with a multi-column or DESC index that covers what they read of it")]
    [InlineData("SELECT * FROM t JOIN t AS u ON u.a = t.d ORDER BY u.b;", "ORDER BY, GROUP BY, DISTINCT, min() or max() on a column of a multi-column or DESC index in a join")]
    [InlineData("SELECT * FROM t JOIN t AS u ON u.a = t.d AND u.b = 1;", "a JOIN term on a later column of a multi-column index it looks a table up through")]
    [InlineData("SELECT b FROM t;", "a query that an ascending one-column index and a multi-column or DESC index both cover")]
    [InlineData("UPDATE t SET d = 'z' WHERE a + 0 > 1;", "IN or a function on the first column of a multi-column or DESC index")]
    [InlineData("DELETE FROM t WHERE a = 1 OR b = 2;", "OR terms beside a multi-column or DESC index the query could use")]
    public void What_the_planner_would_weigh_is_refused(string statement, string construct)
    {
        var r = new Database().Execute("CREATE TABLE t(a, b, c, d);\nCREATE INDEX iab ON t(a, b);\nCREATE INDEX ic ON t(c);\nCREATE INDEX ib ON t(b);\n" + statement + "\n");
        Assert.StartsWith($"Parse error near line 5: FastDb does not support {construct} yet", r.Body);
    }
}
