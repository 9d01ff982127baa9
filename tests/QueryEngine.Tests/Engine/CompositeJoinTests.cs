using FastDb.QueryEngine.Tests.Support;

namespace FastDb.QueryEngine.Tests.Engine;

/// <summary>Joins over tables with a multi-column index, the many-to-many link table's composite PRIMARY KEY among
/// them, against the real shell: the index as a lookup of its first column (the rows of one key in the order of its
/// next columns, then rowid), the link table scanned outside with the others found by rowid, LEFT JOINs and
/// anti-joins through it; and the shapes where SQLite would use the index otherwise, refused by name.</summary>
public class CompositeJoinTests
{
    // Links inserted out of key order, so rowid order and index order differ; px's index is not unique.
    const string Tables =
        "CREATE TABLE p(id INTEGER PRIMARY KEY, title TEXT, author TEXT, n INTEGER);\n" +
        "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT UNIQUE);\n" +
        "CREATE TABLE pt(post_id INTEGER NOT NULL, tag_id INTEGER NOT NULL, PRIMARY KEY(post_id, tag_id));\n" +
        "CREATE TABLE pw(post_id INTEGER, tag_id INTEGER, note TEXT, PRIMARY KEY(post_id, tag_id));\n" +
        "CREATE TABLE px(a INTEGER, b INTEGER, c TEXT);\n" +
        "CREATE INDEX px_ab ON px(a, b);\n" +
        "INSERT INTO p VALUES (1,'Hello','ann',3),(2,'Raft','bob',1),(3,'SQLite','ann',2),(4,'Joins','cy',5),(5,'Empty','bob',4);\n" +
        "INSERT INTO t VALUES (1,'db'),(2,'intro'),(3,'consensus'),(4,'sql'),(5,'misc');\n" +
        "INSERT INTO pt VALUES (3,4),(2,3),(1,5),(3,1),(4,4),(2,1),(1,2),(4,1),(3,2);\n" +
        "INSERT INTO pw VALUES (3,4,'x'),(2,3,'y'),(1,5,'z'),(3,1,'w'),(4,4,'v'),(2,1,'u'),(1,2,'t'),(4,1,'s'),(3,2,'r');\n" +
        "INSERT INTO px VALUES (3,4,'x'),(2,3,'y'),(1,5,'z'),(3,1,'w'),(4,4,'v'),(2,1,'u'),(1,2,'t'),(4,1,'s'),(3,2,'r'),(3,1,'q'),(2,1,'o'),(NULL,1,'n');\n";

