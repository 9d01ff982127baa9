#!/usr/bin/env python3
# Regenerates GoldenCases.Functions2.cs from the installed sqlite3 3.40.1 shell: likely/unlikely/likelihood,
# soundex, like()/glob() as functions, sqlite_source_id, sha3 and the ieee754 family. Each script is run on a fresh
# `sqlite3 :memory:` and its stdout, stderr and exit code are written into the C# source as they are.
# Never add ieee754(-9223372036854775808, E): sqlite3 3.40.1 loops forever on it (FastDb refuses it by name).
# Run from anywhere: python3 tests/QueryEngine.Tests/Golden/generate_functions2_golden.py
from golden_writer import write_cases
cases = [
("Likely_family_returns_its_argument_without_affinity_and_keeps_json",
 "CREATE TABLE t(a INT, b TEXT);\nINSERT INTO t VALUES (5, '5'), (3, 'x'), (NULL, 'y');\n"
 "SELECT likely(1), unlikely('x'), likelihood(2, 0.5), likelihood(2, 1.0), likelihood(2, 0.0), likelihood(2, .5), likelihood(2, 1e0), likelihood(3, 05e-1), likelihood(2, (0.25)), likely(NULL), typeof(unlikely(1.5));\n"
 "SELECT likely(a) = '5', a = '5', likely(b) = 5, b = 5, likely(a) = likely('5'), unlikely(a) + 1 FROM t;\n"
 "SELECT json_array(likely(json('[1]'))), json_array(unlikely(json('[1]'))), json_array(likelihood(json('[1]'), 0.5)), json_array(likely('[1]'));\n"
 "SELECT likely(DISTINCT 1), likelihood(1, 0.5e0), likelihood(1, 1e-400), likelihood(1, 0.99999999999), LIKELY(7), UnLikely(8);\n"
 "SELECT max(likely(a)), count(unlikely(b)), likely(count(*)) FROM t GROUP BY likely(b > 'a') ORDER BY 1;\n"
 ".headers on\nSELECT likely(a), LikeLy( a ) FROM t WHERE a = 5;\n"),
("Likelihood_probability_must_be_a_float_literal_from_0_to_1",
 "SELECT likelihood(2, 1);\nSELECT likelihood(2, 1.5);\nSELECT LIKELIHOOD(2, -0.5);\nSELECT likelihood(2, '0.5');\nSELECT likelihood(2, 0.5+0);\n"
 "SELECT likelihood(2, +0.5);\nSELECT likelihood(2, NULL);\nSELECT likelihood(2, 1e999);\nSELECT likelihood(2, 9223372036854775808);\nSELECT likelihood(2, 0);\n"
 "SELECT likelihood(nosuch, 0.5);\nSELECT likelihood(2, nosuch);\nSELECT likelihood(nosuch, 7.5);\nSELECT likelihood(1, 7.5) + nosuch;\nSELECT likelihood(nosuch2, 0.5), likelihood(2, nosuch);\n"
 "SELECT likelihood(2);\nSELECT likely(1, 2);\nSELECT likely();\nSELECT unlikely(*);\nSELECT likelihood(1, 2, 3);\nSELECT likely(count(*)) FROM (SELECT 1) WHERE likely(count(*));\n"),
("Likely_where_no_plan_choice_depends_on_it",
 "CREATE TABLE t(a INT, b TEXT);\nINSERT INTO t VALUES (5, '5'), (3, 'x'), (NULL, 'y'), (4, 'z');\n"
 "SELECT a FROM t WHERE likely(a) AND unlikely(b <> '5') ORDER BY likely(a) DESC;\n"
 "SELECT b, count(*) FROM t WHERE likelihood(a > 3, 0.9) GROUP BY unlikely(b) ORDER BY 1;\n"
 "SELECT DISTINCT likely(a > 3) FROM t;\n"
 "UPDATE t SET a = likely(a + 1) WHERE unlikely(b = 'x');\n"
 "DELETE FROM t WHERE likelihood(a IS NULL, 0.25) RETURNING likely(b);\n"
 "SELECT * FROM t;\nSELECT (SELECT likely(max(a)) FROM t), likely((SELECT min(a) FROM t));\n"),
("Soundex_reads_bytes_as_func_c_does",
 "SELECT soundex('Robert'), soundex('Rupert'), soundex('Ashcraft'), soundex('Tymczak'), soundex('Pfister'), soundex('Lloyd'), soundex('Honeyman'), soundex('Jackson');\n"
 "SELECT soundex(''), soundex(NULL), soundex('123'), soundex(' éa'), soundex('aé'), soundex(12), soundex(1.5e3), soundex(x'41424344'), soundex(x''), soundex('A' || char(0) || 'BCD'), soundex('zzzzzz'), soundex('Abbbbbc'), soundex('a-b-b');\n"
 "SELECT soundex('Ü'), soundex('ü'), soundex('ßt'), soundex('日本x'), soundex('  robert  '), typeof(soundex(NULL)), length(soundex('q'));\n"
 "SELECT soundex();\nSELECT soundex(1, 2);\n"),
("Like_and_glob_functions_take_the_pattern_first",
 "SELECT like('a%', 'abc'), glob('a*', 'abc'), like('A', 'a'), glob('A', 'a'), like('a!%', 'a%', '!'), like('a!%', 'ab', '!'), like('%', ''), glob('[a-c]?', 'bz'), like(NULL, 'a'), like('a', NULL), like('a', 'a', NULL), typeof(glob(NULL, NULL));\n"
 "SELECT like(1, 1), glob(1.5, '1.5'), like('_', 'é'), glob('?', 'é'), like('a_c', 'abc', 'x');\n"
 "SELECT like('a', 'a', 'xy');\nSELECT like('a', 'a', '');\nSELECT like(printf('%.50001c', 'a'), 'a');\nSELECT glob(printf('%.50000c', '*'), 'a');\nSELECT like(1);\nSELECT glob('a', 'b', 'c');\nSELECT like();\n"),
("Sqlite_source_id_names_the_3_40_1_shell",
 "SELECT sqlite_source_id(), sqlite_source_id(*), length(sqlite_source_id()), sqlite_version();\nSELECT sqlite_source_id(1);\n"),
("Sha3_digests_text_bytes_and_blobs_as_shathree_c",
 "SELECT hex(sha3('abc')), hex(sha3('abc', 224)), hex(sha3('abc', '384')), hex(sha3('', 512.9)), hex(sha3(1.5)), hex(sha3('é')), length(sha3('a', 224)), typeof(sha3(NULL)), hex(sha3(1)), hex(sha3(x'00')), hex(sha3(x''));\n"
 "SELECT hex(sha3(printf('%.135c', 'x'), 256)), hex(sha3(printf('%.136c', 'x'), 256)), hex(sha3(printf('%.71c', 'x'), 512)), hex(sha3(printf('%.72c', 'x'), 512)), hex(sha3(printf('%.143c', 'x'), 224)), hex(sha3(printf('%.144c', 'x'), 224)), hex(sha3(printf('%.1000c', 'x'), 384));\n"
 "SELECT hex(sha3('abc', 4294967552)), hex(sha3(123)), hex(sha3(-0.0)), hex(sha3('a' || char(0) || 'b')), hex(sha3(zeroblob(300), 224)), typeof(sha3(NULL, 256));\n"
 "SELECT sha3('abc', 223);\nSELECT sha3(NULL, NULL);\nSELECT sha3('abc', NULL);\nSELECT sha3('x', 'abc');\nSELECT sha3();\nSELECT sha3(1, 2, 3);\n"),
("Ieee754_splits_and_builds_binary64_as_3_40_1",
 "SELECT ieee754(2.0), ieee754(45.25), ieee754(2, 0), ieee754(181, -2), ieee754_mantissa(45.25), ieee754_exponent(45.25);\n"
 "SELECT ieee754(-0.0), ieee754(0.0), ieee754(NULL), ieee754('abc'), ieee754(x'3ff0000000000000'), ieee754(x'8000000000000000'), ieee754(x'7ff8000000000001'), ieee754(x'fff8000000000001'), ieee754(x'00'), ieee754('2.5'), ieee754(-3);\n"
 "SELECT ieee754(0, 5000), ieee754(3, 5000), ieee754(1, -1074), ieee754(1, -1075), ieee754(-5, 2), ieee754(0, -2000), ieee754(NULL, NULL), ieee754('3', '1.5'), ieee754(9223372036854775807, 0), ieee754(-9223372036854775807, -100), ieee754(1, 99999999999), ieee754(1, -99999999999), ieee754(7, 1023), ieee754(1, 1024);\n"
 "SELECT ieee754_from_blob(x'3ff0000000000000'), ieee754_from_blob(x'7ff8000000000000'), ieee754_from_blob(1), ieee754_from_blob(x'00'), hex(ieee754_to_blob(1)), hex(ieee754_to_blob('1')), hex(ieee754_to_blob(-0.0)), ieee754_from_blob(x'7ff0000000000000'), ieee754_from_blob(x'fff0000000000000'), hex(ieee754_to_blob(NULL)), hex(ieee754_to_blob(1e308));\n"
 "SELECT ieee754_mantissa(x'0000000000000001'), ieee754_exponent(x'0000000000000001'), ieee754_mantissa(1e308), ieee754_exponent(-1e-308), ieee754(9223372036854775807), ieee754(-1), ieee754_mantissa(-0.0), ieee754_exponent(-0.0), ieee754_mantissa(NULL), ieee754_exponent(x'7ff0000000000000');\n"
 "SELECT ieee754(ieee754_mantissa(0.1), ieee754_exponent(0.1)) = 0.1, ieee754_from_blob(ieee754_to_blob(123.456));\n"
 "SELECT ieee754();\nSELECT ieee754(1, 2, 3);\nSELECT ieee754_mantissa(1, 2);\nSELECT ieee754_to_blob();\nSELECT ieee754_inc(1, 2);\n"),
# Found by the soak (seed 17427): a REAL column stores an integral real as an integer, so -0.0 reads back as 0.0.
("Real_column_reads_negative_zero_back_as_zero",
 "CREATE TABLE t(a FLOAT, b, c INT, d TEXT, e NUMERIC, f REAL DEFAULT -0.0);\n"
 "INSERT INTO t(a, b, c, d, e) VALUES (-0.0, -0.0, -0.0, -0.0, -0.0);\n"
 "SELECT ieee754(a), ieee754(b), ieee754(c), ieee754(d), ieee754(e), ieee754(f), typeof(a), typeof(b), typeof(c), typeof(d), typeof(e) FROM t;\n"
 "SELECT atan2(0, a), atan2(0, b), atan2(0, -0.0), ieee754(-a), ieee754(CAST(-0.0 AS REAL)) FROM t;\n"
 "UPDATE t SET a = '-0.0', b = -0.0 * 1;\nSELECT ieee754(a), ieee754(b) FROM t;\n"
 "INSERT INTO t(a) VALUES (-0.0) RETURNING ieee754(a), atan2(0, a);\n"),
]
write_cases('GoldenCases.Functions2.cs', [
    'Golden cases of the scalar functions added for issue 18 (LikelyFunctions.cs, TextFunctions.Soundex,',
    'ExtensionFunctions.cs, like()/glob() as functions, sqlite_source_id), as sqlite3 3.40.1 prints them',
    '(GoldenTests re-checks every one against the installed shell). Generated by generate_functions2_golden.py.',
], 'Functions2Cases', cases, timeout=60)
