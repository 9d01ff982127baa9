// Golden cases of subqueries in FROM: column names as sqlite3ColumnsFromExprList gives them, the rows in the
// subquery's order (or the order SQLite's OmitOrderBy leaves), affinities and errors, as sqlite3 3.40.1 prints them
// (GoldenTests re-checks every one against the installed shell).
namespace FastDb.QueryEngine.Tests.Golden;

public static partial class GoldenCases
{
    static GoldenCase[] FromSubqueryCases() =>
    [
        new("FromSubquery_column_names_rowid_and_order",
            ".headers on\nCREATE TABLE t(a INT, b TEXT);\nINSERT INTO t VALUES(3,'1'),(1,'2'),(2,'z');\nSELECT * FROM (SELECT A, T.B, \"a\", 'lit', a + 1, true, a AS \"false\", rowid FROM t);\nSELECT * FROM (SELECT a AS z, b AS z, a AS Z, b AS \"z:1\" FROM t);\nSELECT x, rowid FROM (SELECT a AS x FROM t ORDER BY b DESC);\nSELECT s.* FROM (SELECT b, count(*) AS n FROM t GROUP BY b) AS s;\nSELECT * FROM (SELECT a FROM t UNION SELECT b FROM t);\nSELECT * FROM (SELECT 1, 2 UNION ALL SELECT 3, 4) s;\nSELECT count(*), max(x) FROM (SELECT a AS x FROM t LIMIT 2);\n",
            Stdout: "A|B|a:1|'lit'|a + 1|column6|column7|rowid\n3|1|3|lit|4|1|3|1\n1|2|1|lit|2|1|1|2\n2|z|2|lit|3|1|2|3\nz|z:1|Z:2|z:3\n3|1|3|1\n1|2|1|2\n2|z|2|z\nx|rowid\n2|\n1|\n3|\nb|n\n1|1\n2|1\nz|1\na\n1\n2\n3\n1\n2\nz\n1|2\n1|2\n3|4\ncount(*)|max(x)\n2|3\n",
            Stderr: "",
            ExitCode: 0),
        new("FromSubquery_errors",
            "CREATE TABLE t(a INT, b TEXT);\nSELECT c FROM (SELECT a FROM t);\nSELECT s.zz FROM (SELECT a FROM t) AS s;\nSELECT q.* FROM (SELECT a FROM t) AS s;\nSELECT * FROM (SELECT a, b FROM t UNION SELECT a FROM t);\nSELECT * FROM (SELECT a FROM nosuch);\nSELECT * FROM (SELECT zz FROM t);\nSELECT * FROM (SELECT a FROM t;\nSELECT * FROM (SELECT a FROM t) WHERE b = 1;\nSELECT * FROM (SELECT * FROM (SELECT 1 AS x)) AS y WHERE y.x = x;\n",
            Stdout: "1\n",
            Stderr: "Parse error near line 2: no such column: c\n  SELECT c FROM (SELECT a FROM t);\n         ^--- error here\nParse error near line 3: no such column: s.zz\n  SELECT s.zz FROM (SELECT a FROM t) AS s;\n         ^--- error here\nParse error near line 4: no such table: q\nParse error near line 5: SELECTs to the left and right of UNION do not have the same number of result columns\nParse error near line 6: no such table: nosuch\nParse error near line 7: no such column: zz\n  SELECT * FROM (SELECT zz FROM t);\n                        ^--- error here\nParse error near line 8: near \";\": syntax error\n  SELECT * FROM (SELECT a FROM t;\n                  error here ---^\nParse error near line 9: no such column: b\n  SELECT * FROM (SELECT a FROM t) WHERE b = 1;\n                          error here ---^\n",
            ExitCode: 1),
        new("FromSubquery_order_by_dropped_or_kept",
            "CREATE TABLE t0(v, w);\nINSERT INTO t0 VALUES(1e-5, 1),(-10, 1),(5, 2),(3, 2);\nSELECT v FROM (SELECT DISTINCT 'a' AS c0, v FROM t0 ORDER BY 2 ASC);\nSELECT v FROM (SELECT DISTINCT 'a' AS c0, v FROM t0 ORDER BY 2 ASC) ORDER BY c0;\nSELECT v FROM (SELECT 'a' AS c0, v FROM t0 ORDER BY 2 ASC LIMIT 10) ORDER BY c0;\nSELECT group_concat(v) FROM (SELECT v, w FROM t0 ORDER BY v) GROUP BY w ORDER BY 1;\nSELECT v FROM (SELECT DISTINCT v, w FROM t0 ORDER BY v) GROUP BY w ORDER BY 1;\nSELECT v FROM (SELECT v FROM t0 LIMIT 3 OFFSET 1) ORDER BY v;\nSELECT DISTINCT w FROM (SELECT w FROM t0 LIMIT 3);\nSELECT w, count(*) FROM (SELECT w FROM t0 WHERE v < 4) GROUP BY w ORDER BY 2 DESC;\n",
            Stdout: "-10\n1.0e-05\n3\n5\n1.0e-05\n-10\n5\n3\n-10\n1.0e-05\n3\n5\n-10,1.0e-05\n3,5\n1.0e-05\n5\n-10\n3\n5\n1\n2\n1|2\n2|1\n",
            Stderr: "",
            ExitCode: 0),
        new("FromSubquery_affinity_and_correlation",
            "CREATE TABLE t(a INT, b TEXT, c);\nINSERT INTO t VALUES(1, '1', '1'), (2, '2', 2);\nSELECT x FROM (SELECT a AS x FROM t) WHERE x = '1';\nSELECT x FROM (SELECT b AS x FROM t) WHERE x = 2;\nSELECT x FROM (SELECT a + 0 AS x FROM t) WHERE x = '1';\nSELECT x FROM (SELECT CAST(c AS INTEGER) AS x FROM t) WHERE x = '2';\nSELECT x FROM (SELECT c AS x FROM t) WHERE x = 2;\nSELECT a FROM (SELECT a FROM t UNION SELECT b FROM t) WHERE a = '1';\nSELECT b FROM (SELECT b FROM t UNION SELECT a FROM t) WHERE b = 1;\nSELECT a, (SELECT count(*) FROM (SELECT c FROM t AS u WHERE u.a <= t.a)) FROM t;\n",
            Stdout: "1\n2\n2\n2\n1\n1\n1\n1\n1|1\n2|2\n",
            Stderr: "",
            ExitCode: 0),
    ];
}
