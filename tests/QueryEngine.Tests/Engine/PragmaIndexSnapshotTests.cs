using System.Text;
using FastDb.QueryEngine.Tests.Support;

namespace FastDb.QueryEngine.Tests.Engine;

/// <summary>PRAGMA index_list, index_info and index_xinfo read a table's automatic indexes back from its CREATE text:
/// a node restored from a snapshot must print what a replaying one does, and a version-1 snapshot (which kept no
/// CREATE texts) is refused rather than guessed at.</summary>
public class PragmaIndexSnapshotTests
{
    const string Before =
        "CREATE TABLE t(a INTEGER PRIMARY KEY UNIQUE, b TEXT, c UNIQUE, PRIMARY KEY(b DESC));\n" +
        "CREATE TABLE t(a INTEGER PRIMARY KEY UNIQUE, b TEXT UNIQUE, c, UNIQUE(c DESC));\n" +
        "CREATE INDEX i1 ON t(c);\nCREATE UNIQUE INDEX i2 ON t(b);\nCREATE INDEX i3 ON t(a);\nDROP INDEX i2;\n" +
        "CREATE TABLE u(x TEXT PRIMARY KEY DESC, y);\nALTER TABLE u RENAME TO v;\nINSERT INTO t VALUES(1, 'x', 2);\n";

    const string After =
        "PRAGMA index_list(t);\nPRAGMA index_list(v);\nPRAGMA index_xinfo(sqlite_autoindex_t_3);\nPRAGMA index_info(i3);\n" +
        "PRAGMA index_xinfo(sqlite_autoindex_v_1);\nCREATE INDEX i4 ON v(y);\nPRAGMA main.index_list = v;\n";

    [Fact]
    public void A_restored_node_lists_the_indexes_a_replaying_one_does()
    {
        var (expected, actual) = SnapshotReplay.Run(Before, After);

        Assert.Equal(expected.Stdout, actual.Stdout);
        Assert.Equal(expected.Stderr, actual.Stderr);
        Assert.Equal(
            "0|i3|0|c|0\n1|i1|0|c|0\n2|sqlite_autoindex_t_3|1|u|0\n3|sqlite_autoindex_t_2|1|u|0\n4|sqlite_autoindex_t_1|1|u|0\n" +
            "0|sqlite_autoindex_v_1|1|pk|0\n0|2|c|1|BINARY|1\n1|-1||0|BINARY|0\n0|0|a\n0|0|x|1|BINARY|1\n1|-1||0|BINARY|0\n" +
            "0|i4|0|c|0\n1|sqlite_autoindex_v_1|1|pk|0\n", actual.Stdout);
    }

    [Fact]
    public void A_version_1_snapshot_refuses_the_automatic_indexes_but_lists_the_others()
    {
        // Version 1: table "t" with a UNIQUE column "a" (its automatic index) and table "u" with a plain column "x".
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write("FDBS"u8.ToArray());
            w.Write((byte)1);
            w.Write7BitEncodedInt(2);
            foreach (var (table, column, flags, indexes) in new[] { ("t", "a", (byte)4, 1), ("u", "x", (byte)0, 0) })
            {
                w.Write(table);
                w.Write7BitEncodedInt(1);
                w.Write(column);
                w.Write(false); // no type
                w.Write(flags);
                w.Write((byte)0); // DEFAULT: NULL
                w.Write7BitEncodedInt(0); // no rowid column
                w.Write7BitEncodedInt(indexes);
                for (int i = 0; i < indexes; i++) w.Write7BitEncodedInt(0);
                w.Write7BitEncodedInt(0); // rows
            }
        }
        var db = Database.ReadSnapshot(new MemoryStream(ms.ToArray()));
        Assert.Equal("Parse error near line 1: FastDb does not support PRAGMA index_list on tables restored from a version-1 snapshot\n",
            db.Execute("PRAGMA index_list(t);\n").Body);
        Assert.Equal("", db.Execute("PRAGMA index_list(u);\nPRAGMA index_info(t);\n").Body);
        Assert.Equal(0, db.Execute("CREATE INDEX ux ON u(x);\n").ExitCode);
        Assert.Equal("0|ux|0|c|0\n0|0|x\n", db.Execute("PRAGMA index_list(u);\nPRAGMA index_info(ux);\n").Body);
    }
}
