using FastDb.QueryEngine.Tests.Support;

namespace FastDb.QueryEngine.Tests.Engine;

/// <summary>Inner joins of three or more tables against the real shell, in the two shapes whose loop order SQLite's
/// costs fix (JoinPlanner.Chain.cs): an outer table with every other one found by its rowid or a UNIQUE column, and
/// one table pinned by a constant key with the rest found through real indexes. The rows come in the outer table's
/// order, dangling and NULL keys drop their rows, an error in an outer filter comes where sqlite3 gives it; and the
/// shapes SQLite orders by cost are refused.</summary>
public class JoinChainTests
{
    const string Tables =
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT UNIQUE, city TEXT, score INT);\n" +
        "CREATE TABLE products (id INTEGER PRIMARY KEY, title TEXT UNIQUE, price REAL);\n" +
        "CREATE INDEX p_price ON products(price);\n" +
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER, product_id INTEGER, qty INTEGER, note TEXT);\n" +
        "CREATE INDEX o_user ON orders(user_id);\n" +
        "CREATE INDEX o_prod ON orders(product_id);\n" +
        "CREATE TABLE items (id INTEGER PRIMARY KEY, order_id INTEGER, sku TEXT);\n" +
        "CREATE INDEX i_order ON items(order_id);\n" +
        "CREATE TABLE cats (id INTEGER PRIMARY KEY, label TEXT);\n" +
        "CREATE TABLE prod2 (id INTEGER PRIMARY KEY, cat_id INTEGER, title TEXT);\n" +
        "CREATE TABLE refs (id INTEGER PRIMARY KEY, order_ref TEXT, body TEXT);\n" +
        "INSERT INTO users VALUES (1,'bob','x',-9223372036854775808),(2,'al','y',2),(3,'cy',NULL,3),(4,'dee','x',4),(5,NULL,'z',5);\n" +
        "INSERT INTO products VALUES (1,'pen',1.5),(2,'ink',3),(3,'pad',3),(4,NULL,NULL);\n" +
        "INSERT INTO orders VALUES (1,1,2,5,'a'),(2,3,1,1,'b'),(3,2,9,2,'c'),(4,9,1,7,'d'),(5,1,1,3,'e'),(6,4,3,-9223372036854775808,'f'),(7,NULL,2,1,'g'),(8,2,2,2,'h'),(9,5,4,4,'i'),(10,1,3,8,'j');\n" +
        "INSERT INTO items VALUES (1,5,'s1'),(2,1,'s2'),(3,10,'s3'),(4,5,'s4'),(5,77,'s5'),(6,2,'s6'),(7,NULL,'s7'),(8,1,'s8');\n" +
        "INSERT INTO cats VALUES (1,'a'),(2,'b');\n" +
        "INSERT INTO prod2 VALUES (1,1,'p1'),(2,2,'p2'),(3,1,'p3'),(4,7,'p4');\n" +
        "INSERT INTO refs VALUES (1,'2','r1'),(2,'10','r2'),(3,'x','r3'),(4,' 5','r4'),(5,'5.0','r5');\n";

    public static TheoryData<string> Queries() => new()
    {
        // A pair, then LEFT JOINs in FROM order (the pair's order as two tables alone would have it).
        "SELECT u.name, o.id, i.sku FROM users u JOIN orders o ON o.user_id = u.id LEFT JOIN items i ON i.order_id = o.id;\n",
        "SELECT u.name, o.id, i.sku FROM users u JOIN orders o ON o.user_id = u.id LEFT JOIN items i ON i.order_id = o.id WHERE u.id = 1;\n",
        "SELECT u.name, o.id, p.title FROM orders o JOIN users u ON u.id = o.user_id LEFT JOIN products p ON p.id = o.product_id AND abs(o.qty) > 1;\n",
        "SELECT u.name, o.id, r.body FROM users u JOIN orders o ON o.user_id = u.id LEFT JOIN refs r ON r.order_ref = o.id;\n",
        "SELECT u.name, o.id, i.sku, p.title FROM users u JOIN orders o ON o.user_id = u.id LEFT JOIN items i ON i.order_id = o.id LEFT JOIN products p ON p.id = o.product_id ORDER BY u.city, i.sku;\n",
        // Two tables, one pinned by a plain index's constant (the pair's own rules left it refused).
        "SELECT i.sku, o.qty FROM orders o JOIN items i ON i.order_id = o.id WHERE o.user_id = 1;\n",
        "SELECT i.sku, o.qty FROM items i JOIN orders o ON i.order_id = o.id WHERE o.user_id = 2 AND abs(o.qty) > 0 ORDER BY i.sku;\n",
        "SELECT i.sku, o.qty FROM items i JOIN orders o ON i.order_id = o.id WHERE o.user_id = 1 AND i.sku > 's2';\n",
        "SELECT o.id, u.name, p.title, o.qty FROM orders o JOIN users u ON u.id = o.user_id JOIN products p ON p.id = o.product_id;\n",
        "SELECT u.name, p.title FROM orders o JOIN users u ON u.id = o.user_id JOIN products p ON p.id = o.product_id WHERE o.qty > 2;\n",
        "SELECT u.name, p.title FROM orders o JOIN users u ON u.id = o.user_id JOIN products p ON p.id = o.product_id WHERE abs(o.qty) > 2;\n",
        "SELECT o.id, u.name FROM orders o JOIN users u ON u.id = o.user_id JOIN products p ON p.id = o.product_id WHERE u.city IS NULL OR u.score BETWEEN 2 AND 4;\n",
        "SELECT u.city, group_concat(o.id) FROM orders o JOIN users u ON u.id = o.user_id JOIN products p ON p.id = o.product_id GROUP BY u.city;\n",
        "SELECT u.city, p.title FROM orders o JOIN users u ON u.id = o.user_id JOIN products p ON p.id = o.product_id ORDER BY u.city, o.qty DESC;\n",
        "SELECT DISTINCT u.city FROM orders o JOIN users u ON u.id = o.user_id JOIN products p ON p.id = o.product_id;\n",
        "SELECT u.city, sum(o.qty) FROM users u JOIN orders o ON o.user_id = u.id JOIN items i ON i.order_id = o.id GROUP BY u.city;\n",
        "SELECT count(*), sum(p.price) FROM orders o JOIN users u ON u.id = o.user_id JOIN products p ON p.id = o.product_id;\n",
        "SELECT o.id, u.name FROM orders o JOIN users u ON u.id = o.user_id JOIN products p ON p.id = o.product_id LIMIT 2 OFFSET 1;\n",
        "SELECT o.id, u.name, p.title FROM orders o JOIN users u ON u.id = o.user_id JOIN products p ON p.id = o.product_id WHERE u.id = 1;\n",
        "SELECT o.id, u.name, p.title FROM orders o JOIN users u ON u.id = o.user_id JOIN products p ON p.id = o.product_id WHERE u.name = 'bob';\n",
        "SELECT o.id, u.name, p.title FROM orders o JOIN users u ON u.id = o.user_id JOIN products p ON p.id = o.product_id WHERE p.id = 2;\n",
        "SELECT o.id, u.name FROM orders o JOIN users u ON u.id = o.user_id JOIN products p ON p.id = o.product_id WHERE p.title = 'pen';\n",
        "SELECT o.id, u.name FROM orders o JOIN users u ON u.id = o.user_id JOIN products p ON p.id = o.product_id WHERE p.title = 'ink' AND u.city = 'y';\n",
        "SELECT o.id, u.name FROM orders o JOIN users u ON u.id = o.user_id JOIN products p ON p.id = o.product_id WHERE u.name = 'bob' AND abs(u.score) > 0;\n",
        "SELECT o.id, u.name, p.title FROM orders o JOIN users u ON u.id = o.user_id JOIN products p ON p.id = o.product_id WHERE u.id = 99;\n",
        "SELECT count(*) FROM users u, orders o, products p WHERE u.id = o.user_id AND p.id = o.product_id;\n",
        "SELECT o.id, u.name, p.title FROM products p JOIN orders o ON p.id = o.product_id JOIN users u ON u.id = o.user_id;\n",
        "SELECT u.name, o.id, i.sku FROM users u JOIN orders o ON o.user_id = u.id JOIN items i ON i.order_id = o.id;\n",
        "SELECT u.name, o.id, i.sku FROM users u JOIN orders o ON o.user_id = u.id JOIN items i ON i.order_id = o.id WHERE u.id = 1;\n",
        "SELECT u.name, o.id FROM items i JOIN orders o ON o.id = i.order_id JOIN users u ON u.id = o.user_id;\n",
        "SELECT u.name, o.id, i.sku FROM items i JOIN orders o ON o.id = i.order_id JOIN users u ON u.id = o.user_id WHERE i.sku > 's3';\n",
        "SELECT o.id, p.title, c.label FROM orders o JOIN users u ON u.id = o.user_id JOIN prod2 p ON p.id = o.product_id JOIN cats c ON c.id = p.cat_id;\n",
        "SELECT o.id, r.body FROM refs r JOIN orders o ON o.id = r.order_ref JOIN users u ON u.id = o.user_id;\n",
    };

    [RequiresSqlite3Theory]
    [MemberData(nameof(Queries))]
    public void Matches_sqlite3(string query) => OracleAssert.EngineMatchesShell(Tables + query);

    /// <summary>The outer table of a pair with a plain index's column fixed to a constant is searched through that
    /// index, so abs() of the smallest integer on a row of another key never runs (it was scanned before, and
    /// failed where sqlite3 prints nothing).</summary>
    [RequiresSqlite3Fact]
    public void An_outer_table_pinned_by_a_plain_index_visits_only_that_key() => OracleAssert.EngineMatchesShell(
        "CREATE TABLE ow(id INTEGER PRIMARY KEY, a NUMERIC, b, u UNIQUE);\nCREATE INDEX owa ON ow(a);\n" +
        "INSERT INTO ow VALUES (6, 2, -9223372036854775808, NULL), (12, NULL, 7, 1), (13, 3, NULL, 9), (16, 1, 'a', 2), (19, 1, 12, 3);\n" +
        "SELECT p.id, q.id FROM ow AS p JOIN ow AS q ON q.id = p.b WHERE abs(p.b) >= 0 AND p.a = 1;\n" +
        "SELECT p.id, q.id FROM ow AS p JOIN ow AS q ON q.id = p.u WHERE abs(p.b) >= 0 AND p.a = 1;\n" +
        "SELECT p.id, q.id FROM ow AS p LEFT JOIN ow AS q ON q.id = p.b WHERE abs(p.b) >= 0 AND p.a = 1;\n" +
        "SELECT p.id, q.id FROM ow AS p JOIN ow AS q ON q.a = p.id WHERE abs(p.b) >= 0 AND p.a = 1;\n");

    [Theory]
    // A filter on a looked-up table that could fail at run time, or a fifth one.
    [InlineData("SELECT o.id FROM orders o JOIN users u ON u.id = o.user_id JOIN products p ON p.id = o.product_id WHERE abs(u.score) > 0;")]
    [InlineData("SELECT o.id FROM orders o JOIN users u ON u.id = o.user_id JOIN products p ON p.id = o.product_id WHERE u.city = 'x' AND u.city = 'y' AND p.price IS NULL AND u.score > 1 AND u.score < 9;")]
    [InlineData("SELECT o.id FROM orders o JOIN users u ON u.id = o.user_id JOIN products p ON p.id = o.product_id WHERE u.city = 'x' AND u.city = 'y' AND u.score = 3 AND u.score > 1 AND u.score < 9;")]
    // An equality with a constant on a looked-up table in the middle of the chain (SQLite then scans that one).
    [InlineData("SELECT i.sku FROM items i JOIN orders o ON o.id = i.order_id JOIN users u ON u.id = o.user_id WHERE o.note = 'a';")]
    [InlineData("SELECT i.sku FROM items i JOIN orders o ON o.id = i.order_id JOIN users u ON u.id = o.user_id WHERE o.note IN ('a');")]
    [InlineData("SELECT o.id FROM orders o JOIN users u ON u.id = o.user_id JOIN products p ON p.id = o.product_id WHERE u.city = 'x';")]
    // A pin on a column a join equality ties to another table's key (a transitive constant there), or an equality
    // with a constant on a join column.
    [InlineData("SELECT o.id FROM refs r JOIN orders o ON o.id = r.order_ref JOIN users u ON u.id = o.user_id WHERE r.order_ref = '2';")]
    [InlineData("SELECT i.sku FROM items i JOIN orders o ON o.id = i.order_id JOIN users u ON u.id = o.user_id WHERE i.order_id = 5;")]
    // No single outer table: both ends of a rowid equality, or two tables nothing finds by a key.
    [InlineData("SELECT o.id FROM orders o JOIN users u USING (id) JOIN products p ON p.id = o.product_id;")]
    [InlineData("SELECT o.id FROM orders o JOIN items i ON i.order_id = o.id JOIN prod2 p ON p.cat_id = o.product_id;")]
    // A term over two tables besides the tree's equalities; a key range on the outer table.
    [InlineData("SELECT o.id FROM orders o JOIN users u ON u.id = o.user_id JOIN products p ON p.id = o.product_id WHERE p.price > o.qty;")]
    [InlineData("SELECT o.id FROM orders o JOIN users u ON u.id = o.user_id JOIN products p ON p.id = o.product_id WHERE o.user_id > 1;")]
    // Pinned: a table found only through an automatic index, or two tables of several rows in reach at once.
    [InlineData("SELECT o.id FROM cats c JOIN prod2 p ON p.cat_id = c.id JOIN orders o ON o.product_id = p.id WHERE c.id = 1;")]
    [InlineData("SELECT o.id FROM users u JOIN orders o ON o.user_id = u.id JOIN orders q ON q.user_id = u.id WHERE u.id = 1;")]
    // ORDER BY, GROUP BY or DISTINCT on an index of any table (SQLite may walk it: see the planner); on the pinned table.
    [InlineData("SELECT u.name, p.title FROM orders o JOIN users u ON u.id = o.user_id JOIN products p ON p.id = o.product_id ORDER BY u.name;")]
    [InlineData("SELECT DISTINCT p.price FROM orders o JOIN users u ON u.id = o.user_id JOIN products p ON p.id = o.product_id;")]
    [InlineData("SELECT o.id FROM orders o JOIN users u ON u.id = o.user_id JOIN products p ON p.id = o.product_id ORDER BY o.user_id;")]
    [InlineData("SELECT o.id FROM orders o JOIN users u ON u.id = o.user_id JOIN products p ON p.id = o.product_id ORDER BY u.id;")]
    [InlineData("SELECT o.id FROM orders o JOIN users u ON u.id = o.user_id JOIN products p ON p.id = o.product_id WHERE u.id = 1 ORDER BY u.city;")]
    public void Orders_SQLite_picks_by_cost_are_refused(string query)
    {
        var r = new Database().Execute(Tables + query + "\n");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("FastDb does not support ", r.Stderr);
    }

    [Fact]
    public void A_LEFT_JOIN_before_an_inner_join_is_refused_by_name()
    {
        // SQLite may turn that LEFT JOIN into an inner one (the inner join's ON rejects its NULL row) and order all three.
        var r = new Database().Execute(Tables + "SELECT o.id FROM users u LEFT JOIN orders o ON o.user_id = u.id JOIN items i ON i.order_id = o.id;\n");
        Assert.Contains("FastDb does not support a join of three or more tables that mixes LEFT or CROSS JOIN with inner joins yet", r.Stderr);
    }
}
