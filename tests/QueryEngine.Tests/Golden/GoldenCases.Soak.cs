// Golden cases of the shapes the FASTDB_SOAK=1 run of the differential generator found (issue 18): each is a
// cause of a difference from sqlite3 3.40.1, held here so the CI run catches a regression even when its 2,400
// scripts do not hit the shape (GoldenTests re-checks every one against the installed shell).
namespace FastDb.QueryEngine.Tests.Golden;

public static partial class GoldenCases
{
    static GoldenCase[] SoakCases() =>
    [
        new("Upsert_excluded_real_column_reads_an_integer_as_real",
            "DROP TABLE IF EXISTS t0; DROP TABLE IF EXISTS t1; DROP TABLE IF EXISTS ctf3; CREATE\tTABLE t0 (b DEFAULT 100.0, id INTEGER PRIMARY KEY, name REAL);\nINSERT INTO t0 (name) VALUES (\tNULL), (100.0), ('b')\n, (0);\nUPDATE t0 SET b = 100, name = ('1e3') WHERE id /* c */ != '12' AND id >= 0.0;\nINSERT INTO\n  t0 VALUES\t('2.50', 0, 4611686018427387904), (NULL, 3, 4611686018427387904), (- 3, 1, 4611686018427387904), (100.0, NULL, '0x10') ON CONFLICT (id /* c */ ) DO UPDATE SET b = b + excluded . name;\nSELECT * FROM t0 WHERE b < 'abc';\nCREATE TABLE t (id INTEGER PRIMARY KEY, r REAL, u UNIQUE, n NUMERIC, x);\nINSERT INTO t VALUES (1, 1, 'a', 1, 1);\nINSERT INTO t VALUES (1, 5, 'b', 7, 3) ON CONFLICT (id) DO UPDATE SET x = excluded.r || '|' || typeof(excluded.r) || '|' || excluded.n || typeof(excluded.n);\nINSERT INTO t VALUES (2, '12', 'a', '7', 3) ON CONFLICT (u) DO UPDATE SET x = excluded.r || '|' || typeof(excluded.r) || '|' || excluded.n || typeof(excluded.n);\nINSERT INTO t VALUES (1, 'zz', 'q', '7.0', 3) ON CONFLICT DO UPDATE SET x = excluded.r || '|' || typeof(excluded.r) || '|' || excluded.n || typeof(excluded.n);\nINSERT INTO t VALUES (3, 2.5, 'a', 9, 3) ON CONFLICT (u) DO UPDATE SET x = excluded.r + 1, r = excluded.r;\nINSERT INTO t VALUES (1, '3', 'c', 9, 3) ON CONFLICT (id) DO UPDATE SET x = excluded.r || typeof(excluded.r);\nSELECT *, typeof(r), typeof(x) FROM t;\n",
            Stdout: "2.50|0|4.61168601842739e+18\n4.61168601842739e+18|1|1000.0\n100|2|1000.0\n4.61168601842739e+18|3|1000.0\n100|4|1000.0\n100.0|5|0x10\n1|2.5|a|1|3text|real|text\n",
            Stderr: "",
            ExitCode: 0),
        new("Join_indexes_the_table_whose_column_suits_the_comparison_turning_the_loops",
            "CREATE TABLE a (x TEXT, p);\nCREATE TABLE b (y REAL, q);\nINSERT INTO a VALUES ('1', 3), ('2', 1), ('1', 2), (1, 'z'), ('2', 0);\nINSERT INTO b VALUES (1, 2), (2, 1), (1, 'a');\nSELECT * FROM b JOIN a ON a.x = b.y;\nSELECT * FROM b JOIN a ON a.x = b.y AND a.p = b.q;\nSELECT * FROM b JOIN a ON a.x + 0 = b.y;\nSELECT a.p, b.q FROM b, a WHERE a.x = b.y AND a.p > 1;\nSELECT l.* FROM b AS l JOIN a AS r ON l.y = r.x LIMIT 2;\nSELECT * FROM b CROSS JOIN a ON a.x = b.y;\n",
            Stdout: "1.0|2|1|3\n1.0|a|1|3\n2.0|1|2|1\n1.0|2|1|2\n1.0|a|1|2\n1.0|2|1|z\n1.0|a|1|z\n2.0|1|2|0\n1.0|2|1|2\n2.0|1|2|1\n1.0|2|1|3\n1.0|a|1|3\n2.0|1|2|1\n1.0|2|1|2\n1.0|a|1|2\n1.0|2|1|z\n1.0|a|1|z\n2.0|1|2|0\n3|2\n3|a\n2|2\n2|a\nz|2\nz|a\n1.0|2\n1.0|a\n1.0|2|1|3\n1.0|2|1|2\n1.0|2|1|z\n2.0|1|2|1\n2.0|1|2|0\n1.0|a|1|3\n1.0|a|1|2\n1.0|a|1|z\n",
            Stderr: "",
            ExitCode: 0),
        new("Order_by_an_index_beats_a_one_sided_range_on_another_index_without_limit",
            "CREATE TABLE t(a, b, c);\nCREATE INDEX ia ON t(a);\nCREATE INDEX ib ON t(b);\nINSERT INTO t VALUES ('x', 9, 1), ('x', 1, 2), (NULL, 5, 3), ('x', 7, 4), (NULL, 8, 5), ('y', 3, 6);\nSELECT c FROM t WHERE b >= 2 ORDER BY a;\nSELECT c FROM t WHERE b > 2 ORDER BY a DESC;\nSELECT c FROM t WHERE b <= 8 ORDER BY a, b DESC;\nSELECT c FROM t WHERE b > 2 AND b < 9 ORDER BY a;\nSELECT c FROM t WHERE b >= 2 ORDER BY a LIMIT 4;\nSELECT a, c FROM t WHERE b >= 2 ORDER BY a;\n",
            Stdout: "3\n5\n1\n4\n6\n6\n4\n1\n5\n3\n5\n3\n4\n2\n6\n3\n5\n4\n6\n3\n5\n4\n1\n|3\n|5\nx|1\nx|4\ny|6\n",
            Stderr: "",
            ExitCode: 0),
        new("Row_value_misused",
            "SELECT (\"hello\" <= (3.14159, ' 7', 1e308));\nSELECT printf('%x', (\"hello\", round(NULL, 4)));\nSELECT (1, 2);\nSELECT (1, 2) = 1;\nSELECT 1 IN ((1, 2), 3);\nSELECT (1, nosuch);\nSELECT (nosuch, 2) = 1;\nSELECT (1, 2) IS NULL;\nSELECT 1 BETWEEN (1, 2) AND 3;\n",
            Stdout: "",
            Stderr: "Parse error near line 1: row value misused\n  SELECT (\"hello\" <= (3.14159, ' 7', 1e308));\n          ^--- error here\nParse error near line 2: row value misused\nParse error near line 3: row value misused\nParse error near line 4: row value misused\nParse error near line 5: row value misused\nParse error near line 6: no such column: nosuch\n  SELECT (1, nosuch);\n             ^--- error here\nParse error near line 7: row value misused\nParse error near line 8: row value misused\nParse error near line 9: row value misused\n  SELECT 1 BETWEEN (1, 2) AND 3;\n         ^--- error here\n",
            ExitCode: 1),
        new("Table_valued_function_syntax_on_a_table",
            "CREATE TABLE t0(a);\nSELECT count(*) FROM t0 (round(1, 0)) > 5;\nSELECT 1 FROM t0 (1);\nSELECT 1 FROM T0 (nosuch) AS x WHERE a > 0;\nSELECT 1 FROM t1 (1);\nSELECT 1 FROM t0 ();\nSELECT 1 FROM t0 AS x (1);\nSELECT 1 FROM t0 x JOIN t0 (1) y;\nSELECT 1 FROM sqlite_master (1);\nSELECT 1 FROM t0 (SELECT 1);\n",
            Stdout: "",
            Stderr: "Parse error near line 2: near \">\": syntax error\n  SELECT count(*) FROM t0 (round(1, 0)) > 5;\n                          error here ---^\nParse error near line 3: 't0' is not a function\nParse error near line 4: 'T0' is not a function\nParse error near line 5: no such table: t1\nParse error near line 6: 't0' is not a function\nParse error near line 7: near \"(\": syntax error\n  SELECT 1 FROM t0 AS x (1);\n                        ^--- error here\nParse error near line 8: 't0' is not a function\nParse error near line 9: 'sqlite_master' is not a function\nParse error near line 10: near \"SELECT\": syntax error\n  SELECT 1 FROM t0 (SELECT 1);\n                    ^--- error here\n",
            ExitCode: 1),
        new("Printf_counts_bytes_unless_the_bang_flag",
            "SELECT printf('%.2s|%!.1s|%5s|%!5s|%-5s|%!-5s|', 'éé', 'éé', 'éé', 'éé', 'éé', 'éé');\nSELECT printf('%.4q|%!.1q|%3c|%!3c|%.2c|', 'éé', 'éé', 'é', 'é', 'é'), length(printf('%.2s', 'éa'));\n",
            Stdout: "é|é| éé|   éé|éé |éé   |\néé|é|  é|  é|éé||1\n",
            Stderr: "",
            ExitCode: 0),
        new("Group_rows_print_as_each_group_ends",
            "CREATE TABLE t0 (w CHAR(15));\nINSERT INTO t0 VALUES (0), (0), (NULL), ('b'), (1e15), (4611686018427387904), (4611686018427387904), (5);\nSELECT sum(w) FROM t0 GROUP BY w;\nSELECT sum(w), count(*) FROM t0 GROUP BY w LIMIT 2 OFFSET 1;\nSELECT sum(l.w) FROM t0 AS l JOIN t0 AS r ON l.w = r.w GROUP BY l.w;\nSELECT sum(w) FROM t0 GROUP BY w LIMIT 0;\nSELECT sum(w) FROM t0 LIMIT 0 OFFSET 'abc';\nSELECT 1 LIMIT 1 OFFSET 'abc';\n",
            Stdout: "\n0\n1.0e+15\n0|2\n1.0e+15|1\n0\n1.0e+15\n",
            Stderr: "Runtime error near line 3: integer overflow\nRuntime error near line 5: integer overflow\nRuntime error near line 8: datatype mismatch (20)\n",
            ExitCode: 1),
        new("Distinct_that_cannot_remove_a_row_asks_for_no_order",
            "CREATE TABLE t0 (a FLOAT PRIMARY KEY NOT NULL);\nINSERT INTO t0 VALUES (3), (1);\nSELECT DISTINCT a FROM t0;\nCREATE TABLE t1 (a FLOAT UNIQUE);\nINSERT INTO t1 VALUES (3), (1);\nSELECT DISTINCT a FROM t1;\nCREATE TABLE t2 (a FLOAT UNIQUE NOT NULL, b);\nINSERT INTO t2 VALUES (3, 1), (1, 2);\nSELECT DISTINCT a FROM t2;\nSELECT DISTINCT a, b FROM t2;\nSELECT DISTINCT b, a FROM t2;\nCREATE TABLE t3 (a INTEGER PRIMARY KEY, b UNIQUE);\nINSERT INTO t3 VALUES (3, 'x'), (1, 'a');\nSELECT DISTINCT b, a FROM t3;\nSELECT DISTINCT b FROM t3 WHERE b = 'x';\n",
            Stdout: "3.0\n1.0\n1.0\n3.0\n1.0\n3.0\n3.0|1\n1.0|2\n1|3.0\n2|1.0\na|1\nx|3\nx\n",
            Stderr: "",
            ExitCode: 0),
        new("Or_of_index_terms_is_a_multi_index_plan_only_when_cheaper_than_a_scan",
            "CREATE TABLE t0 (f, a TEXT UNIQUE);\nINSERT INTO t0 VALUES (1, 'gdb'), (2, '1');\nSELECT * FROM t0 WHERE a >= NULL OR a >= - 100;\nSELECT * FROM t0 WHERE a = NULL OR a >= '-100';\nSELECT * FROM t0 WHERE a >= - 100;\nCREATE TABLE t1 (a UNIQUE, b UNIQUE, c, d);\nINSERT INTO t1 VALUES ('b', 2, 0, 0), ('a', 1, 0, 0);\nSELECT * FROM t1 WHERE a >= 'a' OR b >= 2;\nCREATE TABLE t2 (k DOUBLE UNIQUE);\nINSERT INTO t2 VALUES (3), (1);\nSELECT * FROM t2 WHERE k == NULL OR k IS NOT NULL;\nCREATE TABLE t3 (c0 DOUBLE UNIQUE, c1 NUMERIC UNIQUE NOT NULL DEFAULT 0, c2 BLOB);\nINSERT INTO t3 VALUES (9, 2, 5), (8, 1, 4), (7, 0, 3);\nSELECT * FROM t3 WHERE c1 <= 4 AND c0 >= 4 OR c1 IS NULL;\n",
            Stdout: "1|gdb\n2|1\n2|1\n1|gdb\n2|1\n1|gdb\na|1|0|0\nb|2|0|0\n3.0\n1.0\n9.0|2|5\n8.0|1|4\n7.0|0|3\n",
            Stderr: "",
            ExitCode: 0),
    ];
}
