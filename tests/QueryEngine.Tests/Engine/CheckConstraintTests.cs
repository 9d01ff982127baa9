using FastDb.QueryEngine.Tests.Support;

namespace FastDb.QueryEngine.Tests.Engine;

/// <summary>CHECK constraints against the real shell: column and table ones, named or not, tested in declaration
/// order after NOT NULL and before the keys on INSERT, UPDATE, upserts and INSERT ... SELECT (OR IGNORE skips the row,
/// OR REPLACE fails as ABORT), NULL passing, the INTEGER PRIMARY KEY reading the rowid just assigned; the errors
/// CREATE TABLE gives; a snapshot keeping them; and what FastDb refuses by name.</summary>
public class CheckConstraintTests
{
    public static TheoryData<string> Scripts() => new()
    {
        // Column and table CHECKs, named and not, in declaration order; the label is the name or the trimmed text.
        "CREATE TABLE t(a INTEGER CHECK (a > 0), b TEXT CONSTRAINT bnn CHECK(length(b) < 5), c, CHECK (a < 100 OR c IS NULL), CONSTRAINT pair CHECK ( a <> c ));\n" +
        "INSERT INTO t VALUES (1, 'x', 2);\nINSERT INTO t VALUES (0, 'x', 2);\nINSERT INTO t VALUES (5, 'toolong', 2);\nINSERT INTO t VALUES (500, 'x', 2);\n" +
        "INSERT INTO t VALUES (3, 'x', 3);\nINSERT INTO t VALUES (NULL, NULL, NULL);\nINSERT OR IGNORE INTO t VALUES (0, 'y', 1), (7, 'z', 1);\n" +
        "INSERT OR REPLACE INTO t VALUES (0, 'y', 1);\nUPDATE t SET a = -1 WHERE a = 1;\nUPDATE t SET b = 'ok' WHERE a = 1;\nSELECT * FROM t;\n" +
        "INSERT INTO t SELECT a + 1, b, c FROM t WHERE a IS NOT NULL;\nINSERT INTO t SELECT a - 10, b, c FROM t WHERE a IS NOT NULL;\nSELECT rowid, * FROM t;\n",
        // Constraint names: one holds for the column's later constraints; a table constraint's ends at its comma.
        "CREATE TABLE t1(x CONSTRAINT n1 NOT NULL CHECK (x > 0));\nINSERT INTO t1 VALUES (0);\nCREATE TABLE t2(x CHECK (x > 0), CONSTRAINT n2 UNIQUE (x), CHECK (x < 9));\n" +
        "INSERT INTO t2 VALUES (10);\nCREATE TABLE t3(x CONSTRAINT \"my name\" CHECK (x > 0));\nINSERT INTO t3 VALUES (0);\nCREATE TABLE t4(x, CHECK (   x\n   > 0   ));\n" +
        "INSERT INTO t4 VALUES (0);\nCREATE TABLE t5(x CHECK (x > 0 /* c */));\nINSERT INTO t5 VALUES (0);\nCREATE TABLE t6(x CHECK ((x > 0)));\nINSERT INTO t6 VALUES (0);\n" +
        "CREATE TABLE t7(x CONSTRAINT a CHECK (x > 0) CONSTRAINT b CHECK (x > 1));\nINSERT INTO t7 VALUES (1);\nCREATE TABLE t8(x, y, CONSTRAINT c1 CHECK (x > y), CHECK (x > 0));\n" +
        "INSERT INTO t8 VALUES (0, 1);\nINSERT INTO t8 VALUES (-1, -2);\nCREATE TABLE a1(x CONSTRAINT n NOT NULL, y CHECK (y > 0));\nINSERT INTO a1 VALUES (1, 0);\n" +
        "CREATE TABLE a2(x, CONSTRAINT n CHECK (x > 0), CHECK (x > 1));\nINSERT INTO a2 VALUES (1);\nSELECT name, sql FROM sqlite_master;\n" +
        // The last column's name carries into the first table constraint, and on while no comma separates them.
        "CREATE TABLE k1(a, c CONSTRAINT n1 NOT NULL, CHECK (a > 0));\nINSERT INTO k1 VALUES (0, 1);\nCREATE TABLE k2(a, c CONSTRAINT n1 NOT NULL, CHECK (a > 0), CHECK (a > 1));\n" +
        "INSERT INTO k2 VALUES (1, 1);\nCREATE TABLE k3(a, c CONSTRAINT n1, CHECK (a > 0) CHECK (a > 1));\nINSERT INTO k3 VALUES (1, 1);\n" +
        "CREATE TABLE k4(a, CONSTRAINT n2 UNIQUE (a) CHECK (a > 1));\nINSERT INTO k4 VALUES (1);\n",
        // NOT NULL before CHECK, CHECK before UNIQUE; the rowid just assigned; DEFAULT VALUES; upserts; affinity first.
        "CREATE TABLE w(x INT NOT NULL CHECK (x > 0) UNIQUE);\nINSERT INTO w VALUES (NULL);\nINSERT INTO w VALUES (1);\nINSERT INTO w VALUES (1);\nINSERT INTO w VALUES (0);\n" +
        "CREATE TABLE s2(id INTEGER PRIMARY KEY CHECK (id > 10));\nINSERT INTO s2 VALUES (NULL);\nINSERT INTO s2 VALUES (20);\nINSERT INTO s2 VALUES (NULL);\nSELECT * FROM s2;\n" +
        "CREATE TABLE t9(x CHECK (x IN ('a','b')) DEFAULT 'c');\nINSERT INTO t9 DEFAULT VALUES;\nINSERT INTO t9 VALUES ('a') RETURNING *;\n" +
        "CREATE TABLE t10(x INTEGER PRIMARY KEY, y CHECK (y <> x));\nINSERT INTO t10(y) VALUES (1);\nINSERT INTO t10 VALUES (5, 6) ON CONFLICT (x) DO UPDATE SET y = 5;\n" +
        "INSERT INTO t10 VALUES (5, 6) ON CONFLICT (x) DO UPDATE SET y = 5;\nINSERT INTO t10 VALUES (5, 6) ON CONFLICT (x) DO UPDATE SET y = 7;\nSELECT * FROM t10;\n" +
        "CREATE TABLE z(x INTEGER CHECK (typeof(x) = 'integer'));\nINSERT INTO z VALUES ('5');\nINSERT INTO z VALUES ('5x');\nSELECT * FROM z;\n" +
        "CREATE TABLE q(x CHECK (x));\nINSERT INTO q VALUES (0.0);\nINSERT INTO q VALUES ('a');\nINSERT INTO q VALUES (2);\nINSERT INTO q VALUES (NULL);\n" +
        "CREATE TABLE y(x CHECK (x > 0), CHECK (x < 10));\nINSERT INTO y VALUES (20);\nINSERT INTO y VALUES ('abc');\nCREATE TABLE s(x CHECK (x > 0) CHECK (x < 5));\nINSERT INTO s VALUES (7);\n" +
        "CREATE TABLE t13(x CHECK (rowid > 1));\nINSERT INTO t13 VALUES (5);\nCREATE TABLE t16(x CHECK (x LIKE 'a%'), y CHECK (date(y) IS NOT NULL));\n" +
        "INSERT INTO t16 VALUES ('b', '2020-01-01');\nINSERT INTO t16 VALUES ('a', 'x');\nINSERT INTO t16 VALUES ('a', '2020-01-01');\nSELECT * FROM t16;\n",
        // A failing CHECK undoes its statement's earlier rows, inside a transaction or not; an error inside a CHECK.
        "CREATE TABLE acct(id INTEGER PRIMARY KEY, bal INT CHECK (bal >= 0));\nINSERT INTO acct VALUES (1, 10), (2, 5);\nUPDATE acct SET bal = bal - 7;\nSELECT * FROM acct;\n" +
        "BEGIN;\nUPDATE acct SET bal = bal - 3 WHERE id = 1;\nUPDATE acct SET bal = bal - 6 WHERE id = 2;\nCOMMIT;\nSELECT * FROM acct;\nINSERT INTO acct VALUES (3, 1), (4, -1);\nSELECT * FROM acct;\n" +
        "CREATE TABLE r(x CHECK (abs(x) > 0));\nINSERT INTO r VALUES (-9223372036854775808);\nSELECT count(*) FROM r;\n",
        // A label that starts with a quote is what the quote encloses (sqlite3Dequote).
        "CREATE TABLE r2(\"y\" CHECK (\"y\" > 0 AND \"y\" < 9 AND y > -1));\nINSERT INTO r2 VALUES (10);\n" +
        "CREATE TABLE r3(y CHECK ('a' <> y), z CHECK ([z] > 0), w CHECK (`w` > 0), v CHECK (\"v\"\"x\" IS NULL OR v > 0));\n" +
        "INSERT INTO r3 VALUES ('a', 1, 1, 1);\nINSERT INTO r3 VALUES ('b', 0, 1, 1);\nINSERT INTO r3 VALUES ('b', 1, 0, 1);\nINSERT INTO r3 VALUES ('b', 1, 1, 0);\n",
        // RENAME COLUMN rewrites every reference inside the CHECKs (bare, quoted, qualified; not a function's name or a
        // string), and the failures name the new text.
        "CREATE TABLE t(x INT CHECK (x > 0), y CHECK (y <> x AND length(y) < 9), z, CONSTRAINT c1 CHECK (t.x < 100 AND \"x\" <> 'x'), CHECK (abs(x) < 50));\n" +
        "ALTER TABLE t RENAME COLUMN x TO w;\nSELECT sql FROM sqlite_master;\nINSERT INTO t VALUES (60, 1, 2);\nINSERT INTO t VALUES (0, 1, 2);\nINSERT INTO t VALUES (5, 5, 2);\n" +
        "ALTER TABLE t RENAME COLUMN w TO \"a b\";\nSELECT sql FROM sqlite_master;\nINSERT INTO t VALUES (7, 7, 2);\nALTER TABLE t RENAME COLUMN y TO x;\nSELECT sql FROM sqlite_master;\n" +
        "CREATE TABLE q(x, y, CHECK (x(1) IS NULL OR x > y), CHECK (x IN (1, x, 3)));\nALTER TABLE q RENAME COLUMN x TO k;\nSELECT sql FROM sqlite_master WHERE name = 'q';\n" +
        "CREATE TABLE r(\"x\" CHECK ([x] > 0 AND `x` < 9 AND X > -1));\nALTER TABLE r RENAME x TO y;\nSELECT sql FROM sqlite_master WHERE name = 'r';\nINSERT INTO r VALUES (10);\n",
        // The errors CREATE TABLE gives for its CHECK expressions.
        "CREATE TABLE u(x CHECK (x > (SELECT 1)));\nCREATE TABLE u(x CHECK (EXISTS (SELECT 1)));\nCREATE TABLE u(x CHECK (count(*) > 0));\nCREATE TABLE u(x CHECK (y > 0));\n" +
        "CREATE TABLE a6(x CHECK(x > 0), CHECK(sum(x) > 0));\nCREATE TABLE u(x CHECK (u.x > 0), CHECK (v.x > 0));\nSELECT count(*) FROM sqlite_master;\n",
    };

