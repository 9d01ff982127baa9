using System.Text;
using FastDb.QueryEngine.Tests.Support;

namespace FastDb.QueryEngine.Tests.Engine;

/// <summary>One-column descending indexes (UNIQUE (a DESC), a PRIMARY KEY DESC that is no rowid alias, CREATE INDEX ON
/// t(a DESC)) against the real shell: their entries run from the largest key down (rowids ascending within a key), so
/// a covering scan, a range, an equality and ORDER BY walk them in that order (ORDER BY a ASC backwards), and min()
/// alone walks backwards; and snapshots, including those of builds that planned them ascending.</summary>
public class DescendingIndexTests
{
    const string Rows = "CREATE TABLE t(a, b, c, UNIQUE(a DESC));\n" +
                        "INSERT INTO t VALUES(1, 'x', 0), (3, 'y', 0), (2, 'z', 1), (NULL, 'n', 1), (NULL, 'm', 0), (2.5, 'w', 1);\n";

    public static TheoryData<string> Scripts() => new()
    {
        Rows + "SELECT a FROM t;\nSELECT rowid, a FROM t;\nSELECT * FROM t WHERE a > 1;\nSELECT * FROM t WHERE a >= 1 AND a < 3 AND c = 1;\nSELECT * FROM t WHERE a = 2;\n" +
        "SELECT * FROM t WHERE a IS NULL;\nSELECT * FROM t ORDER BY a;\nSELECT * FROM t ORDER BY a DESC;\nSELECT * FROM t ORDER BY a NULLS LAST;\nSELECT * FROM t WHERE a > 1 ORDER BY c;\n" +
        "SELECT * FROM t ORDER BY a DESC LIMIT 2;\nSELECT count(*), group_concat(a) FROM t WHERE a < 3;\nSELECT * FROM t WHERE b = 'x';\nSELECT * FROM t ORDER BY b;\n" +
        "UPDATE t SET c = c + 1 WHERE a > 1;\nDELETE FROM t WHERE a < 2;\nSELECT rowid, * FROM t;\nPRAGMA index_xinfo(sqlite_autoindex_t_1);\n",
        "CREATE TABLE p(a INTEGER PRIMARY KEY DESC, b);\nINSERT INTO p VALUES(1, 'x'), (3, 'y'), (2, 'z');\nINSERT INTO p(b) VALUES('auto');\nSELECT rowid, * FROM p;\nSELECT a FROM p;\n" +
        "SELECT * FROM p WHERE a < 3;\nPRAGMA index_list(p);\nSELECT * FROM p ORDER BY a NULLS LAST;\nCREATE TABLE q(a TEXT PRIMARY KEY DESC, b UNIQUE, UNIQUE(b DESC), UNIQUE(a));\nPRAGMA index_list(q);\nINSERT INTO q VALUES('a', 1), ('c', 2), ('b', 3);\n" +
        "SELECT a FROM q;\nSELECT b FROM q;\nSELECT * FROM q WHERE a > 'a';\n",
        // CREATE INDEX ... DESC, beside an ascending index on another column; max() and min() alone.
        "CREATE TABLE m(a, b, c);\nINSERT INTO m VALUES(1, 0, 9), (1.0, 0, 9), (2, 1, 'x'), (2.0, 1, 'y'), (NULL, 2, 0);\nCREATE INDEX mad ON m(a DESC);\nCREATE INDEX mb ON m(b);\n" +
        "SELECT a FROM m;\nSELECT max(a) FROM m;\nSELECT min(a) FROM m;\nSELECT min(a) FROM m WHERE c > 5;\nSELECT max(a) FROM m WHERE b = 0;\nSELECT * FROM m WHERE a <= 2 ORDER BY a;\n" +
        "SELECT * FROM m WHERE b > 0;\nSELECT * FROM m ORDER BY a NULLS LAST;\nSELECT * FROM m ORDER BY a DESC NULLS FIRST;\nSELECT * FROM m ORDER BY b DESC NULLS FIRST;\nPRAGMA index_xinfo(mad);\nSELECT sql FROM sqlite_master;\nDROP INDEX mad;\nSELECT a FROM m;\n",
    };

    [RequiresSqlite3Theory]
    [MemberData(nameof(Scripts))]
    public void Matches_sqlite3(string script) => OracleAssert.EngineMatchesShell(script);

    [Theory]
    [InlineData("SELECT a, count(*) FROM t GROUP BY a;", "GROUP BY over a table with a multi-column or DESC index it could use yet")]
    [InlineData("SELECT * FROM t JOIN t AS u ON u.a = t.b;", "joins over a table with a DESC index, or two indexes led by one column, on the columns they test yet")]
    [InlineData("SELECT * FROM t WHERE a IN (1, 2);", "IN, BETWEEN, LIKE or GLOB on a column of a multi-column or DESC index yet")]
    [InlineData("CREATE INDEX j ON t(a DESC, b);", "DESC index columns")]
    public void What_the_planner_would_weigh_is_refused(string statement, string construct)
    {
        var r = new Database().Execute("CREATE TABLE t(a, b, UNIQUE(a DESC));\n" + statement + "\n");
        Assert.Equal($"Parse error near line 2: FastDb does not support {construct}\n", r.Body);
    }

