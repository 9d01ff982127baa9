using FastDb.QueryEngine.Tests.Support;

namespace FastDb.QueryEngine.Tests.Engine;

/// <summary>BETWEEN, IN (list), LIKE / GLOB, CASE and CAST against the real shell: values, NULLs, affinities, errors,
/// SQLite's parse-time rewrites of IN, precedence, and the refusal where an index could drive the plan.</summary>
public class PredicateTests
{
    const string Table = "CREATE TABLE t(i INTEGER, r REAL, s TEXT, n NUMERIC, x);\n" +
        "INSERT INTO t VALUES(1, 1.5, '1', 1, 1), (2, 2.0, 'abc', '2', 'abc'), (NULL, NULL, NULL, NULL, NULL), (-3, 1e308, 'ABC', 'x', 2.5), (10, 0.0, 'a_c', 10.0, '10');\n";

    public static TheoryData<string> Scripts() => new()
    {
        Table + "SELECT i, i BETWEEN 0 AND 5, i NOT BETWEEN 0 AND 5, s BETWEEN 'a' AND 'b', n BETWEEN '1' AND '2', x BETWEEN 1 AND 3 FROM t;\n" +
        "SELECT 1 BETWEEN NULL AND 2, 3 BETWEEN NULL AND 2, NULL BETWEEN 1 AND 2, 2 BETWEEN 1 AND 2 AND 0, 1 + 1 BETWEEN 2 AND 3 = 1;\n",
        Table + "SELECT i, i IN (1, 2, 3), i NOT IN (1, NULL), s IN ('1', 'abc'), s IN (1, 2), n IN ('2', 10), x IN (2.5, '10'), i IN (i), i IN (s, r) FROM t;\n" +
        "SELECT 1 IN (), NULL IN (), NULL NOT IN (), 2 IN (1, NULL), 2 IN (2, NULL), NULL IN (1), 1 IN (1.0), '1' IN (1), 1 IN ('1');\n" +
        "SELECT nosuch IN () FROM t LIMIT 1;\nSELECT i IN (1) * 10, i IN (1, 2) + 1, i ISNULL * 2, i NOT NULL || 'x' FROM t;\n" +
        "SELECT count(*) FROM t WHERE x IN (1, 'abc', 2.5);\nSELECT s FROM t WHERE s NOT IN ('abc', 'ABC');\n",
        Table + "SELECT s, s LIKE 'a%', s LIKE 'A_C', s NOT LIKE '%c', s GLOB 'a*', s GLOB '[A-Z]*', s GLOB '?b?', s LIKE 'a\\_c' ESCAPE '\\' FROM t;\n" +
        "SELECT 'abc' LIKE 'ABC', 'ÄB' LIKE 'äb', 'äb' LIKE 'äB', 5 LIKE 5, 5.5 LIKE '5._', NULL LIKE 'a', 'a' LIKE NULL, 'a' LIKE 'a' ESCAPE NULL;\n" +
        "SELECT 'x' GLOB '[^a-c]', 'b' GLOB '[a-c]', ']' GLOB '[]]', '-' GLOB '[a-]', 'a' GLOB '*[a]', 'abc' GLOB 'a*c', '' GLOB '*', '' LIKE '%', 'ab' LIKE '%%b';\n" +
        "SELECT '%' LIKE '%%' ESCAPE '%', 'a%' LIKE 'a%%' ESCAPE '%', '_' LIKE '__' ESCAPE '_', 'é' LIKE '_', 'x' LIKE 'X%' ESCAPE 'é';\n" +
        "SELECT 'a' LIKE 'a' ESCAPE 'xy';\nSELECT 'a' LIKE 'a' ESCAPE '';\nSELECT 'a' GLOB 'a' ESCAPE 'x';\nSELECT 1 LIKE 1 ESCAPE '\\' + -1;\n",
        Table + "SELECT i, CASE i WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE 'many' END, CASE WHEN i > 1 THEN 'big' WHEN i IS NULL THEN 'null' END, CASE s WHEN 1 THEN 'num' WHEN 'abc' THEN 'abc' END, CASE n WHEN '2' THEN 'two' END, CASE x WHEN '10' THEN 'ten' WHEN 10 THEN 'TEN' END FROM t;\n" +
        "SELECT CASE NULL WHEN NULL THEN 1 ELSE 0 END, CASE WHEN 0 THEN 1 WHEN 'x' THEN 2 WHEN '1x' THEN 3 END, CASE 1 WHEN 1.0 THEN 'eq' END;\n" +
        "SELECT CASE END;\nSELECT CASE 1 END;\nSELECT count(*), CASE WHEN count(*) > 2 THEN 'many' ELSE 'few' END FROM t;\n",
        Table + "SELECT CAST(i AS TEXT), CAST(r AS INTEGER), CAST(s AS NUMERIC), CAST(s AS REAL), CAST(n AS INT), CAST(x AS VARCHAR(5)), typeof(CAST(i AS REAL)) FROM t;\n" +
        "SELECT CAST('1e3' AS INTEGER), CAST('12abc' AS INT), CAST(' 7 ' AS INTEGER), CAST('1.0' AS NUMERIC), CAST(1.0 AS NUMERIC), CAST('1e3' AS NUMERIC), CAST('abc' AS REAL), CAST(9.9e20 AS INTEGER), CAST(12 AS TEXT) = 12;\n" +
        "SELECT CAST('0x10' AS INTEGER), CAST('-' AS NUMERIC), CAST('9223372036854775808' AS NUMERIC), CAST('9223372036854775808' AS INTEGER), CAST('  -2.5e1x' AS NUMERIC), CAST(3.7 AS STRING), typeof(CAST('3.0' AS FLOAT)), CAST(NULL AS TEXT) IS NULL;\n" +
        "SELECT CAST(1 AS DECIMAL(10, 2)), CAST('5' AS BOOLEAN), CAST(-0.0 AS TEXT), CAST('4611686018427387904.5' AS NUMERIC), CAST(x AS TEXT) || 'z' FROM t LIMIT 2;\n",
        // A WHERE term that reads no table is evaluated before the scan, even over an empty table.
        "CREATE TABLE e(a);\nSELECT count(*) FROM e WHERE 'a' LIKE 'a' ESCAPE 'xy';\nSELECT count(*) FROM e WHERE a > 1 AND 0;\nSELECT 1 WHERE 2 IN (1, 2);\n",
        // BETWEEN on an indexed column or the rowid plans as its two comparisons (a two-sided range); LIKE is
        // case-blind, so no BINARY index serves it: a filter on the scan.
        "CREATE TABLE t(id INTEGER PRIMARY KEY, a INT, b, c TEXT, u UNIQUE);\nCREATE INDEX ia ON t(a); CREATE INDEX ic ON t(c);\nINSERT INTO t VALUES (1, 5, 1, 'x', 9), (2, 3, -9223372036854775808, 'b', 8), (3, 7, 2, 'a', 7), (4, 3, 4, 'c', NULL), (5, NULL, 5, 'ab', 1), (6, 4, 6, 'abc', 2), (7, 9, -9223372036854775808, 'b', 3);\nSELECT id FROM t WHERE a BETWEEN 3 AND 5;\nSELECT id FROM t WHERE a BETWEEN 3 AND 5 ORDER BY a DESC;\nSELECT id FROM t WHERE id BETWEEN 2 AND 5;\nSELECT id FROM t WHERE u BETWEEN 1 AND 8;\nSELECT id FROM t WHERE a NOT BETWEEN 3 AND 5;\nSELECT id FROM t WHERE 4 BETWEEN a AND u;\nSELECT id, abs(b) FROM t WHERE a BETWEEN 3 AND 5;\nSELECT id, abs(b) FROM t WHERE a BETWEEN 5 AND 9 ORDER BY a;\nSELECT id FROM t WHERE abs(b) >= 0 AND a BETWEEN 4 AND 5;\nSELECT id FROM t WHERE a BETWEEN 3 AND 5 AND c > 'a';\nSELECT id FROM t WHERE a BETWEEN 3 AND 5 AND u > 0;\nSELECT id FROM t WHERE c BETWEEN 'a' AND 'b';\nSELECT c FROM t WHERE c BETWEEN 'a' AND 'b';\nSELECT id FROM t WHERE a BETWEEN 3 AND 5 ORDER BY c;\nSELECT id FROM t WHERE c BETWEEN 'a' AND 'c' ORDER BY a;\nSELECT id FROM t WHERE a BETWEEN '3' AND '5';\nSELECT count(*) FROM t WHERE a BETWEEN 3 AND 5;\nSELECT a, count(*) FROM t WHERE a BETWEEN 3 AND 9 GROUP BY a;\nSELECT id FROM t WHERE c LIKE 'a%';\nSELECT id FROM t WHERE c LIKE 'A%' ORDER BY c;\nSELECT c FROM t WHERE c LIKE 'a%';\nSELECT id FROM t WHERE a LIKE '3%';\nUPDATE t SET b = 0 WHERE a BETWEEN 3 AND 3;\nSELECT * FROM t;\nDELETE FROM t WHERE c BETWEEN 'a' AND 'ab';\nSELECT * FROM t;\n",
        // x IN (constants) on an index or the rowid seeks each value, ascending: rows in the index's order (rowid
        // order on the rowid), only those visited; NOT IN, and IN over the table's own columns, are filters.
        "CREATE TABLE t(id INTEGER PRIMARY KEY, a INT, b, c TEXT, u UNIQUE, w);\nCREATE INDEX ia ON t(a); CREATE INDEX ic ON t(c);\nINSERT INTO t VALUES (1, 5, 1, 'x', 9, 1), (2, 3, -9223372036854775808, 'b', 8, 2), (3, 7, 2, 'a', 7, 3), (4, 3, 4, 'c', NULL, 4), (5, NULL, 5, 'ab', 1, 5), (6, 4, 6, 'abc', 2, 6), (7, 9, -9223372036854775808, 'b', 3, 7), (8, 5, 8, '5', 5, 8);\nSELECT id FROM t WHERE id IN (7, 3, 1, 3);\nSELECT id FROM t WHERE a IN (5, 3, 9);\nSELECT id FROM t WHERE a IN ('5', 3.0, 9);\nSELECT id FROM t WHERE u IN (9, 1, 7, NULL);\nSELECT id FROM t WHERE c IN ('b', 'a', 5);\nSELECT id, abs(b) FROM t WHERE a IN (5, 4);\nSELECT id, abs(b) FROM t WHERE a IN (3, 4);\nSELECT id FROM t WHERE abs(b) >= 0 AND id IN (1, 3, 5);\nSELECT id FROM t WHERE abs(b) >= 0 AND a IN (5, 4, 7);\nSELECT id FROM t WHERE a IN (5, 3) AND w > 1;\nSELECT id FROM t WHERE a IN (5, 3) ORDER BY w DESC;\nSELECT id FROM t WHERE a IN (5, 3) ORDER BY a;\nSELECT id FROM t WHERE a IN (5, 3) ORDER BY a DESC;\nSELECT id FROM t WHERE a IN (5, 3) ORDER BY c;\nSELECT id FROM t WHERE a IN (5, 3) AND c > 'a';\nSELECT count(*), sum(w) FROM t WHERE a IN (5, 3);\nSELECT a, count(*) FROM t WHERE a IN (5, 3, 7) GROUP BY a;\nSELECT w, count(*) FROM t WHERE a IN (5, 3, 7) GROUP BY w;\nSELECT DISTINCT a FROM t WHERE a IN (5, 3);\nSELECT a FROM t WHERE a IN (5, 3);\nSELECT id FROM t WHERE id NOT IN (1, 2);\nSELECT id FROM t WHERE a NOT IN (5, 3);\nSELECT id FROM t WHERE a IN (5, w);\nSELECT id FROM t WHERE a IN (5, 3) LIMIT 2;\nSELECT id FROM t WHERE a IN (5, 3) LIMIT 1 OFFSET 1;\nUPDATE t SET w = w + 10 WHERE id IN (2, 4);\nDELETE FROM t WHERE id IN (8) AND abs(b) > 0;\nUPDATE t SET w = 0 WHERE a IN (3);\nSELECT * FROM t;\nSELECT id FROM t WHERE a IN (5, 3) AND id > 2;\nSELECT id FROM t WHERE id IN (5, 3, 8) AND a > 2;\nSELECT id FROM t WHERE id IN (5, 3, 8) ORDER BY a;\nSELECT id FROM t WHERE a IN (5, 3) ORDER BY id DESC;\nSELECT id FROM t WHERE a IN (5, 3) ORDER BY id;\nSELECT DISTINCT a FROM t WHERE a IN (5, 3) ORDER BY a DESC;\nSELECT id, abs(b) FROM t WHERE a IN (5, 3, 9) ORDER BY a LIMIT 2;\nSELECT id, abs(b) FROM t WHERE a IN (5, 3, 9) ORDER BY w LIMIT 2;\n",
        // Syntax as sqlite3 parses it.
        "SELECT 1 BETWEEN 2;\nSELECT 1 IN 2;\nSELECT 1 NOT 2;\nSELECT CAST(1);\nSELECT CASE WHEN 1 THEN 2;\nSELECT 1 LIKE;\n",
    };

