// Golden cases of savepoints (SAVEPOINT, RELEASE, ROLLBACK TO) as sqlite3 3.40.1's OP_Savepoint runs them: outside
// BEGIN a SAVEPOINT starts a transaction that the release of its outermost savepoint commits, ROLLBACK TO keeps the
// savepoint, names are matched case-insensitively from the newest, and every error text (GoldenTests re-checks each
// one against the installed shell).
namespace FastDb.QueryEngine.Tests.Golden;

public static partial class GoldenCases
{
    static GoldenCase[] SavepointCases() =>
    [
        new("Savepoint_errors_and_names",
            "RELEASE x;\nROLLBACK TO x;\nROLLBACK TRANSACTION TO SAVEPOINT x;\nBEGIN;\nRELEASE x;\nROLLBACK TO x;\nCOMMIT;\nSAVEPOINT a;\nBEGIN;\nRELEASE A;\nCOMMIT;\nSAVEPOINT 'a b';\nRELEASE \"a b\";\nSAVEPOINT;\nRELEASE;\nROLLBACK TO;\nSAVEPOINT a b;\nSAVEPOINT select;\nRELEASE savepoint;\nSAVEPOINT key;\nRELEASE SAVEPOINT key;\nSAVEPOINT left;\nROLLBACK TRANSACTION foo TO left;\nRELEASE left;\nSAVEPOINT a;\nSAVEPOINT a;\nRELEASE a;\nRELEASE a;\nRELEASE a;\n",
            Stdout: "",
            Stderr: "Runtime error near line 1: no such savepoint: x\nRuntime error near line 2: no such savepoint: x\nRuntime error near line 3: no such savepoint: x\nRuntime error near line 5: no such savepoint: x\nRuntime error near line 6: no such savepoint: x\nRuntime error near line 9: cannot start a transaction within a transaction\nRuntime error near line 11: cannot commit - no transaction is active\nParse error near line 14: near \";\": syntax error\n  SAVEPOINT;\n           ^--- error here\nParse error near line 15: near \";\": syntax error\n  RELEASE;\n         ^--- error here\nParse error near line 16: near \";\": syntax error\n  ROLLBACK TO;\n             ^--- error here\nParse error near line 17: near \"b\": syntax error\n  SAVEPOINT a b;\n              ^--- error here\nParse error near line 18: near \"select\": syntax error\n  SAVEPOINT select;\n            ^--- error here\nParse error near line 19: near \";\": syntax error\n  RELEASE savepoint;\n                   ^--- error here\nRuntime error near line 29: no such savepoint: a\n",
            ExitCode: 1),
        new("Savepoint_outside_begin_starts_a_transaction_its_release_commits",
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b UNIQUE);\nSAVEPOINT s1;\nINSERT INTO t VALUES (1, 'x');\nSAVEPOINT s2;\nINSERT INTO t VALUES (2, 'y');\nUPDATE t SET b = 'z' WHERE a = 1;\nROLLBACK TO s2;\nSELECT * FROM t;\nINSERT INTO t VALUES (3, 'w');\nRELEASE s2;\nSELECT * FROM t;\nROLLBACK TO s1;\nSELECT count(*) FROM t;\nINSERT INTO t VALUES (4, 'v');\nRELEASE s1;\nCOMMIT;\nROLLBACK;\nSELECT * FROM t;\nSAVEPOINT s;\nDELETE FROM t;\nROLLBACK;\nSELECT * FROM t;\n",
            Stdout: "1|x\n1|x\n3|w\n0\n4|v\n4|v\n",
            Stderr: "Runtime error near line 16: cannot commit - no transaction is active\nRuntime error near line 17: cannot rollback - no transaction is active\n",
            ExitCode: 1),
        new("Savepoints_inside_begin_nest_and_roll_back_schema",
            "CREATE TABLE t(a, b);\nINSERT INTO t VALUES (1, 2);\nBEGIN;\nSAVEPOINT a;\nCREATE TABLE u(c);\nCREATE INDEX ib ON t(b);\nINSERT INTO u VALUES (5);\nSAVEPOINT b;\nDROP TABLE t;\nSELECT name, rootpage FROM sqlite_master;\nROLLBACK TO a;\nSELECT name, rootpage FROM sqlite_master;\nSELECT * FROM u;\nSELECT * FROM t;\nCREATE TABLE v(d);\nRELEASE a;\nSELECT name, rootpage FROM sqlite_master;\nRELEASE b;\nCOMMIT;\nSELECT name, rootpage FROM sqlite_master;\nSAVEPOINT x;\nINSERT INTO t VALUES (3, 4);\nSAVEPOINT y;\nINSERT INTO t VALUES (5, 6);\nCOMMIT;\nSELECT * FROM t;\nSAVEPOINT z;\nINSERT INTO t VALUES (7, 8);\n",
            Stdout: "u|3\nt|2\n1|2\nt|2\nv|3\nt|2\nv|3\n1|2\n3|4\n5|6\n",
            Stderr: "Parse error near line 13: no such table: u\nRuntime error near line 18: no such savepoint: b\n",
            ExitCode: 1),
        new("Savepoint_rollback_to_keeps_it_and_a_failing_statement_undoes_itself",
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b NOT NULL);\nSAVEPOINT s;\nINSERT INTO t VALUES (1, 'a'), (2, NULL);\nINSERT INTO t VALUES (3, 'c');\nROLLBACK TO s;\nINSERT INTO t VALUES (4, 'd');\nROLLBACK TO SAVEPOINT s;\nINSERT INTO t VALUES (5, 'e');\nSAVEPOINT s;\nUPDATE t SET b = 'E';\nROLLBACK TO s;\nSELECT * FROM t;\nRELEASE s;\nSELECT * FROM t;\nRELEASE s;\nSELECT * FROM t;\nROLLBACK;\n",
            Stdout: "5|e\n5|e\n5|e\n",
            Stderr: "Runtime error near line 3: NOT NULL constraint failed: t.b (19)\nRuntime error near line 17: cannot rollback - no transaction is active\n",
            ExitCode: 1),
    ];
}
