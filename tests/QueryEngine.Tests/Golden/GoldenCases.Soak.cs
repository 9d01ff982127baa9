// Golden cases of the shapes the FASTDB_SOAK=1 run of the differential generator found (issue 18): each is a
// cause of a difference from sqlite3 3.40.1, held here so the CI run catches a regression even when its 2,400
// scripts do not hit the shape (GoldenTests re-checks every one against the installed shell).
namespace FastDb.QueryEngine.Tests.Golden;

public static partial class GoldenCases
{
    static GoldenCase[] SoakCases() =>
    [
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
    ];
}
