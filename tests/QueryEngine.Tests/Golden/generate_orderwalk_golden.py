#!/usr/bin/env python3
# Regenerates GoldenCases.OrderWalk.cs from the installed sqlite3 3.40.1 shell: each script is run on a fresh
# `sqlite3 :memory:` and its stdout, stderr and exit code are written into the C# source as they are.
# Run from anywhere: python3 tests/QueryEngine.Tests/Golden/generate_orderwalk_golden.py
from golden_writer import write_cases
PRE1 = 'CREATE TABLE t(a INTEGER, b); CREATE INDEX i ON t(a);\nINSERT INTO t VALUES(3,1),(1,-9223372036854775808),(2,5),(0,7);\n'
PRE2 = "CREATE TABLE t(id INTEGER PRIMARY KEY, a, b, u UNIQUE, n TEXT NOT NULL UNIQUE, c);\nCREATE INDEX ia ON t(a); CREATE INDEX ic ON t(c);\nINSERT INTO t VALUES(5,NULL,1,3,'e',1),(2,1,-9223372036854775808,NULL,'b',2),(9,NULL,5,1,'a',3),(1,0,7,NULL,'d',NULL),(4,2,2,2,'c',5),(7,NULL,-9223372036854775808,7,'f',6);\n"
cases = [
("Order_by_an_index_walk_prints_the_rows_before_a_failing_row_in_walk_order",
 PRE1 + 'SELECT a, abs(b) FROM t ORDER BY a;\nSELECT a, abs(b) FROM t ORDER BY a DESC;\nSELECT a FROM t WHERE abs(b) > 0 ORDER BY a;\nSELECT a FROM t WHERE abs(b) > 0 AND a > 1 ORDER BY a;\nSELECT a FROM t WHERE a > 1 AND abs(b) > 0 ORDER BY a;\nSELECT a FROM t WHERE abs(b) > 0 AND a < 2 ORDER BY a DESC;\nSELECT a, abs(b) FROM t ORDER BY a LIMIT 1;\nSELECT a, abs(b) FROM t ORDER BY a LIMIT 1 OFFSET 1;\nSELECT a, abs(b) FROM t ORDER BY rowid;\nSELECT a, abs(b) FROM t ORDER BY rowid DESC;\nSELECT a, abs(b) FROM t ORDER BY rowid, a;\nSELECT a, abs(b) FROM t ORDER BY a, b;\nSELECT a, abs(b) FROM t ORDER BY a NULLS LAST;\nSELECT DISTINCT a, abs(b) FROM t ORDER BY a;\nSELECT a, abs(b) FROM t ORDER BY +a;\n'),
("Order_by_walk_skips_rows_outside_its_range_before_other_where_terms_run",
 PRE2 + "SELECT id, abs(b) FROM t WHERE id > 2 ORDER BY id;\nSELECT id FROM t WHERE abs(b) >= 0 AND id > 2 ORDER BY id;\nSELECT id FROM t WHERE abs(b) >= 0 AND id < 7 ORDER BY id DESC;\nSELECT id FROM t WHERE abs(b) >= 0 AND c > 2 ORDER BY a;\nSELECT id FROM t WHERE abs(b) >= 0 AND a >= 1 ORDER BY a;\nSELECT id FROM t WHERE abs(b) >= 0 AND a IS NOT NULL ORDER BY a;\nSELECT a FROM t WHERE abs(b) >= 0 AND a IS NOT NULL ORDER BY a;\nSELECT id FROM t WHERE abs(b) >= 0 AND a > '0' ORDER BY a;\nSELECT id FROM t WHERE abs(b) >= 0 AND n > 'b' ORDER BY n;\nSELECT id FROM t WHERE abs(b) >= 0 AND n > 1 ORDER BY n;\nSELECT id, abs(b) FROM t WHERE a = 1 OR c = 3 ORDER BY a;\nSELECT a, (SELECT abs(b) FROM t AS x WHERE x.id = t.id) FROM t ORDER BY a;\nSELECT id FROM t WHERE 1/0 IS NULL ORDER BY a;\nSELECT id FROM t WHERE abs(-9223372036854775808) ORDER BY a;\nSELECT id FROM t WHERE 0 AND abs(-9223372036854775808) ORDER BY a;\nSELECT id, abs(b) FROM t WHERE a > 0 ORDER BY a DESC;\nSELECT id, abs(b) FROM t WHERE c < 100 ORDER BY a;\nSELECT id, abs(b) FROM t WHERE c < 100 AND c > 0 ORDER BY a;\nSELECT id, abs(b) FROM t WHERE c < 100 AND c > 0 ORDER BY c;\n"),
("Order_by_walk_under_nulls_first_last_unique_and_rowid",
 PRE2 + 'SELECT id, abs(b) FROM t ORDER BY a;\nSELECT id, abs(b) FROM t ORDER BY a DESC;\nSELECT id, abs(b) FROM t ORDER BY a NULLS LAST;\nSELECT id, abs(b) FROM t ORDER BY a DESC NULLS FIRST;\nSELECT id, abs(b) FROM t ORDER BY u;\nSELECT id, abs(b) FROM t ORDER BY u DESC;\nSELECT id, abs(b) FROM t ORDER BY u, a;\nSELECT id, abs(b) FROM t ORDER BY n, a;\nSELECT id, abs(b) FROM t ORDER BY n DESC, a;\nSELECT id, abs(b) FROM t ORDER BY id;\nSELECT id, abs(b) FROM t ORDER BY id DESC;\nSELECT id, abs(b) FROM t ORDER BY c;\nSELECT id, abs(b) FROM t ORDER BY c DESC;\n'),
("Order_by_walk_with_limit_offset_and_distinct_stops_before_the_failing_row",
 PRE2 + 'SELECT id FROM t WHERE abs(b) >= 0 AND c > 2 ORDER BY a LIMIT 3;\nSELECT id, abs(b) FROM t ORDER BY a LIMIT 2 OFFSET 1;\nSELECT id, abs(b) FROM t ORDER BY a LIMIT 5 OFFSET 1;\nSELECT DISTINCT a, abs(b) FROM t ORDER BY a;\nSELECT DISTINCT a FROM t ORDER BY a;\nSELECT DISTINCT a FROM t ORDER BY a DESC LIMIT 2;\n'),
("Where_terms_are_tested_one_by_one_index_covered_first_and_never_on_rows_the_seek_skips",
 "CREATE TABLE ow (id INTEGER PRIMARY KEY, a, b, u UNIQUE);\nCREATE INDEX owa ON ow (a);\n"
 "INSERT INTO ow VALUES (1, 1, 5, 1), (2, 1, -9223372036854775808, 2), (3, 2, 7, 3), (4, NULL, -9223372036854775808, NULL);\n"
 "SELECT id FROM ow WHERE abs(b) >= 0 AND rowid != 2 AND a = 1;\n"
 "SELECT id FROM ow WHERE abs(b) >= 0 AND a + 0 = 1 AND a = 1;\n"
 "SELECT id FROM ow WHERE abs(b) >= 0 AND rowid != 2 AND a > 0;\n"
 "SELECT id FROM ow WHERE abs(b) >= 0 AND a > 0 ORDER BY a;\n"
 "SELECT id FROM ow WHERE u > 0 AND abs(b) >= 0;\n"
 "SELECT id FROM ow WHERE abs(b) >= 0 AND u > 0;\n"
 "SELECT id FROM ow WHERE a = 2 OR u = 1;\n"
 "UPDATE ow SET u = u + 10 WHERE abs(b) >= 0 AND rowid != 2 AND a = 1;\n"
 "DELETE FROM ow WHERE abs(b) >= 0 AND a = 2;\n"
 "SELECT * FROM ow;\n"),
("Order_by_limit_drops_rows_that_cannot_enter_the_sorter_before_their_result_columns_run",
 "CREATE TABLE t(a, b, c);\n"
 "INSERT INTO t VALUES (1, 1, 1), (2, 7, 2), (3, -9223372036854775808, 3), (0, 5, 0), (2, -9223372036854775808, 9);\n"
 "SELECT abs(b) FROM t ORDER BY a LIMIT 2;\n"
 "SELECT abs(b) FROM t ORDER BY a LIMIT 3;\n"
 "SELECT abs(b) FROM t ORDER BY a DESC LIMIT 2;\n"
 "SELECT abs(b) FROM t ORDER BY a LIMIT 1 OFFSET 1;\n"
 "SELECT abs(b) FROM t ORDER BY a, c LIMIT 2;\n"
 "SELECT abs(b) FROM t ORDER BY c DESC, a LIMIT 1;\n"
 "SELECT abs(b) FROM t ORDER BY a NULLS LAST LIMIT 2;\n"
 "SELECT abs(b) FROM t ORDER BY abs(b) LIMIT 1;\n"
 "SELECT DISTINCT abs(b) FROM t ORDER BY a LIMIT 2;\n"
 "SELECT (SELECT abs(b) FROM t ORDER BY a);\n"
 "SELECT abs(b) FROM t ORDER BY a LIMIT -1;\n"
 "SELECT abs(b) FROM t WHERE c < 5 ORDER BY a LIMIT 2;\n"
 "SELECT x.a, abs(y.b) FROM t AS x JOIN t AS y ON x.a = y.c ORDER BY x.a LIMIT 1;\n"),
("Distinct_ordered_by_its_one_column_becomes_group_by_and_prints_a_row_once_the_next_is_read",
 "CREATE TABLE t(a, b); CREATE INDEX i ON t(a);\n"
 "INSERT INTO t VALUES (1, 1), (NULL, 2), (2, -9223372036854775808), (3, 4);\n"
 "SELECT DISTINCT a FROM t WHERE abs(b) >= 0 ORDER BY a;\n"
 "SELECT DISTINCT a FROM t WHERE abs(b) >= 0 ORDER BY a ASC NULLS FIRST;\n"
 "SELECT DISTINCT a FROM t WHERE abs(b) >= 0 ORDER BY a NULLS LAST;\n"
 "SELECT DISTINCT a FROM t WHERE abs(b) >= 0 ORDER BY a DESC;\n"
 "SELECT DISTINCT a FROM t WHERE abs(b) >= 0 ORDER BY a LIMIT 1;\n"
 "SELECT DISTINCT a FROM t WHERE abs(b) >= 0 ORDER BY a LIMIT 2;\n"
 "SELECT DISTINCT a FROM t WHERE abs(b) >= 0 ORDER BY a LIMIT 1 OFFSET 1;\n"
 "SELECT DISTINCT a, abs(b) FROM t ORDER BY a;\n"
 "SELECT DISTINCT a FROM t WHERE abs(b) >= 0 ORDER BY a, rowid;\n"),
("In_list_and_in_subquery_on_an_index_seek_their_values_ascending",
 "CREATE TABLE t(id INTEGER PRIMARY KEY, a INT, b, c TEXT, u UNIQUE, w);\nCREATE INDEX ia ON t(a); CREATE INDEX ic ON t(c);\nINSERT INTO t VALUES (1, 5, 1, 'x', 9, 1), (2, 3, -9223372036854775808, 'b', 8, 2), (3, 7, 2, 'a', 7, 3), (4, 3, 4, 'c', NULL, 4), (5, NULL, 5, 'ab', 1, 5), (6, 4, 6, 'abc', 2, 6), (7, 9, -9223372036854775808, 'b', 3, 7), (8, 5, 8, '5', 5, 8);\nCREATE TABLE s(k, v);\nINSERT INTO s VALUES (5, 'p'), (3, 'q'), (3, 'r'), ('x', 's'), (NULL, 't');\nSELECT id FROM t WHERE a IN (SELECT k FROM s);\nSELECT id FROM t WHERE a IN (SELECT k FROM s) ORDER BY a DESC;\nSELECT id FROM t WHERE a IN (SELECT k FROM s) ORDER BY w;\nSELECT id, abs(b) FROM t WHERE a IN (SELECT k FROM s);\nSELECT id FROM t WHERE abs(b) >= 0 AND a IN (SELECT k FROM s WHERE k = 5);\nSELECT id FROM t WHERE id IN (SELECT k FROM s);\nSELECT id FROM t WHERE id IN (SELECT k FROM s) AND a > 0;\nSELECT id FROM t WHERE c IN (SELECT v FROM s);\nSELECT id FROM t WHERE a IN (SELECT k FROM s) AND c > 'a';\nSELECT id FROM t WHERE a NOT IN (SELECT k FROM s WHERE k IS NOT NULL);\nSELECT count(*) FROM t WHERE a IN (SELECT k FROM s);\nSELECT id FROM t WHERE a IN (SELECT k FROM s) LIMIT 2;\nSELECT id FROM t WHERE u IN (SELECT k FROM s);\nSELECT id FROM t WHERE a IN (SELECT k + 0 FROM s);\nSELECT id FROM t WHERE c IN (SELECT k FROM s);\nUPDATE t SET w = w + 1 WHERE a IN (SELECT k FROM s);\nDELETE FROM t WHERE a IN (SELECT k FROM s) AND abs(b) >= 0;\nSELECT * FROM t;\n"),
("Group_by_ordered_by_its_own_terms_prints_each_group_as_it_ends_and_limit_stops_the_grouping",
 'CREATE TABLE t(a, b, c); CREATE INDEX ic ON t(c);\nINSERT INTO t VALUES (1, 1, 1), (2, 7, 2), (3, -9223372036854775808, 3), (0, 5, 0), (2, 3, 2), (NULL, 4, NULL);\nSELECT a, sum(abs(b)) FROM t GROUP BY a ORDER BY a LIMIT 2;\nSELECT a, sum(abs(b)) FROM t GROUP BY a ORDER BY a LIMIT 3;\nSELECT a, sum(abs(b)) FROM t GROUP BY a ORDER BY a DESC LIMIT 2;\nSELECT a, sum(abs(b)) FROM t GROUP BY a ORDER BY a;\nSELECT a, sum(abs(b)) FROM t GROUP BY a ORDER BY a DESC;\nSELECT a, count(*) FROM t GROUP BY a ORDER BY a NULLS LAST;\nSELECT a, abs(b) FROM t GROUP BY a ORDER BY a LIMIT 2;\nSELECT c, sum(abs(b)) FROM t GROUP BY c ORDER BY c LIMIT 2;\nSELECT c, sum(abs(b)) FROM t GROUP BY c ORDER BY c DESC LIMIT 2;\nSELECT c, sum(abs(b)) FROM t GROUP BY c ORDER BY c DESC;\nSELECT a, b, count(*) FROM t GROUP BY a, b ORDER BY a, b LIMIT 3;\nSELECT a, b, count(*) FROM t GROUP BY a, b ORDER BY a DESC, b LIMIT 3;\nSELECT a, count(*) FROM t GROUP BY a HAVING count(*) > 0 ORDER BY a LIMIT 2 OFFSET 1;\nSELECT a, sum(abs(b)) FROM t GROUP BY 1 ORDER BY 1 LIMIT 2;\nSELECT DISTINCT count(*) FROM t GROUP BY a ORDER BY a;\nSELECT a AS x, sum(abs(b)) FROM t GROUP BY x ORDER BY x LIMIT 2;\n'),
]
write_cases("GoldenCases.OrderWalk.cs",
            ["Golden cases for SELECT ... ORDER BY that an index walk satisfies (issue 18): sqlite3 prints each row as",
             "the walk reaches it, so a run-time error comes after the rows before it, a LIMIT that ends the walk first",
             "never meets it, and rows outside the walk's range are never visited.",
             "Generated by generate_orderwalk_golden.py from the installed sqlite3 shell."],
            "OrderWalkCases", cases)