    [Fact]
    public void A_snapshot_keeps_the_order()
    {
        var (expected, actual) = SnapshotReplay.Run(Rows + "CREATE INDEX bd ON t(b DESC);\n", "SELECT a FROM t;\nSELECT b FROM t;\nSELECT * FROM t WHERE a > 1;\n");
        Assert.Equal(expected.Stdout, actual.Stdout);
        Assert.StartsWith("3\n2.5\n2\n1\n\n\nz\ny\nx\nw\nn\nm\n", actual.Stdout);
    }

    /// <summary>A version-3 snapshot, as builds before descending indexes wrote it: table t(a, b, UNIQUE(a DESC)) with
    /// its automatic index recorded without an order. Restored, it plans the index descending, from its CREATE text.</summary>
    [Fact]
    public void A_version_3_snapshot_recovers_the_order_from_the_create_text()
    {
        const string create = "CREATE TABLE t(a, b, UNIQUE(a DESC))";
        var restored = Database.ReadSnapshot(new MemoryStream(Version3Snapshot(create)));
        var replaying = new Database();
        replaying.Execute(create + ";\nINSERT INTO t(a) VALUES(1), (3), (2);\n");
        const string queries = "SELECT a FROM t;\nSELECT a FROM t WHERE a > 1;\nSELECT rowid, * FROM sqlite_master;\n";
        Assert.Equal("3\n2\n1\n3\n2\n", restored.Execute("SELECT a FROM t;\nSELECT a FROM t WHERE a > 1;\n").Body);
        Assert.Equal(replaying.Execute(queries).Body, restored.Execute(queries).Body);
    }

    /// <summary>A damaged CREATE text in such a snapshot refuses the snapshot (the node does not start on it).</summary>
    [Theory]
    [InlineData("CREATE TABLE t(a, b, UNIQUE(a DESC")]
    [InlineData("CREATE TABLE t(a, b, UNIQUE(nosuch DESC))")]
    [InlineData("SELECT 'DESC'")]
    [InlineData("CREATE TABLE t(a, b, c, UNIQUE(a DESC), UNIQUE(b))")]
    public void A_version_3_snapshot_with_a_damaged_create_text_is_refused(string create) =>
        Assert.Throws<FormatException>(() => Database.ReadSnapshot(new MemoryStream(Version3Snapshot(create))));

    /// <summary>Table t(a, b) with one automatic unique index on a, recorded without an order, rows a = 1, 3, 2.</summary>
    static byte[] Version3Snapshot(string create)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write("FDBS"u8.ToArray());
            w.Write((byte)3);
            w.Write7BitEncodedInt(1); // tables
            w.Write("t");
            w.Write7BitEncodedInt(2);
            foreach (var column in new[] { "a", "b" })
            {
                w.Write(column);
                w.Write(false); // no type
                w.Write((byte)0); // flags
                w.Write((byte)0); // DEFAULT: NULL
            }
            w.Write7BitEncodedInt(0); // no rowid column
            w.Write(false); // may have split
            w.Write7BitEncodedInt(0); // redundant rowid indexes
            w.Write(false); // AUTOINCREMENT
            w.Write7BitEncodedInt(1); // indexes
            w.Write7BitEncodedInt(0); // column a
            w.Write(true); // unique
            w.Write(false); // automatic: no name
            w.Write7BitEncodedInt(3); // rows
            foreach (var (rowId, a) in new[] { (1L, 1L), (2L, 3L), (3L, 2L) })
            {
                w.Write7BitEncodedInt64(rowId);
                w.Write((byte)1); // integer
                w.Write7BitEncodedInt64(a);
                w.Write((byte)0); // NULL
            }
            w.Write7BitEncodedInt(2); // sqlite_master rows
            foreach (var (type, name, page, sql, rowId) in new[] { ("table", "t", 2, create, 1L), ("index", "sqlite_autoindex_t_1", 3, (string?)null, 2L) })
            {
                w.Write(type);
                w.Write(name);
                w.Write("t");
                w.Write7BitEncodedInt(page + 1);
                w.Write(sql != null);
                if (sql != null) w.Write(sql);
                w.Write(true); // text known
                w.Write7BitEncodedInt64(rowId);
            }
            w.Write(false); // sqlite_master may have split
            w.Write(false); // pages known
            w.Write7BitEncodedInt(3); // page count
            w.Write7BitEncodedInt(0); // freelist trunks
        }
        return ms.ToArray();
    }
}