    [RequiresSqlite3Theory]
    [MemberData(nameof(Scripts))]
    public void Matches_sqlite3(string script) => OracleAssert.EngineMatchesShell(script);

    [Theory]
    [InlineData("SELECT * FROM t WHERE a IN (1, 2) AND rowid = 1;", "IN")]
    [InlineData("SELECT * FROM t WHERE a GLOB 'x*';", "GLOB")]
    [InlineData("SELECT * FROM t WHERE rowid IN (1, 2) AND a = 1;", "IN")]
    [InlineData("SELECT * FROM t WHERE a IN (1, 2) AND rowid IN (1, 2);", "IN")]
    [InlineData("UPDATE t SET b = 1 WHERE a IN (1, 2);", "IN")]
    public void On_an_indexed_column_in_where_they_are_refused(string statement, string construct)
    {
        var r = new Database().Execute("CREATE TABLE t(a UNIQUE, b);\n" + statement + "\n");
        Assert.Equal($"Parse error near line 2: FastDb does not support {construct} on an indexed column or the rowid in WHERE yet\n", r.Body);
    }

    [RequiresSqlite3Fact]
    public void A_cast_to_blob_or_to_no_type_makes_a_blob_of_the_text_bytes()
    {
        OracleAssert.EngineMatchesShell("SELECT CAST(1 AS), typeof(CAST(1 AS)), hex(CAST('é' AS BLOB)), CAST(1.5 AS BLOB), typeof(CAST(NULL AS BLOB));\n" +
            "SELECT CAST(X'3132' AS INTEGER), CAST(X'2D312E35' AS REAL), CAST(X'313265' AS NUMERIC), CAST(X'FF31' AS INTEGER), CAST(X'c3a9' AS TEXT);\n");
    }

