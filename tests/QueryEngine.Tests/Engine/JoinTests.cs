using FastDb.QueryEngine.Tests.Support;

namespace FastDb.QueryEngine.Tests.Engine;

/// <summary>[INNER | LEFT [OUTER] | CROSS | NATURAL] JOIN ... ON | USING and comma joins against the real shell: rows in
/// SQLite's nested-loop order (FROM order, inner rows in rowid order, as its automatic index returns them), NULL rows
/// of LEFT JOIN, aliases and qualified names, * with USING, grouping over a join, the errors; and the refusals of
/// the plans SQLite picks by cost.</summary>
public class JoinTests
{
    const string Tables = "CREATE TABLE a(x, p);\nCREATE TABLE b(y, q);\nCREATE TABLE d(y, x);\nCREATE TABLE e(x, q, w);\n" +
        "INSERT INTO a VALUES(2, 'a1'), (1, 'a2'), (2, 'a3'), (NULL, 'a4'), ('2', 'a5');\nINSERT INTO b VALUES(1, 'b1'), (2, 'b2'), (2, 'b3'), (3, 'b4'), (NULL, 'b5'), ('1', 'b6');\n" +
        "INSERT INTO d VALUES(1, 2), (2, 2);\nINSERT INTO e VALUES(2, 'a1', 1), (1, 'zz', 2);\n";

    const string IndexedTables = "CREATE TABLE a(id INTEGER PRIMARY KEY, b_id INT, x INT, k TEXT);\nCREATE TABLE b(id INTEGER PRIMARY KEY, x INT, y TEXT);\n" +
        "CREATE INDEX bx ON b(x);\nCREATE UNIQUE INDEX ak ON a(k);\n" +
        "INSERT INTO a VALUES(1, 3, 10, 'p'), (2, 1, 20, 'q'), (3, 3, 10, 'r'), (4, 9, 30, 's'), (5, 2, 20, NULL), (6, 2, '10', '2');\n" +
        "INSERT INTO b VALUES(1, 20, 'one'), (2, 10, 'two'), (3, 10, 'three'), (4, 20, 'four'), (5, 10, 'five'), (6, 10.0, 's');\n";