    [RequiresSqlite3Theory]
    [MemberData(nameof(Scripts))]
    public void Matches_sqlite3(string script) => OracleAssert.EngineMatchesShell(script);

    [RequiresSqlite3Fact]
    public void Survive_a_snapshot()
    {
        var setup = "CREATE TABLE t(a INT CHECK (a > 0), b, CONSTRAINT big CHECK (b < 100));\nINSERT INTO t VALUES (1, 2);\n";
        var script = "INSERT INTO t VALUES (0, 1);\nINSERT INTO t VALUES (2, 200);\nINSERT INTO t VALUES (3, 4);\nUPDATE t SET a = -a WHERE a = 3;\nSELECT * FROM t;\n";
        OracleAssert.EngineMatchesShellAcrossSnapshot(setup, script);
    }

    [Theory]
    [InlineData("CREATE TABLE u(x CHECK (random() > 0));", "random() or the current time in CHECK constraints")]
    [InlineData("CREATE TABLE u(x CHECK (x < date('now')));", "random() or the current time in CHECK constraints")]
    [InlineData("ALTER TABLE t ADD COLUMN z CHECK (z > 0);", "CHECK constraints in ALTER TABLE ... ADD COLUMN")]
    [InlineData("ALTER TABLE t RENAME TO t2;", "ALTER TABLE ... RENAME TO on a table with CHECK constraints")]
    [InlineData("ALTER TABLE t DROP COLUMN b;", "ALTER TABLE ... DROP COLUMN on a table with CHECK constraints")]
    public void What_FastDb_does_not_model_is_refused(string statement, string construct)
    {
        var r = new Database().Execute("CREATE TABLE t(a CHECK (a > 0), b, c);\n" + statement + "\n");
        Assert.StartsWith($"Parse error near line 2: FastDb does not support {construct}", r.Body);
    }
}
