using FastDb.QueryEngine.Tests.Support;

namespace FastDb.QueryEngine.Tests.Engine;

/// <summary>GROUP BY / HAVING, the aggregates (count, count DISTINCT, sum, total, avg, min, max, group_concat),
/// SELECT DISTINCT, ORDER BY number / alias / expression with NULLS FIRST|LAST and LIMIT/OFFSET expressions against
/// the real shell: values, group order, which row bare columns come from, and every error text.</summary>
public class GroupingTests
{
    const string Table = "CREATE TABLE t(a, b TEXT, c INTEGER, d REAL);\n" +
        "INSERT INTO t VALUES(3, 'x', 1, 1.5), (2, 'y', 2, NULL), (1, 'x', 3, 2.5), (NULL, 'x', 4, 0.1), (5, NULL, NULL, 0.2), (0, NULL, 6, 1e308), ('a', 'y', 7, 1e308), (1.0, 'z', 8, -0.0), ('1', 'x', 9, 3);\n";

    public static TheoryData<string> Scripts() => new()
    {
        // Groups in key order (NULL first, numbers, text), bare columns from the group's first row.
        Table + "SELECT b, count(*), count(a), count(DISTINCT a), sum(c), total(c), avg(c), min(a), max(a), group_concat(a), group_concat(c, '-') FROM t GROUP BY b;\n" +
        "SELECT a, b, count(*) FROM t GROUP BY a;\nSELECT c, a FROM t GROUP BY b;\nSELECT * FROM t GROUP BY b;\nSELECT b, a FROM t GROUP BY b, a;\n",
        // Bare columns beside min()/max(): the row where the last of them last changed.
        Table + "SELECT b, a, c, max(c) FROM t GROUP BY b;\nSELECT b, a, c, min(c), max(c) FROM t GROUP BY b;\nSELECT b, a, max(c), min(c) FROM t GROUP BY b;\n" +
        "SELECT a, max(d) FROM t GROUP BY b;\nSELECT a, count(*), min(b) FROM t;\nSELECT a, c FROM t GROUP BY b HAVING max(c) > 2;\n",
        // Without GROUP BY: one row, even over no rows.
        Table + "SELECT count(*), sum(a), total(a), avg(a), min(b), max(b), group_concat(b) FROM t;\nSELECT count(*), sum(a), total(a), avg(a), max(a), group_concat(a), a FROM t WHERE c > 100;\n" +
        "SELECT sum(d), avg(d), total(d) FROM t WHERE d < 1e300;\nSELECT sum(b), total(b), avg(b), sum('12abc'), sum(' 7 ') FROM t;\nSELECT count(), count(DISTINCT b), count(DISTINCT 1) FROM t;\n",
        // Integer overflow in sum, but not in total; a real first makes sum approximate.
        "CREATE TABLE n(v);\nINSERT INTO n VALUES(9223372036854775807), (1), (-5);\nSELECT total(v) FROM n;\nSELECT sum(v) FROM n;\nSELECT avg(v) FROM n;\n" +
        "INSERT INTO n VALUES(0.5);\nSELECT sum(v) FROM n;\nSELECT sum(v) FROM n WHERE typeof(v) = 'integer' OR v < 0;\nSELECT sum(v) FROM n WHERE rowid > 1;\n",
        // HAVING, aliases, column numbers, expressions.
        Table + "SELECT b, count(*) AS n FROM t GROUP BY b HAVING n > 1;\nSELECT b AS k, sum(c) FROM t GROUP BY k HAVING sum(c) > 5 ORDER BY 2 DESC;\n" +
        "SELECT c % 3, count(*) FROM t GROUP BY c % 3;\nSELECT b, count(*) FROM t GROUP BY 1 ORDER BY count(*) DESC, b;\nSELECT typeof(a), count(*) FROM t GROUP BY typeof(a) HAVING count(*) >= 1 ORDER BY 1;\n" +
        "SELECT count(*) FROM t HAVING count(*) > 3;\nSELECT count(*) FROM t HAVING count(*) > 30;\nSELECT b FROM t GROUP BY b HAVING b > 'x';\nSELECT a + 1 AS q FROM t GROUP BY q HAVING q > 1;\n",
        // group_concat: separators, NULL separator, DISTINCT, numbers as text.
        Table + "SELECT group_concat(d), group_concat(a, NULL), group_concat(b, b), group_concat(DISTINCT b), group_concat(c, '') FROM t;\n" +
        "SELECT b, group_concat(a, ' | ') FROM t GROUP BY b ORDER BY b DESC;\nSELECT count(DISTINCT d), sum(DISTINCT c), avg(DISTINCT a), min(DISTINCT a), max(DISTINCT b) FROM t;\n",
        // SELECT DISTINCT, with ORDER BY, LIMIT and OFFSET.
        Table + "SELECT DISTINCT b FROM t;\nSELECT DISTINCT a FROM t;\nSELECT DISTINCT b, c > 4 FROM t;\nSELECT DISTINCT b FROM t ORDER BY b DESC;\nSELECT DISTINCT b FROM t LIMIT 2 OFFSET 1;\n" +
        "SELECT DISTINCT count(*) FROM t GROUP BY b;\nSELECT DISTINCT * FROM t WHERE c < 3;\nSELECT ALL b FROM t LIMIT 3;\nSELECT DISTINCT 1, 2;\n",
        // ORDER BY with NULLS FIRST / LAST, numbers, aliases and expressions; LIMIT and OFFSET as expressions.
        Table + "SELECT a FROM t ORDER BY a NULLS LAST;\nSELECT a FROM t ORDER BY a DESC NULLS FIRST;\nSELECT b, c FROM t ORDER BY b NULLS LAST, c DESC;\nSELECT b, c FROM t ORDER BY 1 DESC NULLS LAST, 2;\n" +
        "SELECT c AS k FROM t ORDER BY k NULLS FIRST;\nSELECT c FROM t ORDER BY c * -1 NULLS LAST;\nSELECT c FROM t ORDER BY c LIMIT 1 + 1 OFFSET 2 * 2;\nSELECT c FROM t ORDER BY c LIMIT '3';\nSELECT c FROM t LIMIT 2, 1 + 1;\n" +
        "SELECT c FROM t LIMIT 'x';\nSELECT c FROM t LIMIT 1.5;\nSELECT c FROM t LIMIT 2.0 OFFSET -1;\nSELECT b, count(*) FROM t GROUP BY b ORDER BY b NULLS LAST;\n",
        // Indexed tables: GROUP BY and DISTINCT on an indexed column, a covering index scan, a range on the index.
        Table + "CREATE INDEX ib ON t(b);\nSELECT b, count(*), group_concat(c) FROM t GROUP BY b;\nSELECT DISTINCT b FROM t;\nSELECT group_concat(b) FROM t;\nSELECT b, group_concat(c) FROM t WHERE b > 'w' GROUP BY b;\n" +
        "SELECT count(*) FROM t WHERE b = 'x';\nSELECT c, count(*) FROM t WHERE b >= 'x' GROUP BY c;\nSELECT DISTINCT b FROM t WHERE b < 'z';\n",
        "CREATE TABLE u(k INTEGER PRIMARY KEY, v UNIQUE, w);\nINSERT INTO u VALUES(5, 'e', 1), (1, 'a', 2), (3, NULL, 1), (2, 'b', NULL), (4, NULL, 2);\n" +
        "SELECT w, count(*), group_concat(k), group_concat(v) FROM u GROUP BY w;\nSELECT DISTINCT w FROM u;\nSELECT DISTINCT v FROM u;\nSELECT group_concat(v) FROM u;\nSELECT v, count(*) FROM u GROUP BY v;\n" +
        "SELECT w, sum(k) FROM u WHERE k > 1 GROUP BY w;\nSELECT max(k), min(k), count(v) FROM u;\nSELECT v FROM u ORDER BY v NULLS LAST;\nSELECT v FROM u ORDER BY v DESC NULLS FIRST;\n",
        // Errors, in SQLite's order and words.
        Table + "SELECT * FROM t WHERE count(*) > 1;\nSELECT sum(count(*)) FROM t;\nSELECT a FROM t GROUP BY count(*);\nSELECT count(*) FROM t GROUP BY 1;\nSELECT a FROM t GROUP BY 3;\n" +
        "SELECT sum(DISTINCT a, b) FROM t;\nSELECT count(DISTINCT *) FROM t;\nSELECT group_concat(a, b, c) FROM t;\nSELECT sum() FROM t;\nSELECT count(a, b) FROM t;\n" +
        "SELECT a FROM t ORDER BY count(*);\nSELECT avg(a, b) FROM t;\nSELECT total(*) FROM t;\nSELECT max(*) FROM t;\nSELECT group_concat(DISTINCT a, ',') FROM t;\n" +
        "SELECT a FROM t HAVING a > 1;\nSELECT 1 HAVING 1;\nSELECT a FROM t LIMIT count(*);\nSELECT a FROM t GROUP BY nosuch;\nSELECT nosuch, count(*) FROM t GROUP BY b;\nSELECT b FROM t GROUP BY b HAVING nosuch;\n" +
        "SELECT a FROM t GROUP;\nSELECT a FROM t GROUP BY;\nSELECT a FROM t HAVING;\nSELECT a FROM t ORDER BY a NULLS;\nSELECT a FROM t ORDER BY a NULLS MIDDLE;\nSELECT DISTINCT FROM t;\n" +
        "SELECT sum(a) FROM t WHERE sum(a) > 1;\nSELECT b, max(a) FROM t GROUP BY b HAVING max(a) ORDER BY count(*);\nSELECT min(a) FROM t GROUP BY b ORDER BY sum(c) NULLS FIRST;\n",
        // GROUP BY walking an index or the rowid prints each group as it ends: a row whose WHERE fails ends the walk
        // after the groups before its own (which is never printed), unless a LIMIT ends it first.
        "CREATE TABLE g(a INT, b INT);\nCREATE INDEX ga ON g(a);\nINSERT INTO g VALUES (1, 1), (2, 5), (2, -9223372036854775808), (3, 3), (1, 7), (0, 2);\n" +
        "SELECT a, count(*) FROM g WHERE abs(b) > 0 GROUP BY a;\nSELECT a, count(*) FROM g WHERE abs(b) > 0 GROUP BY a LIMIT 1;\nSELECT a, count(*) FROM g WHERE abs(b) > 0 GROUP BY a LIMIT 2;\n" +
        "SELECT a, count(*) FROM g WHERE abs(b) > 0 GROUP BY a ORDER BY a;\nSELECT a, count(*) FROM g WHERE abs(b) > 0 GROUP BY a ORDER BY a DESC;\n" +
        "SELECT a, count(*) FROM g WHERE abs(b) > 0 GROUP BY a HAVING count(*) > 1;\nSELECT rowid, count(*) FROM g WHERE abs(b) > 0 GROUP BY rowid;\n" +
        "SELECT a, count(*) FROM g WHERE a > 0 AND abs(b) > 0 GROUP BY a;\nSELECT a, count(*) FROM g WHERE abs(b) > 0 GROUP BY a ORDER BY count(*);\nSELECT b, count(*) FROM g WHERE abs(b) > 0 GROUP BY b;\n",
    };

    [RequiresSqlite3Theory]
    [MemberData(nameof(Scripts))]
    public void Matches_sqlite3(string script) => OracleAssert.EngineMatchesShell(script);

    [Fact]
    public void A_bare_column_beside_max_of_an_indexed_column_is_refused()
    {
        var r = new Database().Execute("CREATE TABLE t(a UNIQUE, b);\nSELECT b, max(a) FROM t;\n");
        Assert.Equal("Parse error near line 2: FastDb does not support bare columns beside min()/max() of an indexed column yet\n", r.Body);
    }
}