    public static TheoryData<string> Queries() => new()
    {
        // The link table scanned outside (rowid order), the other table found by its rowid, either FROM order.
        "SELECT p.title, pt.tag_id FROM p JOIN pt ON pt.post_id = p.id;\n",
        "SELECT p.title, pt.tag_id FROM pt JOIN p ON pt.post_id = p.id;\n",
        "SELECT p.title, pt.tag_id FROM p, pt WHERE pt.post_id = p.id;\n",
        "SELECT p.title, pt.tag_id FROM p JOIN pt ON pt.post_id = p.id WHERE p.n > 1;\n",
        "SELECT p.title, pt.tag_id FROM p JOIN pt ON pt.post_id = p.id WHERE pt.tag_id > 1;\n",
        "SELECT p.title, pt.tag_id FROM p JOIN pt ON pt.post_id = p.id WHERE pt.tag_id = 1;\n",
        "SELECT p.title, pt.tag_id FROM p JOIN pt ON pt.post_id = p.id WHERE abs(pt.tag_id) > 1;\n",
        "SELECT p.title, pt.tag_id FROM p JOIN pt ON pt.post_id = p.id ORDER BY p.author;\n",
        "SELECT count(*), sum(pt.tag_id), group_concat(p.title) FROM p JOIN pt ON pt.post_id = p.id;\n",
        "SELECT p.author, group_concat(pt.tag_id) FROM p JOIN pt ON pt.post_id = p.id GROUP BY p.author;\n",
        "SELECT p.author, count(DISTINCT pt.tag_id) FROM p JOIN pt ON pt.post_id = p.id GROUP BY p.author;\n",
        "SELECT count(DISTINCT pt.tag_id), count(DISTINCT pt.post_id) FROM p JOIN pt ON pt.post_id = p.id WHERE p.n > 1;\n",
        // Many-to-many: the link table outside, both ends found by rowid.
        "SELECT p.title, t.name FROM p JOIN pt ON pt.post_id = p.id JOIN t ON t.id = pt.tag_id;\n",
        "SELECT p.title, t.name FROM t JOIN pt ON pt.tag_id = t.id JOIN p ON p.id = pt.post_id;\n",
        "SELECT p.title, t.name FROM pt JOIN t ON pt.tag_id = t.id JOIN p ON p.id = pt.post_id WHERE p.n > 2;\n",
        "SELECT p.title, px.c, t.name FROM p JOIN px ON px.a = p.id JOIN t ON t.id = px.b;\n",
        // The link table outside scanned through its index, which covers it and is narrower than it: in index order.
        "SELECT p.title, pw.tag_id FROM p JOIN pw ON pw.post_id = p.id;\n",
        "SELECT p.title, pw.tag_id FROM pw JOIN p ON pw.post_id = p.id WHERE p.n > 2;\n",
        "SELECT p.title, t.name FROM p JOIN pw ON pw.post_id = p.id JOIN t ON t.id = pw.tag_id;\n",
        "SELECT p.title, t.name FROM t JOIN px ON px.b = t.id JOIN p ON p.id = px.a;\n",
        "SELECT p.title, px.b FROM p JOIN px ON px.a = p.id WHERE px.b = 1;\n",
        "SELECT count(*), group_concat(p.title) FROM p JOIN pw ON pw.post_id = p.id;\n",
        "SELECT p.title, pw.tag_id FROM p JOIN pw ON pw.post_id = p.id LIMIT 2;\n",
        "SELECT p.title, pw.tag_id FROM pw LEFT JOIN p ON pw.post_id = p.id;\n",
        "SELECT pw.tag_id, p.title FROM pw CROSS JOIN p ON pw.post_id = p.id;\n",
        // A LEFT JOIN seeking both key columns (a UNIQUE key: one row; px's plain index: its rows in rowid order).
        "SELECT p.title, pw.note FROM p LEFT JOIN pw ON pw.post_id = p.id AND pw.tag_id = 1;\n",
        "SELECT p.title, pw.note FROM p LEFT JOIN pw ON pw.tag_id = p.n AND pw.post_id = p.id;\n",
        "SELECT p.title FROM p LEFT JOIN pw ON pw.post_id = p.id AND pw.tag_id = 4 WHERE pw.post_id IS NULL;\n",
        "SELECT p.title, px.c FROM p LEFT JOIN px ON px.a = p.id AND px.b = 1;\n",
        "SELECT p.title, px.c FROM p LEFT JOIN px ON px.a = p.id AND px.b = '1' AND px.c > 'p';\n",
        "SELECT p.title, count(px.c) FROM p LEFT JOIN px ON px.a = 3 AND px.b = p.n GROUP BY p.id;\n",
        // ... and a range on the next key column (the rows of the equalities, in index order, tested against it).
        "SELECT p.title, px.b, px.c FROM p LEFT JOIN px ON px.a = p.id AND px.b > 1;\n",
        "SELECT p.title, px.c FROM p LEFT JOIN px ON px.a = p.id AND px.b BETWEEN 1 AND p.n AND px.c <> 'x';\n",
        "SELECT p.title, pw.note FROM p LEFT JOIN pw ON pw.post_id = p.id AND 3 >= pw.tag_id WHERE pw.note IS NULL;\n",
        // Inside through an automatic index on the index's second column: the automatic index's order, covered or not.
        "SELECT a.tag_id, p.title FROM p JOIN pw a ON p.n = a.tag_id;\n",
        "SELECT p.title, pw.post_id FROM p LEFT JOIN pw ON pw.tag_id = p.id;\n",
        "SELECT p.title, pw.post_id FROM p LEFT JOIN pw ON pw.tag_id = p.n;\n",
        "SELECT p.title FROM p LEFT JOIN pw ON pw.tag_id = p.id WHERE pw.post_id IS NULL;\n",
        // ORDER BY, GROUP BY or DISTINCT a UNIQUE column of a table nothing finds the link table from: a sort.
        "SELECT t.name, pt.post_id FROM t JOIN pt ON pt.tag_id = t.id ORDER BY t.name;\n",
        "SELECT t.name, count(*), group_concat(pt.post_id) FROM t JOIN pt ON pt.tag_id = t.id GROUP BY t.name;\n",
        "SELECT DISTINCT t.name FROM pt JOIN t ON pt.tag_id = t.id;\n",
        // GROUP BY the outer rowid, the link table looked up through its index (PlanGroupsByOuterRowId).
        "SELECT p.title, count(*), group_concat(px.c) FROM p JOIN px ON px.a = p.id GROUP BY p.id;\n",
        "SELECT p.title, count(*) FROM p JOIN pt ON pt.post_id = p.id GROUP BY p.id;\n",
        // The other table pinned: the link table's rows of that key in the order of the next key column.
        "SELECT p.title, pt.tag_id FROM p JOIN pt ON pt.post_id = p.id WHERE p.id = 3;\n",
        "SELECT p.title, pt.tag_id FROM p JOIN pt ON pt.post_id = p.id WHERE pt.post_id = 3;\n",
        "SELECT p.title, t.name FROM p JOIN pt ON pt.post_id = p.id JOIN t ON t.id = pt.tag_id WHERE p.id = 3;\n",
        "SELECT p.title, pw.note FROM p JOIN pw ON pw.post_id = p.id WHERE p.id = 3;\n",
        "SELECT p.title, pw.tag_id FROM p JOIN pw ON pw.post_id = p.id WHERE p.id = 4;\n",
        "SELECT p.title, px.c FROM p JOIN px ON px.a = p.id WHERE p.id = 3;\n",
        "SELECT p.title, px.c FROM px JOIN p ON px.a = p.id WHERE px.a = 3;\n",
        "SELECT p.title, px.c, t.name FROM p JOIN px ON px.a = p.id JOIN t ON t.id = px.b WHERE p.id = 2;\n",
        // LEFT JOINs through the index's first column, the anti-join, and a link table's LEFT JOIN on its second.
        "SELECT p.title, pt.tag_id FROM p LEFT JOIN pt ON pt.post_id = p.id;\n",
        "SELECT p.title, pw.note FROM p LEFT JOIN pw ON pw.post_id = p.id;\n",
        "SELECT p.title, pw.tag_id FROM p LEFT JOIN pw ON pw.post_id = p.id;\n",
        "SELECT p.title, px.c FROM p LEFT JOIN px ON px.a = p.id;\n",
        "SELECT p.title, px.c, t.name FROM p JOIN px ON px.a = p.id LEFT JOIN t ON t.id = px.b;\n",
        "SELECT p.title FROM p LEFT JOIN pt ON pt.post_id = p.id WHERE pt.post_id IS NULL;\n",
        "SELECT group_concat(pt.tag_id) FROM p LEFT JOIN pt ON pt.post_id = p.id;\n",
        // Lookups by a column that is no rowid (several links of one post), and by one of another affinity.
        "SELECT p.title, pt.tag_id FROM p JOIN pt ON pt.post_id = p.n;\n",
        "SELECT p.title, pt.tag_id FROM p JOIN pt ON pt.post_id = p.title;\n",
        "SELECT a.post_id, b.post_id, a.tag_id FROM pt a JOIN pt b ON b.tag_id = a.tag_id;\n",
        "SELECT p.title FROM p WHERE NOT EXISTS (SELECT 1 FROM pt WHERE pt.post_id = p.id);\n",
    };

