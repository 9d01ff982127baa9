#!/usr/bin/env python3
# Regenerates GoldenCases.Json.cs from the installed sqlite3 3.40.1 shell: each script is run on a fresh
# `sqlite3 :memory:` and its stdout, stderr and exit code are written into the C# source as they are.
# Run from anywhere: python3 tests/QueryEngine.Tests/Golden/generate_json_golden.py
from golden_writer import write_cases
cases = [
("Json_minifies_its_input_keeping_numbers_and_strings_as_written",
 "SELECT json(' [ 1 , 2.50 , 1e5, -0, \"a\\u0041\", {\"k\" : [ ] } , true,false , null ] ');\n"
 "SELECT json('{\"a\":1,\"a\":2}'), json(1), json(1.5), json(NULL), json(x'5b315d'), json('\"x\"');\n"
 "SELECT json('[1]' || char(0) || 'garbage'), json(' \t\n\r[ 1 ] \t\n\r');\n"
 "SELECT json('[1,]');\nSELECT json('');\nSELECT json('01');\nSELECT json('{\"a\"}');\nSELECT json(1e999);\nSELECT json('\"\\x\"');\n"),
("Json_valid_and_json_type_follow_the_3_40_1_parser",
 "SELECT json_valid('{1:1}'), json_valid('{\"a\"}'), json_valid('{\"a\":}'), json_valid('[1 2]'), json_valid(' [ ] '), json_valid('\"\\x\"'), json_valid('\"\\u12\"'), json_valid('\"'||char(9)||'\"'), json_valid('tru'), json_valid('truex'), json_valid('true');\n"
 "SELECT json_valid('-'), json_valid('1.'), json_valid('.5'), json_valid('1e'), json_valid('1e+5'), json_valid('01'), json_valid('-0'), json_valid('0.0e-0'), json_valid('1E5'), json_valid(char(12)||'1'), json_valid(NULL), json_valid(''), json_valid(2), json_valid(1e999);\n"
 "SELECT json_type('[1]'), json_type('{}'), json_type('1'), json_type('1.0'), json_type('\"x\"'), json_type('null'), json_type('true'), json_type('false'), json_type('[1]', '$[0]'), json_type('[1]', '$[1]'), json_type(NULL), json_type('[1]', NULL), json_type('[1]', '$.');\n"
 "SELECT json_type('{\"a\":[1,2.0,\"x\",true,false,null,{}]}', '$.a[' || n || ']') FROM (SELECT 0 AS n UNION ALL SELECT 2 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7);\n"
 "SELECT json_valid('{[1]:1}'), json_valid('{[]:1}'), json_valid('{{}:1}'), json_valid('{\"\" :{{}'), json_valid('{[\"a\"]'), json_valid('{[\"a\"] 1}'), json_valid('{{\"b\":[2]}:1}');\n"
 "SELECT json_type('x');\nSELECT json_type('[1]', 'x');\nSELECT json_type();\nSELECT json_valid(1, 2);\n"),
("Json_depth_limit_is_2000_as_json_c",
 "SELECT json_valid('" + "["*2000 + "]"*2000 + "'), json_valid('" + "["*2001 + "]"*2001 + "');\n"
 "SELECT json_valid('" + '{"a":'*2000 + "1" + "}"*2000 + "'), json_valid('" + '{"a":'*2001 + "1" + "}"*2001 + "');\n"
 "SELECT length(json('" + "["*2000 + "]"*2000 + "')), json_valid('" + "["*50000 + "');\n"),
("Json_extract_paths_are_read_only_as_far_as_the_lookup_walks",
 "SELECT json_extract('{\"a\":{\"b\":[1,{\"c\":3}]}}', '$.a.b[1].c', '$.a.b[#-1].c', '$.a.b[#-2]', '$.a.x', '$.a.b[1].c.d'), json_extract('{\"a\":1}', '$.b.[');\n"
 "SELECT json_extract('{\"a b\":1,\"a.b\":2,\"a[0]\":3}', '$.a b', '$.\"a.b\"', '$.\"a[0]\"', '$.a[0]'), json_extract('{\"\":1}', '$.\"\"'), json_extract('{\"\\u0061\":1,\"a\":2}', '$.a');\n"
 "SELECT json_extract('[0,1,2,3,4,5,6,7,8,9,10,11]', '$[10]', '$[011]', '$[4294967297]', '$[#-4294967295]', '$[#]'), json_type('1', '$.'), json_extract('[1]', NULL), json_extract('[1]', '$', NULL);\n"
 "SELECT json_extract('[1]'), json_extract(), json_extract(NULL, '$'), json_extract('[1,[2]]', '$[1]'), typeof(json_extract('[1,[2]]', '$[1]'));\n"
 "SELECT json_extract('{\"a\":1}', '$..a');\nSELECT json_extract('{\"a\":1}', '$.\"a');\nSELECT json_extract('1', '$[x]');\nSELECT json_extract('[1,2]', '$[#-a]');\nSELECT json_extract('[1]', 'x');\nSELECT json_extract('[1,2]', '$[1]extra');\nSELECT json_extract('{\"a\":1}', '$.a''b.');\nSELECT json_extract('bad', NULL);\n"),
("Json_extract_returns_sql_values_decoding_strings_and_numbers",
 "SELECT json_extract('-0', '$'), json_extract('-0.0', '$'), json_extract('[1.5e3]', '$[0]'), json_extract('\"a\\u0000b\"', '$') || 'z', json_extract('\"\\ud83d\\ude00x\\u00e9\\t\"', '$'), json_extract('\"\\/\\b\"', '$') = '/' || char(8);\n"
 "SELECT typeof(json_extract('[1e999]', '$[0]')), json_extract('[18446744073709551616]', '$[0]'), json_extract('[-9223372036854775808]', '$[0]'), json_extract('[9223372036854775808]', '$[0]'), json_extract('[9223372036854775807]', '$[0]'), json_extract('[true,false,null]', '$[0]', '$[1]', '$[2]'), json_extract('[true,false,null]', '$[1]');\n"
 "SELECT json_array_length('[1,2,[3,4]]'), json_array_length('[1,2,[3,4]]', '$[2]'), json_array_length('{}'), json_array_length('1'), json_array_length(NULL), json_array_length('[1]', '$[5]'), json_array_length('[1]', NULL);\n"
 "SELECT json_array_length('[');\nSELECT json_array_length('[1]', '$x');\nSELECT json_array_length();\n"),
("Json_array_object_and_quote_embed_json_results_and_quote_other_text",
 "SELECT json_array(json('[1]')), json_array('[1]'), json_array(1e999, -1e999, 0.1, 1.0, 1e15, 123456789012345678, NULL, 'a\"b\\c'), json_array(), json_object();\n"
 "SELECT json_array(coalesce(json('[1]'), 2)), json_array(ifnull(NULL, json('{}'))), json_array(iif(1, json('[1]'), 2)), json_array(CASE WHEN 1 THEN json('[1]') END), json_array(nullif(json('[1]'), 2)), json_array(max(json('[1]'), json('[2]'))), json_array(+json('[1]')), json_array(CAST(json('\"x\"') AS TEXT)), json_array(lower(json('[1]'))), json_array(json('[1]') || '');\n"
 "SELECT json_array(json_extract('{\"a\":[1]}', '$.a')), json_array(json_extract('{\"a\":\"x\"}', '$.a')), json_array('{\"a\":[1]}' -> 'a'), json_array('{\"a\":[1]}' ->> 'a'), json_array('{\"a\":\"x\"}' -> 'a'), json_array('{\"a\":\"x\"}' ->> 'a');\n"
 "SELECT json_quote(json('[1]')), json_quote('[1]'), json_quote(1.5), json_quote(NULL), json_quote(1e999), json_quote(char(1,2,8,9,10,12,13,27,31,34,92,47)), json_quote('é€😀'), json_quote(json_quote('q'));\n"
 "SELECT json_object('a', 1, 'a', 2), json_object('', NULL), json_object('a', json_array(1, json_object('b', 'c'))), json_object('x\"y', 'a' || char(0) || 'b');\n"
 "SELECT json_object('a', 1, 'b');\nSELECT json_object(1, 2);\nSELECT json_object('a', x'00', 1, 2);\nSELECT json_object('a', x'00');\nSELECT json_array(1, x'00');\nSELECT json_quote(x'01');\nSELECT json_quote();\nSELECT json_array(1) = '[1]', typeof(json_array());\n"),
("Json_set_insert_replace_edit_one_parse_with_json_c_appends",
 "SELECT json_set('{\"a\":1}', '$.b', 2, '$.a', json('[3]')), json_insert('{\"a\":1}', '$.a', 2, '$.c.d', 3), json_replace('{\"a\":1}', '$.a', 'x', '$.z', 1);\n"
 "SELECT json_set('[1]', '$[1]', 2, '$[5]', 9), json_set('[1]', '$[#]', 2), json_set('1', '$', json('[2]')), json_set('1', '$', 'x'), json_set('[1]', '$[1]', 2, '$[0]', 9), json_set('[1]', '$[1]', 2, '$[2]', 3, '$[0]', 9);\n"
 "SELECT json_set('{\"a\":{\"b\":1}}', '$.a', 2, '$.a.b', 3), json_set('{}', '$.a', 1, '$.a', 2), json_set('{}', '$.a.b', 1, '$.a.c', 2), json_set('{}', '$.a[0]', 5), json_set('{}', '$.a[1]', 5), json_set('[]', '$[0][0]', 5), json_set('{}', '$.\"x y\"', 1, '$.q\"r', 2);\n"
 "SELECT json_set('{\"a\":[1,2]}', '$.a[#]', 3, '$.a[#]', 4, '$.a[0]', 0, '$.b[0][0]', 5, '$.c.d[0].e', 6, '$.f[1]', 7), json_insert('{\"a\":[1,2]}', '$.a[#]', 3, '$.a[0]', 0, '$.b', json('null'), '$.b', 2), json_replace('{\"a\":[1,2]}', '$.a[#]', 3, '$.a[0]', 0);\n"
 "SELECT json_set('{\"a\":1,\"a\":2}', '$.a', 3), json_set('{}', '$.\"\"', 1), json_set('{}', '$.a[0', 1), json_set('{}', '$.a[0]x', 1), typeof(json_set('1', '$', x'01')), json_set('[1,2]', '$[0]', x'00', '$[0]', 3), json_set('[1]'), json_set(NULL, '$', 1), json_set('[1]', NULL, 2);\n"
 "SELECT json_set();\nSELECT json_set('{}', '$.a');\nSELECT json_insert('{}', '$.a', 1, 2);\nSELECT json_replace('{}', 1, 1);\nSELECT json_set('{}', '$.a.', 1);\nSELECT json_set('[1,2]', '$[0]', x'00');\nSELECT json_set('{', '$', 1);\n"),
("Json_remove_and_json_patch_as_json_c_does_them",
 "SELECT json_remove('[1,2,3]', '$[1]'), json_remove('[1,2,3]', '$[1]', '$[1]'), json_remove('{\"a\":1}', '$'), json_remove('[1]', NULL), json_remove('{\"a\":1}', '$', '$.a'), json_remove('[1,2,3]', '$[0]', '$[0]', '$[5]'), json_remove('[1]'), json_remove();\n"
 "SELECT json_remove('{\"a\":[1,2,3],\"b\":{\"c\":1}}', '$.a[1]', '$.a[1]', '$.b.c', '$.z', '$.a[#]', '$.a[#-1]');\n"
 "SELECT json_patch('{\"a\":1,\"b\":{\"c\":2}}', '{\"b\":{\"c\":null,\"d\":4},\"e\":[1]}'), json_patch('[1]', '{\"a\":null}'), json_patch('{\"a\":1}', '3'), json_patch('{}', '{\"a\":1,\"a\":2}'), json_patch('{\"a\":1}', '{\"\\u0061\":2}');\n"
 "SELECT json_patch('{\"a\":1}', '{\"a\":{\"b\":null},\"a\":{\"c\":1}}'), json_patch('{\"a\":{\"x\":1}}', '{\"a\":{\"b\":2},\"a\":{\"c\":1}}'), json_patch('{\"a\":{\"b\":1,\"c\":2}}', '{\"a\":{\"b\":null,\"d\":{\"e\":null,\"f\":1}}}'), json_patch('{}', '[1,null]'), json_patch('[]', '{\"a\":{\"b\":null}}'), json_patch(NULL, 'x'), json_patch('{}', NULL);\n"
 "SELECT json_remove('[1]', '$[q]');\nSELECT json_patch('x', '{}');\nSELECT json_patch('{}');\n"),
("Json_arrow_operators_bind_like_concatenation_and_abbreviate_paths",
 "SELECT '[1,2,3]' -> 1, '[1,2,3]' -> '1', '[1,2,3]' ->> -1, '[1,2,3]' -> '[2]', '{\"a\":{\"b\":3}}' -> 'a.b', '{\"a b\":1}' -> 'a b', '{\"$x\":1,\"a\":2}' -> '$';\n"
 "SELECT '{\"a\":null}' -> 'a', typeof('{\"a\":null}' -> 'a'), '{\"a\":null}' ->> 'a', '[1]' -> '', '[1]' -> NULL, NULL -> '$', '[1]' ->> x'30', '{\"a\":\"x\"}' -> 'a', '{\"a\":\"x\"}' ->> 'a';\n"
 "SELECT '{\"a\":2}' -> 'a' || 'x', 1 + '[5]' -> 0, 2 * '[5]' -> 0, '[[1,2]]' -> 0 -> 1, -'[1]' -> 0, '[1]' ->> 0 || 'x', ('{\"a\":2}' -> 'a') * 3, 3 -> 0, '5' ->> '$', json_object('a', 1) -> '$.a', json_array(1, 2, 3) -> '$[1]';\n"
 "SELECT '[1]'->0, '[1]'-->0\n;\n"
 "SELECT '{\"$x\":1}' -> '$x';\nSELECT '[1,2,3]' -> 1.5;\nSELECT '{\"\":3}' -> '';\nSELECT 'x' || '{\"a\":2}' -> 'a';\nSELECT 1 ->;\nSELECT -> 1;\nSELECT 1 ->>> 2;\n"),
("Json_group_array_and_object_aggregate_values_as_json",
 "CREATE TABLE t(a, b);\nINSERT INTO t VALUES ('x', 1), ('y', json('[2]')), (NULL, 3), ('x', '{\"z\":1}'), (4, 2.5);\n"
 "SELECT json_group_array(b), json_group_object(a, b), json_group_array(json(b)) FROM t;\n"
 "SELECT a, json_group_array(b) FROM t GROUP BY a ORDER BY a;\n"
 "SELECT json_group_array(DISTINCT a), json_group_array(DISTINCT NULL) FROM t;\n"
 "SELECT json_group_object(a, json_object('b', b)) FROM t;\n"
 "SELECT json_group_array(a), json_group_object(a, b) FROM t WHERE 0;\n"
 "SELECT json_array(json_group_array(b)), json_group_array(b) -> 1, count(*) FROM t;\n"
 "SELECT a FROM t GROUP BY a HAVING json_array_length(json_group_array(b)) > 1;\n"
 "SELECT json_group_array(x'00') FROM t;\nSELECT json_group_array(a, b) FROM t;\nSELECT json_group_object(DISTINCT a, b) FROM t;\nSELECT json_group_array(*) FROM t;\nSELECT json_array(json_group_array(1));\n"),
("Json_functions_over_table_columns_in_where_order_and_update",
 "CREATE TABLE t(j TEXT, k INT PRIMARY KEY);\nINSERT INTO t VALUES ('{\"a\":[1,2,{\"b\":\"c\"}],\"d\":null}', 1), ('[10,20]', 2), ('bad', 3), (NULL, 4);\n"
 "SELECT k, j -> '$.a', j ->> 'd', json_type(j, '$.a[2]') FROM t WHERE k < 3;\n"
 "SELECT k FROM t WHERE json_valid(j) ORDER BY json_array_length(j) DESC;\n"
 "SELECT k, j ->> 1 FROM t WHERE k = 2;\n"
 "UPDATE t SET j = json_set(j, '$.e', k) WHERE k = 1;\nSELECT j FROM t WHERE k = 1;\n"
 "SELECT json_extract(j, '$.a') FROM t;\n"
 "SELECT k, json_valid(j), json_type(j) FROM t WHERE k <> 3;\n"
 "INSERT INTO t VALUES (json_array(1, 2), 5);\nSELECT j, typeof(j), json_array(j) FROM t WHERE k = 5;\n"
 "DELETE FROM t WHERE j -> '$[0]' = '1' RETURNING k, json_array(j);\n"
 "SELECT json_group_array(k) FROM t WHERE json_valid(j) AND j ->> '$[1]' IS NULL;\n"),
("Json_wrong_argument_counts_are_parse_errors",
 "SELECT json();\nSELECT json(1, 2);\nSELECT json(*);\nSELECT json_valid();\nSELECT json_quote(1, 2);\nSELECT json_patch('{}');\nSELECT json_type('1', '$', 3);\nSELECT json_array_length('[]', '$', 1);\nSELECT json_group_array();\nSELECT json_group_object(1);\nSELECT json_array(*), json_object(*), JSON_ARRAY(1), Json_Extract('[1]', '$[0]');\nSELECT json_each('[1]');\nSELECT json_nosuch(1);\n"),
]
write_cases('GoldenCases.Json.cs', [
    "Golden cases of the JSON functions (JsonFunctions.cs, JsonText.cs): json.c 3.40.1's parser, paths, edits, merge",
    'patch, the JSON subtype, the -> and ->> operators and json_group_array/object, as sqlite3 3.40.1 prints them',
    "(GoldenTests re-checks every one against the installed shell). Generated from the shell's own output.",
], 'JsonCases', cases)
