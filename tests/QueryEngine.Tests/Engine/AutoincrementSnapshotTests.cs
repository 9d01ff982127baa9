using System.Text;
using FastDb.QueryEngine.Tests.Support;

namespace FastDb.QueryEngine.Tests.Engine;

/// <summary>AUTOINCREMENT's state (the tables' flag and sqlite_sequence) must survive a snapshot: a node restored
/// from one allocates the rowids a node replaying the log does, or the replicas fork.</summary>
public class AutoincrementSnapshotTests
{
    const string Before =
        "CREATE TABLE t(a INTEGER PRIMARY KEY AUTOINCREMENT, b);\nCREATE TABLE u(x INTEGER, PRIMARY KEY (x AUTOINCREMENT));\n" +
        "INSERT INTO t(b) VALUES(1), (2), (3);\nINSERT INTO t VALUES(40, 4);\nDELETE FROM t WHERE a >= 3;\nINSERT INTO u VALUES(7);\nDELETE FROM u;\n";

    const string After =
        "INSERT INTO t(b) VALUES(5);\nINSERT INTO u DEFAULT VALUES;\nSELECT rowid, * FROM t;\nSELECT * FROM u;\n" +
        "SELECT * FROM sqlite_sequence;\nSELECT type, name, rootpage, sql FROM sqlite_master;\nDROP TABLE sqlite_sequence;\n";

    [Fact]
    public void A_restored_node_allocates_the_rowids_a_replaying_one_does()
    {
        var (expected, actual) = SnapshotReplay.Run(Before, After);

        Assert.Equal(expected.Stdout, actual.Stdout);
        Assert.Equal(expected.Stderr, actual.Stderr);
        Assert.Contains("41|41|5", actual.Stdout);
        Assert.Contains("u|8", actual.Stdout);
    }

    [Fact]
    public void A_version_2_snapshot_still_reads_its_tables_without_autoincrement()
    {
        // Version 2: one table "t" (a INTEGER PRIMARY KEY) with the row 5, its sqlite_master row and the pages.
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write("FDBS"u8.ToArray());
            w.Write((byte)2);
            w.Write7BitEncodedInt(1);
            w.Write("t");
            w.Write7BitEncodedInt(1);
            w.Write("a");
            w.Write(true);
            w.Write("INTEGER");
            w.Write((byte)2); // PRIMARY KEY
            w.Write((byte)0); // DEFAULT: NULL
            w.Write7BitEncodedInt(1); // rowid column 0
            w.Write(false); // may have split
            w.Write7BitEncodedInt(0); // redundant indexes
            w.Write7BitEncodedInt(0); // indexes
            w.Write7BitEncodedInt(1); // rows
            w.Write7BitEncodedInt64(5);
            w.Write((byte)1); // INTEGER
            w.Write7BitEncodedInt64(5);
            w.Write7BitEncodedInt(1); // sqlite_master rows
            w.Write("table");
            w.Write("t");
            w.Write("t");
            w.Write7BitEncodedInt(3); // root page 2
            w.Write(true);
            w.Write("CREATE TABLE t(a INTEGER PRIMARY KEY)");
            w.Write(true);
            w.Write7BitEncodedInt64(1);
            w.Write(false); // sqlite_master may have split
            w.Write(false); // pages unknown
            w.Write7BitEncodedInt(2); // page count
            w.Write7BitEncodedInt(0); // freelist trunks
        }
        var db = Database.ReadSnapshot(new MemoryStream(ms.ToArray()));
        var result = db.Execute("INSERT INTO t VALUES(NULL);\nSELECT * FROM t;\nSELECT name, rootpage FROM sqlite_master;\nSELECT * FROM sqlite_sequence;\n");
        Assert.Equal("5\n6\nt|2\n", result.Stdout);
        Assert.Equal("Parse error near line 4: no such table: sqlite_sequence\n", result.Stderr);
    }
}