    [RequiresSqlite3Theory]
    [MemberData(nameof(Queries))]
    public void Matches_sqlite3(string query) => OracleAssert.EngineMatchesShell(Tables + query);

    [Theory]
    // A term on the index's next column beside a lookup of its first (SQLite's seek takes both: a one-row lookup).
    [InlineData("SELECT p.title FROM p JOIN pt ON pt.post_id = p.id AND pt.tag_id = 1 WHERE p.id = 2;", "a JOIN term on a later column of a multi-column index it looks a table up through")]
    [InlineData("SELECT p.title FROM p JOIN px ON px.a = p.id WHERE p.id = 2 AND px.b > 1;", "a JOIN term on a later column of a multi-column index it looks a table up through")]
    // ORDER BY, GROUP BY, DISTINCT or min() on any of its columns (SQLite may walk the index for them).
    [InlineData("SELECT p.title FROM p JOIN pt ON pt.post_id = p.id ORDER BY pt.tag_id;", "ORDER BY, GROUP BY, DISTINCT, min() or max() on a column of a multi-column or DESC index in a join")]
    [InlineData("SELECT pt.post_id, count(*) FROM p JOIN pt ON pt.post_id = p.id GROUP BY pt.post_id;", "ORDER BY, GROUP BY, DISTINCT, min() or max() on a column of a multi-column or DESC index in a join")]
    [InlineData("SELECT DISTINCT pt.tag_id FROM p JOIN pt ON pt.post_id = p.id;", "ORDER BY, GROUP BY, DISTINCT, min() or max() on a column of a multi-column or DESC index in a join")]
    [InlineData("SELECT max(pt.tag_id) FROM p JOIN pt ON pt.post_id = p.id;", "ORDER BY, GROUP BY, DISTINCT, min() or max() on a column of a multi-column or DESC index in a join")]
    [InlineData("SELECT group_concat(DISTINCT pt.tag_id) FROM p JOIN pt ON pt.post_id = p.id;", "ORDER BY, GROUP BY, DISTINCT, min() or max() on a column of a multi-column or DESC index in a join")]
    // A scan of a table the index covers and is narrower than (SQLite may scan the index, in its order).
    // A scan of a table the index covers and is narrower than, inside (SQLite may scan the index there, in its order).
    [InlineData("SELECT a.tag_id, p.title FROM pw a JOIN p ON p.n = a.tag_id;", "joins over a table with a multi-column or DESC index that covers what they read of it")]
    [InlineData("SELECT p.title, pw.post_id FROM p LEFT JOIN pw ON pw.tag_id = p.id WHERE p.id = 1;", "joins over a table with a multi-column or DESC index that covers what they read of it")]
    [InlineData("SELECT p.title, pw.tag_id FROM p CROSS JOIN pw;", "joins over a table with a multi-column or DESC index that covers what they read of it")]
    // A LEFT JOIN seek beside another key term on the table.
    [InlineData("SELECT p.title FROM p LEFT JOIN pw ON pw.post_id = p.id AND pw.tag_id = 1 AND pw.rowid = 2;", "a LEFT JOIN term on a key beside a multi-column index's seek")]
    [InlineData("SELECT p.title FROM p LEFT JOIN px ON px.a = p.id AND px.b > 1 AND abs(px.c) > 0;", "a LEFT JOIN term that could fail beside a multi-column index's range")]
    // Two lookups of the same rank either way.
    [InlineData("SELECT a.post_id, b.tag_id FROM pt a JOIN pt b ON b.post_id = a.post_id;", "a JOIN on two indexed columns")]
    public void What_SQLite_would_weigh_is_refused(string query, string construct)
    {
        var r = new Database().Execute(Tables + query + "\n");
        Assert.StartsWith($"Parse error near line 12: FastDb does not support {construct} yet", r.Body);
    }

    [Theory]
    // The link table pinned through the other end (SQLite scans a third table between them), or a filtered end.
    [InlineData("SELECT p.title FROM p JOIN pt ON pt.post_id = p.id JOIN t ON t.id = pt.tag_id WHERE t.name = 'db';")]
    [InlineData("SELECT p.title, t.name FROM pt JOIN p ON p.id = pt.post_id JOIN t ON t.id = pt.tag_id WHERE p.author = 'ann';")]
    [InlineData("SELECT p.title, t.name FROM p JOIN pt ON pt.post_id = p.id JOIN t ON t.id = pt.tag_id WHERE p.id = 3 AND t.name > 'a';")]
    public void Orders_SQLite_picks_by_cost_are_refused(string query)
    {
        var r = new Database().Execute(Tables + query + "\n");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("FastDb does not support ", r.Stderr);
    }
}