    public static TheoryData<string> Scripts() => new()
    {
        // LEFT JOIN ... WHERE right.col IS NULL (the rows nothing matched, or whose column is NULL): the join stays a
        // LEFT JOIN in FROM order and the term is tested on the joined row, the NULL row too.
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT, views INTEGER);\nCREATE TABLE likes (id INTEGER PRIMARY KEY, post_id INTEGER, who TEXT);\nCREATE INDEX likes_post ON likes(post_id);\nCREATE TABLE notes (post_id, body);\n" +
        "INSERT INTO posts VALUES (1, 'a', 10), (2, 'b', -9223372036854775808), (3, 'c', 7), (4, 'd', 0);\nINSERT INTO likes VALUES (1, 1, 'x'), (2, 1, NULL), (3, 3, 'x'), (4, 9, 'z');\nINSERT INTO notes VALUES (3, 'n1'), ('1', NULL), (NULL, 'n3');\n" +
        "SELECT p.title FROM posts p LEFT JOIN likes l ON l.post_id = p.id WHERE l.id IS NULL;\nSELECT p.title, l.id FROM posts p LEFT JOIN likes l ON l.post_id = p.id WHERE l.who IS NULL;\n" +
        "SELECT p.title FROM posts p LEFT JOIN likes l ON l.post_id = p.id AND l.who = 'x' WHERE l.id IS NULL ORDER BY p.title DESC;\nSELECT count(*) FROM posts p LEFT JOIN likes l ON l.post_id = p.id WHERE l.rowid ISNULL AND p.views > 2;\n" +
        "SELECT p.title, abs(p.views) FROM posts p LEFT JOIN likes l ON l.post_id = p.id WHERE l.id IS NULL;\nSELECT p.title FROM posts p LEFT JOIN notes n ON n.post_id = p.id WHERE n.body IS NULL LIMIT 2;\n" +
        "SELECT p.title, n.body FROM posts p LEFT JOIN likes l ON l.post_id = p.id LEFT JOIN notes n ON n.post_id = p.id WHERE l.id IS NULL AND n.post_id IS NULL;\n",
        // ORDER BY the outer table's rowid: SQLite walks it (backwards for DESC) and streams, LIMIT ending the walk.
        "CREATE TABLE users(id INTEGER PRIMARY KEY, email TEXT UNIQUE, name TEXT, created_at TEXT);\nCREATE TABLE orders(id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), total REAL, status TEXT);\nCREATE INDEX orders_user ON orders(user_id);\nINSERT INTO users VALUES (1, 'b1', 'Bob', '1'), (2, 'a', 'Ann', '2'), (3, 'b3', 'Bob', '3');\nINSERT INTO orders VALUES (1, 3, 10, 'paid'), (2, 1, 20, 'new'), (3, 3, 30, 'paid'), (4, 1, 40, 'paid'), (5, 2, 50, 'paid');\nSELECT o.id, u.name FROM orders o JOIN users u ON u.id = o.user_id ORDER BY o.id DESC LIMIT 2;\nSELECT o.id, u.name FROM orders o JOIN users u ON u.id = o.user_id ORDER BY o.id;\nSELECT o.id, u.name FROM users u JOIN orders o ON u.id = o.user_id ORDER BY o.id DESC;\nSELECT o.id, u.name, o.total FROM orders o JOIN users u ON u.id = o.user_id WHERE o.status = 'paid' ORDER BY o.id DESC LIMIT 3 OFFSET 1;\nSELECT o.id, u.name FROM orders o JOIN users u ON u.id = o.user_id ORDER BY o.id, u.name;\nSELECT o.id, u.name FROM orders o JOIN users u ON u.id = o.user_id ORDER BY o.rowid DESC;\nSELECT o.id, abs(o.total - 30) FROM orders o JOIN users u ON u.id = o.user_id ORDER BY o.id DESC LIMIT 2;\nSELECT u.name, count(*) FROM orders o JOIN users u ON u.id = o.user_id GROUP BY u.name ORDER BY 1;\n",
        // GROUP BY (or DISTINCT) one table's rowid and its unindexed columns: SQLite walks that table outside in rowid
        // order, the other looked up inside, and the groups stream (a later group's overflow after the earlier ones,
        // LIMIT before the next group; backwards for ORDER BY the rowid DESC; a group's rows in the lookup's order).
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT UNIQUE, created_at TEXT);\nCREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER, total REAL, status TEXT, created_at TEXT);\nCREATE INDEX idx_orders_user ON orders(user_id);\nCREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT, uname TEXT, w INT);\nCREATE INDEX tags_label ON tags(label);\nCREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, uname TEXT, w INT);\nINSERT INTO users VALUES (5,'bob','b@x',1),(2,'alice','a@x',2),(9,'carol',NULL,3),(3,'bob',NULL,4),(7,'dave','d@x',5);\nINSERT INTO orders VALUES (10,9,1.5,'paid','x'),(4,2,2,'new','y'),(11,5,9223372036854775807,'paid','z'),(6,9,3,'new','a'),(8,3,4,'paid','b'),(1,2,-9223372036854775808,'new','c'),(12,5,5,'x','d'),(3,7,6,'y','e');\nINSERT INTO tags VALUES (1,'bob','q',1),(2,'alice','q',2),(3,'bob','r',3),(4,'zed','s',4),(5,'carol','t',5);\nINSERT INTO notes VALUES (1,'n1','bob',1),(2,'n2','carol',2),(3,'n3','bob',3),(4,'n4','dave',1);\nSELECT u.id, u.name, count(o.id), group_concat(o.id), o.status FROM users u LEFT JOIN orders o ON o.user_id = u.id GROUP BY u.id;\nSELECT u.id, group_concat(o.id), o.total FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.id;\nSELECT u.id, group_concat(o.id), o.total FROM orders o JOIN users u ON o.user_id = u.id GROUP BY u.id;\nSELECT o.id, group_concat(u.name) FROM orders o JOIN users u ON o.user_id = u.id GROUP BY o.id;\nSELECT o.id, group_concat(u.name) FROM users u JOIN orders o ON o.user_id = u.id GROUP BY o.id;\nSELECT u.id, sum(o.id) FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.id LIMIT 2;\nSELECT u.id, sum(o.total) FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.id;\nSELECT u.id, sum(o.total) FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.id LIMIT 1;\nSELECT u.id, sum(o.total) FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.id ORDER BY u.id DESC;\nSELECT u.id, sum(o.total) FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.id ORDER BY u.id DESC LIMIT 2;\nSELECT u.id, group_concat(o.id) FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.id ORDER BY 1 DESC;\nSELECT u.id, group_concat(o.id) FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.name, u.id;\nSELECT u.id, count(*) FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.id ORDER BY count(*) DESC;\nSELECT u.id, count(*) FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.id HAVING count(*) > 1;\nSELECT u.id, count(*) FROM users u JOIN orders o ON o.user_id = u.id WHERE o.total > 1 GROUP BY u.id;\nSELECT u.id, count(*), group_concat(o.id) FROM users u JOIN orders o ON o.user_id = u.id WHERE u.name = 'bob' GROUP BY u.id;\nSELECT u.id, abs(o.total) FROM users u JOIN orders o ON o.user_id = u.id WHERE abs(o.total) > 0 GROUP BY u.id;\nSELECT u.id, max(abs(o.total)) FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.id;\nSELECT u.id, count(*) FROM users u JOIN tags t ON t.label = u.name GROUP BY u.id;\nSELECT u.id, group_concat(t.id) FROM tags t JOIN users u ON t.label = u.name GROUP BY u.id;\nSELECT u.id, group_concat(t.id), t.uname FROM users u JOIN tags t ON t.label = u.name WHERE t.w > 1 GROUP BY u.id;\nSELECT u.id, group_concat(n.id) FROM users u JOIN notes n ON n.uname = u.name GROUP BY u.id;\nSELECT n.id, group_concat(u.id) FROM users u JOIN notes n ON n.uname = u.name GROUP BY n.id;\nSELECT t.id, group_concat(n.id) FROM tags t JOIN notes n ON n.uname = t.label GROUP BY t.id;\nSELECT n.id, group_concat(t.id) FROM tags t JOIN notes n ON n.uname = t.label GROUP BY n.id;\nSELECT DISTINCT u.id FROM users u JOIN orders o ON o.user_id = u.id;\nSELECT DISTINCT u.name, u.id FROM users u JOIN orders o ON o.user_id = u.id;\nSELECT DISTINCT o.id FROM users u JOIN orders o ON o.user_id = u.id;\nSELECT DISTINCT u.id FROM users u JOIN orders o ON o.user_id = u.id LIMIT 2 OFFSET 1;\nSELECT u.id, count(o.id) FROM users u CROSS JOIN orders o ON o.user_id = u.id GROUP BY u.id;\nSELECT u.id, count(o.id) FROM users u, orders o WHERE o.user_id = u.id GROUP BY u.id;\nSELECT u.id, count(o.id) FROM users u LEFT JOIN orders o ON o.user_id = u.id AND o.total > 2 GROUP BY u.id;\nSELECT u.rowid, count(o.id) FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.rowid;\nSELECT u.id, group_concat(o.id) FROM users u LEFT JOIN orders o ON o.user_id = u.id WHERE u.created_at > 1 GROUP BY u.id;\nSELECT u.id, sum(o.total) + 1 FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.id HAVING sum(o.total) > 0;\n",
        // The LIMIT's last row ends the loops before the next row's WHERE runs (abs() of the smallest integer there
        // never fails); a streamed group prints when the next group's first row passes WHERE, so that row's error
        // comes first.
        "CREATE TABLE a(id INTEGER PRIMARY KEY, v); CREATE TABLE b(id INTEGER PRIMARY KEY, w); CREATE INDEX bw ON b(w);\nINSERT INTO a VALUES (1, 1), (2, 2), (3, -9223372036854775808), (4, 4); INSERT INTO b VALUES (1, 'x'), (2, 'y'), (3, 'z');\nSELECT DISTINCT a.id FROM a LEFT JOIN b ON b.id = a.id WHERE abs(a.v) > 0 LIMIT 2;\nSELECT a.id, count(*) FROM a LEFT JOIN b ON b.id = a.id WHERE abs(a.v) > 0 GROUP BY a.id LIMIT 2;\nSELECT a.id, count(*) FROM a LEFT JOIN b ON b.id = a.id WHERE abs(a.v) > 0 GROUP BY a.id LIMIT 1;\nSELECT a.id, count(*) FROM a JOIN b ON b.id = a.id GROUP BY a.id HAVING abs(a.v) > 0;\nSELECT a.id, sum(a.v) FROM a JOIN b ON b.id = a.id GROUP BY a.id ORDER BY a.id DESC LIMIT 1;\nSELECT a.id, abs(a.v) FROM a JOIN b ON b.id = a.id GROUP BY a.id ORDER BY a.id DESC;\n",
        // Lookups on both tables and filters: on the worse-lookup table they keep it outside; an equality with a
        // constant on the better-lookup table turns the loops (users scanned, orders looked up by user_id).
        "CREATE TABLE users(id INTEGER PRIMARY KEY, email TEXT UNIQUE, name TEXT, created_at TEXT);\nCREATE TABLE orders(id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), total REAL, status TEXT);\nCREATE INDEX orders_user ON orders(user_id);\nINSERT INTO users VALUES (1, 'b1', 'Bob', '1'), (2, 'a', 'Ann', '2'), (3, 'b3', 'Bob', '3');\nINSERT INTO orders VALUES (1, 3, 10, 'paid'), (2, 1, 20, 'new'), (3, 3, 30, 'paid'), (4, 1, 40, 'paid'), (5, 2, 50, 'paid');\nSELECT o.id, u.id FROM orders o JOIN users u ON u.id = o.user_id WHERE u.name = 'Bob';\nSELECT o.id, u.id, o.total FROM orders o JOIN users u ON u.id = o.user_id WHERE u.name = 'Bob';\nSELECT o.id, u.id FROM users u JOIN orders o ON u.id = o.user_id WHERE u.name = 'Bob';\nSELECT o.id, u.id FROM orders o, users u WHERE u.name = 'Bob' AND u.id = o.user_id AND o.total > 5;\nSELECT o.id, u.id FROM orders o JOIN users u ON u.id = o.user_id WHERE o.status = 'paid';\nSELECT o.id, u.id FROM orders o JOIN users u ON u.id = o.user_id WHERE u.name = 'Bob' AND u.created_at > '0';\nSELECT o.id, u.id FROM orders o JOIN users u ON o.user_id = u.id WHERE u.email = 'b1';\nSELECT o.id, u.email FROM orders o JOIN users u ON u.id = o.user_id WHERE u.name = 'Bob';\nSELECT count(*), group_concat(o.id) FROM orders o JOIN users u ON u.id = o.user_id WHERE u.name LIKE 'b%';\nSELECT o.id, u.name FROM users u JOIN orders o ON u.id = o.user_id WHERE u.name > 'A' AND u.created_at < '3';\nSELECT o.id, u.name FROM users u JOIN orders o ON u.id = o.user_id WHERE u.name IN ('Bob', 'Ann') AND o.total > 15 AND u.name <> 'x';\nSELECT o.id, u.name FROM orders o JOIN users u ON u.id = o.user_id WHERE u.created_at IS NOT NULL AND o.status = 'paid';\n",
        // An inner pair whose scanned (outer) table an index covers: SQLite scans the index, rows in its order; on a
        // tie of rowid lookups a covered table goes outside an uncovered one.
        "CREATE TABLE users(id INTEGER PRIMARY KEY, email TEXT UNIQUE NOT NULL, name TEXT, created_at TEXT, status TEXT DEFAULT 'active');\nCREATE TABLE orders(id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), total REAL, status TEXT, created_at TEXT);\nCREATE INDEX orders_user ON orders(user_id);\nCREATE INDEX orders_created ON orders(created_at);\nCREATE INDEX users_status ON users(status);\nINSERT INTO users(email, name, created_at) VALUES ('a@x.com', 'Ann', '2024-01-01'), ('b@x.com', 'Bob', '2024-02-01'), ('c@x.com', 'Cy', '2024-03-01');\nUPDATE users SET status = 'banned' WHERE id = 3;\nINSERT INTO orders(user_id, total, status, created_at) VALUES (1, 10.5, 'paid', '2024-01-05'), (1, 20, 'shipped', '2024-02-05'), (2, 5, 'paid', '2024-02-10'), (3, 7.25, 'refunded', '2024-03-02'), (2, 12, 'paid', '2024-03-05');\nSELECT o.id, u.id FROM users u JOIN orders o USING (id);\nSELECT o.user_id, u.name FROM users u, orders o WHERE u.id = o.id;\nSELECT o.id FROM users u JOIN orders o ON o.user_id = u.id;\nSELECT o.id, o.user_id FROM orders o JOIN orders p ON p.id = o.user_id;\nSELECT o.id, u.email FROM orders o JOIN users u ON u.id = o.user_id;\nSELECT u.id, u.email FROM orders o JOIN users u ON u.email = o.status;\nSELECT o.created_at, u.name FROM orders o JOIN users u ON u.id = o.user_id;\nSELECT o.created_at, u.status FROM users u JOIN orders o ON u.id = o.id;\nSELECT u.status, o.created_at FROM orders o JOIN users u ON u.id = o.id;\nSELECT u.email, o.user_id FROM orders o JOIN users u ON u.id = o.id;\nSELECT count(*) FROM orders o JOIN users u ON u.id = o.user_id;\nSELECT u.name, count(o.id) FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.name;\nSELECT o.id, u.name FROM orders o JOIN users u ON u.id = o.user_id;\nSELECT o.id, u.name FROM users u JOIN orders o ON u.id = o.user_id;\nSELECT o.id, u.name FROM orders o JOIN users u USING (id);\n",
        // "= -1, 0 or 1" on the first table's join column holds for the second's too: SQLite scans the second and
        // searches the first through a partial automatic index; another value, IS, or another = filter on the first
        // table keeps FROM order, a range beside it does not.
        "CREATE TABLE t(a, d);\nCREATE TABLE u(b, d);\nINSERT INTO t VALUES('x', 1), ('y', 1), ('z', 2);\nINSERT INTO u VALUES('p', 1), ('q', 2), ('r', 1);\n" +
        "SELECT t.a, u.b FROM t JOIN u ON u.d = t.d WHERE t.d = 1;\nSELECT t.a, u.b FROM t, u WHERE u.d = t.d AND 1 = t.d;\nSELECT t.a, u.b FROM t JOIN u ON u.d = t.d WHERE t.d > 0;\n" +
        "SELECT t.a, o.a FROM t JOIN t AS o ON o.d = t.d WHERE t.d = 1;\nSELECT t.a, u.b FROM t JOIN u ON u.d = t.d WHERE t.d IN (1);\nSELECT t.a, u.b FROM t LEFT JOIN u ON u.d = t.d WHERE t.d = 1;\n" +
        "INSERT INTO t VALUES(3, 1), (4, 1), (1, 1);\nSELECT t.a, u.b FROM t JOIN u ON u.d = t.d WHERE t.d = 1.0;\nSELECT t.a, u.b FROM t JOIN u ON u.d = t.d WHERE t.d IS 1;\n" +
        "SELECT t.a, u.b FROM t JOIN u ON u.d = t.d WHERE t.d = 1 AND t.a > 2;\nSELECT t.a, u.b FROM t JOIN u ON u.d = t.d WHERE t.d = 1 AND t.a <> 'x';\n" +
        "SELECT t.a, u.b FROM t JOIN u ON u.d = t.d WHERE t.d = 1 AND t.a = 1;\nSELECT t.a, u.b FROM t JOIN u ON u.d = t.d WHERE t.d = 1 AND t.a IS 'x';\nSELECT t.a, u.b FROM t JOIN u ON u.d = t.d WHERE t.d = -1;\n",
        Tables + "SELECT * FROM a JOIN b ON a.x = b.y;\nSELECT * FROM b JOIN a ON a.x = b.y;\nSELECT * FROM a, b WHERE a.x = b.y;\nSELECT * FROM a INNER JOIN b ON b.y > a.x;\n" +
        "SELECT * FROM a JOIN b;\nSELECT count(*) FROM a, b;\nSELECT p, q FROM a, b ORDER BY q DESC, p LIMIT 5;\nSELECT * FROM a JOIN b ON a.x = b.y WHERE a.p <> 'a3';\n",
        Tables + "SELECT * FROM a LEFT JOIN b ON a.x = b.y AND b.q <> 'b2';\nSELECT * FROM a LEFT OUTER JOIN b ON a.x = b.y;\nSELECT * FROM a CROSS JOIN b WHERE b.y < 2;\n" +
        "SELECT * FROM a CROSS JOIN b CROSS JOIN d;\nSELECT * FROM a LEFT JOIN b ON a.x = b.y LEFT JOIN d ON d.x = b.y;\nSELECT a.rowid, b.rowid FROM a JOIN b ON a.x = b.y;\n",
        Tables + "SELECT a.*, b.q FROM a INNER JOIN b ON x = y;\nSELECT t1.p, t2.p FROM a t1 JOIN a AS t2 ON t1.x = t2.x;\nSELECT * FROM a JOIN d USING (x);\nSELECT x, y FROM a JOIN d USING (x);\n" +
        "SELECT * FROM a NATURAL JOIN e;\nSELECT * FROM a NATURAL LEFT JOIN e;\nSELECT * FROM b NATURAL JOIN e;\nSELECT * FROM a NATURAL JOIN b;\nSELECT a.x, d.x FROM a JOIN d USING (x);\n",
        Tables + "SELECT x, count(*), group_concat(q) FROM a JOIN b ON a.x = b.y GROUP BY x;\nSELECT DISTINCT x FROM a JOIN b ON a.x = b.y;\nSELECT max(q), min(p) FROM a, b;\n",
        // Streamed joins: LIMIT stops the loops (a later row's error in ON is never reached), one aggregate group fed
        // row by row with bare columns from the first row or the last min()/max() change, constant WHERE terms first.
        Tables + "INSERT INTO a VALUES(-9223372036854775808, 'a6');\nSELECT * FROM a JOIN b ON abs(a.x) = b.y LIMIT 3;\n" +
        "SELECT * FROM a JOIN b ON abs(a.x) = b.y LIMIT 2 OFFSET 1;\nSELECT * FROM a JOIN b ON abs(a.x) = b.y LIMIT 0;\n" +
        "SELECT p, q, max(q), count(*) FROM a LEFT JOIN b ON a.x = b.y;\nSELECT p, q, min(q), sum(b.y), total(a.x) FROM a LEFT JOIN b ON a.x = b.y WHERE a.p <> 'a6';\n" +
        "SELECT p, q, count(*) FROM a, b WHERE a.x < b.y;\nSELECT DISTINCT p FROM a JOIN b ON a.x = b.y LIMIT 2;\nSELECT count(*) FROM a JOIN b ON a.x = b.y WHERE 0;\n" +
        "SELECT p, q FROM a JOIN b ON a.x = b.y WHERE 1 LIMIT 2;\nSELECT p FROM a JOIN b ON a.x = b.y WHERE abs(a.x) > 0 AND 1;\nSELECT * FROM a JOIN b ON abs(a.x) = b.y;\n" +
        // A term on the outer table alone runs in the outer loop (its error comes before an inner row could match);
        // a LEFT JOIN's ON stays with its right table.
        "SELECT p FROM a JOIN b ON abs(a.x) > 0 AND a.x = b.y;\nSELECT p FROM a LEFT JOIN b ON abs(a.x) > 0 AND a.x = b.y;\n" +
        "SELECT p FROM a, b WHERE a.x = b.y AND abs(a.x) > 0;\nSELECT p, q FROM a CROSS JOIN b ON a.p < 'a3' WHERE b.y = a.x;\n",
        // The automatic index SQLite builds for an ON equality holds the inner table's other columns the query reads
        // (then the rowid) as its key: rows with one key come in that order; not when the affinities keep it unused.
        "CREATE TABLE a(x, p);\n" +
        "CREATE TABLE b(y, q, z TEXT, i INTEGER PRIMARY KEY);\n" +
        "CREATE TABLE c(y TEXT, q);\n" +
        "INSERT INTO a VALUES(1, 'a1'), (2, 'a2'), ('1', 'a3');\n" +
        "INSERT INTO b(y, q, z) VALUES(1, 'zz', 'k'), (1, 'aa', 'j'), (2, NULL, 'm'), (1, 5, 'a'), ('1', 'c', 'b');\n" +
        "INSERT INTO c VALUES('1', 'zz'), (1, 'aa'), ('1', 5);\n" +
        "SELECT * FROM a JOIN b ON a.x = b.y;\n" +
        "SELECT p, i FROM a JOIN b ON a.x = b.y;\n" +
        "SELECT p, z FROM a JOIN b ON a.x = b.y;\n" +
        "SELECT b.i, p FROM a JOIN b ON b.y = a.x;\n" +
        "SELECT p, c.q FROM a JOIN c ON a.x = c.y;\n" +
        "SELECT p, c.q FROM a JOIN c ON CAST(a.x AS INTEGER) = c.y;\n" +
        "SELECT p FROM a JOIN b ON a.x = b.y ORDER BY b.q;\n" +
        "SELECT p, count(*) FROM a LEFT JOIN b ON a.x = b.y AND b.z > 'a' GROUP BY p;\n" +
        "SELECT p, q FROM a LEFT JOIN b ON a.x = b.y AND b.z > 'a';\n" +
        "SELECT p, q FROM a LEFT JOIN b USING (p) ;\n",
        // Indexed tables (PlanJoinLoops): rowid, UNIQUE and plain-index lookups with the better lookup inside (the
        // loops reordered against FROM), a key = constant fetching one row, LEFT and CROSS chains in FROM order.
        IndexedTables + "SELECT * FROM a JOIN b ON b.id = a.b_id;\nSELECT * FROM b JOIN a ON b.id = a.b_id;\nSELECT * FROM a LEFT JOIN b ON b.id = a.b_id;\n" +
        "SELECT a.k, b.y FROM a JOIN b ON a.x = b.x;\nSELECT a.k, b.y FROM b JOIN a ON a.x = b.x;\nSELECT a.k, b.y FROM a LEFT JOIN b ON a.x = b.x;\n" +
        "SELECT * FROM a JOIN b ON b.id = a.b_id WHERE a.id = 3;\nSELECT * FROM a JOIN b ON b.x = a.x WHERE a.k = 'q';\nSELECT * FROM a JOIN b ON b.x = a.x WHERE b.id = 2;\n" +
        "SELECT * FROM a, b WHERE b.id = a.b_id AND a.x > 10;\nSELECT count(*), sum(b.x) FROM a JOIN b ON b.id = a.b_id;\nSELECT * FROM a JOIN b ON a.id = b.id;\n" +
        "SELECT a.id, b.y FROM a JOIN b ON b.x = a.x WHERE a.x > 10;\nSELECT * FROM a JOIN b ON b.x = a.id;\nSELECT * FROM a JOIN b ON b.id = a.b_id WHERE b.y > 'a';\n" +
        "SELECT * FROM a LEFT JOIN b ON b.id = a.b_id LEFT JOIN a AS c ON c.k = b.y;\nSELECT * FROM a LEFT JOIN b ON b.id = a.b_id LEFT JOIN b AS c ON c.x = a.x;\n" +
        "SELECT * FROM a CROSS JOIN b ON b.x = a.x;\nSELECT * FROM a JOIN b ON b.rowid = a.x;\nSELECT * FROM a JOIN b ON b.id = a.k;\nSELECT * FROM a JOIN b ON b.x = a.k;\n" +
        "SELECT b.y, a.k FROM a JOIN b ON b.id = a.b_id ORDER BY b.y;\nSELECT b.y, count(*) FROM a JOIN b ON b.id = a.b_id GROUP BY b.y;\nSELECT * FROM a JOIN b ON b.id = a.b_id LIMIT 2;\n",
        // A WHERE equality drives the automatic index as an ON one does (its extra columns order equal keys).
        "CREATE TABLE a(x INT, y INT); CREATE TABLE b(x INT, z INT);\nINSERT INTO a VALUES(1,1),(2,2),(1,3);\nINSERT INTO b VALUES(1,9),(1,5),(2,1),(1,7);\n" +
        "SELECT * FROM a, b WHERE a.x = b.x;\nSELECT * FROM a CROSS JOIN b WHERE a.x = b.x;\n",
        // ORDER BY, GROUP BY or DISTINCT the rowid of a table found by it from one nothing finds from it: the usual
        // loops (that one outside) and a sort, ties in the loops' order.
        "CREATE TABLE u(id INTEGER PRIMARY KEY, n);\nCREATE TABLE o(id INTEGER PRIMARY KEY, u INT, t);\nINSERT INTO u VALUES(1,'a'),(2,'b'),(3,'c');\n" +
        "INSERT INTO o VALUES(1,2,5),(2,1,6),(3,2,4),(4,9,1),(5,1,2),(6,2,7);\nSELECT u.id, count(*), group_concat(o.t) FROM u JOIN o ON o.u = u.id GROUP BY u.id;\n" +
        "SELECT u.n, o.t FROM u JOIN o ON o.u = u.id ORDER BY u.id;\nSELECT u.n, o.t FROM o JOIN u ON o.u = u.id ORDER BY u.id DESC, o.t;\n" +
        "SELECT u.id, group_concat(o.id) FROM u, o WHERE o.u = u.id AND o.t > 1 GROUP BY u.id ORDER BY u.id DESC;\nSELECT DISTINCT u.id, u.n FROM u JOIN o ON o.u = u.id;\n" +
        "SELECT u.n, o.t FROM u JOIN o ON o.u = u.id WHERE u.n = 'b' ORDER BY u.n, u.id LIMIT 2;\n",
        // One row reaches a LEFT JOIN (the outer tables found by rowid or UNIQUE, the outermost by a constant): SQLite
        // scans a table no real index serves, in rowid order, instead of building an automatic index (FastDb gave
        // the automatic index's order before).
        "CREATE TABLE p(id INTEGER PRIMARY KEY, n, u UNIQUE);\nCREATE TABLE o(x INT, y INT, z);\nCREATE TABLE q(id INTEGER PRIMARY KEY, x);\n" +
        "INSERT INTO p VALUES(1,1,1),(2,2,2),(3,3,3);\nINSERT INTO o VALUES(3,9,'a'),(3,1,'b'),(2,5,'c'),(3,4,'d');\nINSERT INTO q VALUES(1,3),(2,2),(3,3);\n" +
        "SELECT p.n, o.y FROM p LEFT JOIN o ON o.x = p.id WHERE p.id = 3;\nSELECT p.n, o.y FROM p LEFT JOIN o ON o.x = p.id WHERE p.u = 3;\n" +
        "SELECT p.n, o.y FROM p LEFT JOIN q ON q.id = p.n LEFT JOIN o ON o.x = q.x WHERE p.id = 1;\nSELECT p.n, o.y FROM p JOIN q ON q.id = p.n LEFT JOIN o ON o.x = q.x WHERE p.id = 1;\n" +
        "SELECT p.n, o.y FROM p LEFT JOIN q ON q.x = p.n LEFT JOIN o ON o.x = q.x WHERE p.id = 3;\nSELECT p.n, o.y FROM p CROSS JOIN o ON o.x = p.id WHERE p.id = 3;\n" +
        "SELECT p.n, o.y FROM p LEFT JOIN o ON o.x = p.id;\n",
        // About ten rows (a plain index's guess) reaching it scan too; two index lookups, or a scan, build the index.
        "CREATE TABLE a(id INTEGER PRIMARY KEY, name TEXT);\nCREATE TABLE p(id INTEGER PRIMARY KEY, a_id INT);\nCREATE INDEX pa ON p(a_id);\n" +
        "CREATE TABLE c(id INTEGER PRIMARY KEY, p_id INT);\nCREATE INDEX cp ON c(p_id);\nCREATE TABLE n(pid INT, txt TEXT);\n" +
        "INSERT INTO a VALUES(1,'x'),(2,'y');\nINSERT INTO p VALUES(1,1),(2,2),(3,1);\nINSERT INTO c VALUES(1,1),(2,3),(3,1);\n" +
        "INSERT INTO n VALUES(2,'b'),(1,'a'),(2,'a'),(1,'c'),(3,'d'),(3,'a');\n" +
        "SELECT p.id, n.txt FROM p LEFT JOIN n ON n.pid = p.id WHERE p.a_id = 1;\nSELECT c.id, n.txt FROM p JOIN c ON c.p_id = p.id LEFT JOIN n ON n.pid = c.p_id WHERE p.id = 1;\n" +
        "SELECT p.id, n.txt FROM a LEFT JOIN p ON p.a_id = a.id LEFT JOIN c ON c.p_id = p.id LEFT JOIN n ON n.pid = p.id WHERE a.id = 1;\n" +
        "SELECT p.id, n.txt FROM a LEFT JOIN p ON p.a_id = a.id LEFT JOIN n ON n.pid = p.id;\n" +
        // GROUP BY the first table's rowid along a LEFT chain: its rows walked in rowid order, each group streamed.
        "SELECT a.name, group_concat(c.id), group_concat(n.txt), count(*) FROM a LEFT JOIN p ON p.a_id = a.id LEFT JOIN c ON c.p_id = p.id LEFT JOIN n ON n.pid = p.id GROUP BY a.id;\n" +
        "SELECT a.name, group_concat(c.id) FROM a LEFT JOIN p ON p.a_id = a.id LEFT JOIN c ON c.p_id = p.id GROUP BY a.id ORDER BY a.id DESC;\n" +
        "SELECT a.name, count(DISTINCT p.id), count(c.id) FROM a LEFT JOIN p ON p.a_id = a.id LEFT JOIN c ON c.p_id = p.id GROUP BY a.id HAVING count(*) > 1;\n",
        // Errors, in SQLite's words (an error inside ON has no caret).
        Tables + "SELECT * FROM a JOIN b USING (x);\nSELECT x FROM a, a;\nSELECT rowid FROM a, b;\nSELECT nosuch.x FROM a, b;\nSELECT * FROM a JOIN b ON nosuch = 1;\n" +
        "SELECT * FROM a LEFT INNER JOIN b;\nSELECT * FROM a JOIN d USING (p);\nSELECT * FROM a NATURAL JOIN b ON x = y;\nSELECT * FROM a JOIN;\nSELECT * FROM a JOIN b ON;\nSELECT * FROM a JOIN b USING ();\n" +
        "SELECT * FROM a JOIN b ON count(*) > 1;\nSELECT * FROM a, nosuch;\nSELECT nosuch.* FROM a, b;\n",
    };

    [RequiresSqlite3Theory]
    [MemberData(nameof(Scripts))]
    public void Matches_sqlite3(string script) => OracleAssert.EngineMatchesShell(script);

    [Theory]
    [InlineData("CREATE TABLE a(x INT UNIQUE); CREATE TABLE b(y INT); SELECT * FROM a JOIN b ON x = y WHERE a.x > 2;", "a JOIN term on an indexed column or a rowid other than an equality")]
    [InlineData("CREATE TABLE a(x); CREATE TABLE b(y); SELECT * FROM a JOIN b ON a.rowid > y;", "a JOIN term on an indexed column or a rowid other than an equality")]
    [InlineData("CREATE TABLE a(x INT, p); CREATE INDEX ax ON a(x); CREATE TABLE b(y INT, q); CREATE INDEX by ON b(y); SELECT * FROM a JOIN b ON x = y;", "a JOIN on two indexed columns")]
    [InlineData("CREATE TABLE a(i INTEGER PRIMARY KEY, x INT); CREATE TABLE b(y INT UNIQUE, q); SELECT * FROM a JOIN b ON i = y WHERE q > 1;", "a JOIN of two tables with index lookups and a filter on one of them")]
    [InlineData("CREATE TABLE a(x INT, p); CREATE INDEX ax ON a(x); CREATE TABLE b(y INT, q); SELECT a.x FROM b LEFT JOIN a ON b.q = 1;", "a JOIN that reads only indexed columns of a")]
    [InlineData("CREATE TABLE u(id INTEGER PRIMARY KEY, n); CREATE TABLE o(id INTEGER PRIMARY KEY, u INT, t); CREATE INDEX ou ON o(u); SELECT u.id, count(*) FROM u JOIN o ON o.u = u.id WHERE o.t = 5 GROUP BY u.id;", "ORDER BY, GROUP BY or DISTINCT on an indexed column or a rowid in a JOIN")]
    [InlineData("CREATE TABLE u(id INTEGER PRIMARY KEY, n); CREATE TABLE o(id INTEGER PRIMARY KEY, u INT, t); CREATE INDEX ou ON o(u); SELECT DISTINCT u.id, o.t FROM u JOIN o ON o.u = u.id;", "ORDER BY, GROUP BY or DISTINCT on an indexed column or a rowid in a JOIN")]
    [InlineData("CREATE TABLE a(id INTEGER PRIMARY KEY, name TEXT); CREATE TABLE p(id INTEGER PRIMARY KEY, a_id INT); CREATE INDEX pa ON p(a_id); CREATE TABLE c(id INTEGER PRIMARY KEY, p_id INT); CREATE INDEX cp ON c(p_id); CREATE TABLE n(pid INT, txt TEXT); " +
        "SELECT n.txt FROM a LEFT JOIN p ON p.a_id = a.id LEFT JOIN c ON c.p_id = p.id LEFT JOIN n ON n.pid = p.id WHERE a.id = 1 AND a.name > 'a';", "a join whose filters decide whether SQLite builds an automatic index")]
    [InlineData("CREATE TABLE ja(k, v, w); CREATE TABLE jb(k, v, w); CREATE INDEX jbv ON jb(v); CREATE INDEX jbw ON jb(w); SELECT * FROM ja JOIN jb ON jb.v = ja.w AND jb.w = ja.v WHERE ja.w > 1 AND ja.v < 4 AND jb.k = 3 ORDER BY jb.k;", "ORDER BY, GROUP BY or DISTINCT on columns a WHERE term fixes in a JOIN whose WHERE bounds several columns")]
    [InlineData("CREATE TABLE t(a UNIQUE, b, c); INSERT INTO t VALUES (NULL, 1, 'x'), (NULL, 1, 'y'); SELECT c FROM t ORDER BY a DESC, b DESC LIMIT 2;", "ORDER BY ... DESC of several terms with LIMIT led by an indexed column with equal keys")]
    [InlineData("CREATE TABLE a(x); CREATE TABLE b(y); CREATE TABLE c(z); SELECT * FROM a, b, c;", "this join of three or more tables")]
    [InlineData("CREATE TABLE a(x); CREATE TABLE b(y); SELECT * FROM a JOIN b ON x = y WHERE y = 2;", "a JOIN with a constant filter on its second table")]
    [InlineData("CREATE TABLE a(x); CREATE TABLE b(y); SELECT * FROM a LEFT JOIN b ON x = y WHERE y IS NOT NULL;", "WHERE on the right table of a LEFT JOIN")]
    [InlineData("CREATE TABLE a(x); CREATE TABLE b(y); SELECT * FROM a LEFT JOIN b ON x = y WHERE y IS NULL OR x = 1;", "WHERE on the right table of a LEFT JOIN")]
    [InlineData("CREATE TABLE a(x); CREATE TABLE b(y); SELECT * FROM a RIGHT JOIN b ON x = y;", "RIGHT and FULL JOIN")]
    public void Plans_sqlite_picks_by_cost_are_refused(string script, string construct)
    {
        var r = new Database().Execute(script + "\n");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("FastDb does not support " + construct, r.Stderr);
    }
}