    [RequiresSqlite3Fact]
    public void On_unindexed_columns_and_through_unary_plus_they_run()
    {
        OracleAssert.EngineMatchesShell("CREATE TABLE t(a UNIQUE, b);\nINSERT INTO t VALUES(3, 1), (1, 2), (2, 3);\n" +
            "SELECT * FROM t WHERE b IN (1, 3);\nSELECT * FROM t WHERE +a IN (1, 3);\nSELECT * FROM t WHERE a IN (2);\nSELECT * FROM t WHERE b BETWEEN 2 AND 3;\nSELECT a FROM t WHERE a IN (1);\n");
    }
}

/// <summary>ifnull, nullif, iif and max/min with several arguments against the real shell.</summary>
public class ScalarFunctionTests
{
    [RequiresSqlite3Fact]
    public void Match_sqlite3() => OracleAssert.EngineMatchesShell(
        "CREATE TABLE t(i INTEGER, s TEXT, x);\nINSERT INTO t VALUES(1, '1', 1.0), (NULL, 'b', NULL), (3, NULL, 'z');\n" +
        "SELECT ifnull(i, 'none'), ifnull(NULL, NULL), nullif(i, 1), nullif(s, 1), nullif(x, 1), nullif(NULL, 1), iif(i > 1, 'big', 'small'), iif(NULL, 1, 2) FROM t;\n" +
        "SELECT max(1, 2, 3), min(1, 2, 3), max(1, 'a'), min(1, 'a', 2.5), max(1, NULL), min(NULL, 1), max(1, 1.0), min(1, 1.0), max('a', 'B'), typeof(min(2, 2.0));\n" +
        "SELECT max(i, x), min(i, s), max(s, i, x) FROM t;\n" +
        "SELECT ifnull(1);\nSELECT ifnull(1, 2, 3);\nSELECT nullif(1);\nSELECT iif(1, 2);\nSELECT IIF(1, 2, 3, 4);\nSELECT max();\nSELECT iif(1, 2, nosuch);\n");
}
