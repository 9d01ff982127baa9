using System.Globalization;
using System.Text;

namespace FastDb.QueryEngine.Tests.Differential;

/// <summary>
/// Seeded random scripts from a grammar of the whole SQL subset of issue 3: CREATE/DROP/INSERT [OR REPLACE|OR IGNORE]/
/// UPDATE/DELETE/SELECT with WHERE, ORDER BY, LIMIT/OFFSET, count(*) and the scalar functions; expressions with every
/// operator, NULLs, overflow, affinity corners and the double-quote rule; duplicate keys, failing statements, and a
/// layout with several statements per line, statements across lines, comments and blank lines.
/// The same seed always gives the same script. Tables are t0, t1 and ctf3 (which gets octopus's column names with random
/// types, and CTF-shaped updates verbatim, so a fast path that ignores the schema shows); each script starts by dropping
/// them so scripts can be concatenated into one shell run and still be independent.
/// </summary>
public sealed partial class ScriptGenerator
{
    public const int TableCount = 3;

    /// <summary>Wrap expressions in BETWEEN / IN / LIKE / GLOB / CASE / CAST (FASTDB_PREDICATES=1). Off by default: the
    /// mixes it makes still find row-order differences in SQLite's OR and covering-index plans and a few error
    /// texts (row values, table-valued functions) that are not the predicates' own; PredicateTests cover them.</summary>
    public bool Predicates { get; init; }

    /// <summary>When set, the script avoids deliberate errors (it may still hit a constraint): used for value checks.</summary>
    public bool Clean { get; init; }

    Random _random; // swapped for StatementRandom while a statement of ScriptGenerator.Statements.cs is drawn
    readonly int _seed;
    readonly Dictionary<string, List<Column>> _tables = new();
    int _nextCleanKey;

    /// <summary>
    /// Set while generating values that get stored (INSERT, UPDATE SET). Once a rowid reaches 9223372036854775807
    /// sqlite picks the next one AT RANDOM, so the shell itself stops being deterministic: stored values avoid it.
    /// </summary>
    bool _storing;

    sealed record Column(string Name, string Type, bool PrimaryKey, bool Unique, bool NotNull)
    {
        public bool IsRowid => PrimaryKey && Type == "INTEGER";
    }

    static readonly string[] TableNames = ["t0", "t1", "ctf3"];
    static readonly string[] ColumnNames = ["a", "b", "c", "d", "name", "k", "v", "w", "id", "friendCount"];
    static readonly string[] CtfColumnNames = ["name", "friendCount", "requestCount", "favoriteWord"];
    static readonly string[] Types =
        ["INT", "INTEGER", "TEXT", "REAL", "STRING", "CHAR(15)", "BLOB", "", "NUMERIC", "VARCHAR(10)", "DOUBLE", "FLOAT", "BIGINT", "BOOLEAN"];
    static readonly string[] IntegerLiterals =
        ["0", "1", "2", "3", "5", "7", "10", "42", "100", "-1", "9223372036854775807", "9223372036854775806", "4611686018427387904",
         "3037000500", "9223372036854775808", "1000000000000"];
    static readonly string[] RealLiterals = ["0.5", "1.5", "2.0", "0.1", "1e15", "1e308", "3.14159", "1e-5", "100.0", "2.5e-3", "0.0", "123456789.125"];
    static readonly string[] StringLiterals =
        ["'a'", "'abc'", "''", "'12'", "' 7'", "'1e3'", "'12abc'", "'-3'", "'x y'", "'it''s'", "'B'", "'b'", "'2.50'", "'0x10'", "'gdb'", "'NULL'"];
    static readonly string[] DoubleQuotedWords = ["\"w\"", "\"hello\"", "\"\"", "\"12\"", "\"gdb\"", "\"x y\""];
    static readonly string[] Functions = ["typeof", "length", "abs", "lower", "upper"];
    static readonly string[] BinaryOperators =
        ["+", "-", "*", "/", "%", "||", "=", "==", "!=", "<>", "<", "<=", ">", ">=", "AND", "OR"];
    static readonly string[] ComparisonOperators = ["=", "==", "!=", "<>", "<", "<=", ">", ">="];

    public ScriptGenerator(int seed)
    {
        _random = new Random(seed);
        _seed = seed;
        _extraRandom = new Random(unchecked(seed * 7919 + 17));
        _queryRandom = new Random(unchecked(seed * 104729 + 31));
        InitJoins(seed);
        InitFromSubqueries(seed);
    }

    /// <summary>Decides and builds the constructs added after the original grammar (sqlite_master queries), so
    /// adding them did not change what the main stream draws.</summary>
    Random _extraRandom; // swapped for ReturningRandom while a RETURNING statement is drawn
    /// <summary>Positions of the statements drawn from <see cref="_extraRandom"/> (laid out with it too).</summary>
    readonly HashSet<int> _extraStatements = [];

    /// <summary>A script of about <paramref name="statements"/> statements; the last line ends with ";\n".</summary>
    public string Generate(int statements)
    {
        var list = new List<List<string>>();
        var drop = new List<string>();
        foreach (var table in TableNames) drop.AddRange(["DROP", "TABLE", "IF", "EXISTS", table, ";"]);
        list.Add(drop);
        // Start with at least one table so most statements have something to work on.
        list.Add(CreateTable(newTable: true));
        for (var i = 0; i < statements; i++)
        {
            list.Add(Statement());
            NoteSchema();
            // Drawn from a stream of its own, so the scripts of every earlier seed stay as they were.
            int extra = _extraRandom.Next(100);
            if (extra < 5)
            {
                _extraStatements.Add(list.Count);
                list.Add(SchemaQuery());
            }
            else if (extra < 11 && _tables.Count > 0)
            {
                _extraStatements.Add(list.Count);
                list.Add(extra < 9 ? CreateIndex() : DropIndex());
            }
            else if (extra < 21 && _tables.Count > 0)
            {
                _extraStatements.Add(list.Count);
                list.Add(GroupingQuery());
            }
            // Compound SELECTs and subqueries (ScriptGenerator.Queries.cs), from a stream of their own too.
            if (_tables.Count > 0 && _queryRandom.Next(100) < QueryStatementPercent)
            {
                _extraStatements.Add(list.Count);
                list.Add(QueryStatement());
            }
            AddStatementConstructs(list);
            AddSavepointConstructs(list); // ScriptGenerator.Savepoints.cs, a stream of its own
            AddBlobConstructs(list); // ScriptGenerator.Blobs.cs, a stream of its own
            AddJsonConstructs(list); // ScriptGenerator.Json.cs, a stream of its own
            AddFunctions2Constructs(list); // ScriptGenerator.Functions2.cs, a stream of its own
            AddAlterConstructs(list);
            AddReturningConstructs(list); // ScriptGenerator.Returning.cs, a stream of its own
            // Joins: a stream of their own (ScriptGenerator.Joins.cs).
            if (_joinRandom.Next(100) < 8 && JoinQuery() is { } join)
            {
                _joinStatements.Add(list.Count);
                list.Add(join);
            }
            // FROM subqueries: a stream of their own (ScriptGenerator.FromSubqueries.cs).
            if (_fromRandom.Next(100) < 6 && FromSubqueryQuery(list) is { } from)
            {
                _fromStatements.Add(list.Count);
                list.Add(from);
            }
            AddAutoincrementConstructs(list); // ScriptGenerator.Autoincrement.cs, a stream of its own
        }
        EndStatementConstructs(list);
        AddIndexedJoins(list); // ScriptGenerator.IndexedJoins.cs, a stream of its own
        AddCompositeIndexConstructs(list); // ScriptGenerator.CompositeIndexes.cs, a stream of its own
        AddOrderWalkConstructs(list); // ScriptGenerator.OrderWalk.cs, a stream of its own
        AddLinkJoins(list); // ScriptGenerator.LinkJoins.cs, a stream of its own
        AddCheckConstraints(list); // ScriptGenerator.Checks.cs, a stream of its own
        return Layout(list);
    }

    List<string> Statement()
    {
        var roll = _tables.Count == 0 ? 0 : _random.Next(100);
        List<string> tokens = roll switch
        {
            < 4 => CreateTable(newTable: _tables.Count == 0 || _random.Next(3) > 0),
            < 5 => DropTable(),
            < 38 => Insert(),
            < 50 => Update(),
            < 56 => Delete(),
            < 62 when _tables.ContainsKey("ctf3") => CtfUpdate(),
            _ => Select(),
        };
        if (!Clean && _random.Next(100) < 6) Garble(tokens);
        return tokens;
    }

    // ---- statements

    List<string> CreateTable(bool newTable)
    {
        var name = newTable && _tables.Count < TableCount
            ? TableNames.First(n => !_tables.ContainsKey(n))
            : Pick(TableNames);
        var tokens = new List<string> { "CREATE", "TABLE" };
        var ifNotExists = _random.Next(4) == 0;
        if (ifNotExists) tokens.AddRange(["IF", "NOT", "EXISTS"]);
        tokens.Add(name);
        tokens.Add("(");
        var columns = new List<Column>();
        var count = 1 + _random.Next(4);
        var names = name == "ctf3" && _random.Next(4) > 0
            ? [.. CtfColumnNames]
            : ColumnNames.OrderBy(_ => _random.Next()).Take(count).ToList();
        count = names.Count;
        var hasPrimaryKey = false;
        for (var i = 0; i < count; i++)
        {
            if (i > 0) tokens.Add(",");
            var type = Pick(Types);
            var primaryKey = !hasPrimaryKey && _random.Next(3) == 0;
            hasPrimaryKey |= primaryKey;
            if (primaryKey && _random.Next(3) == 0) type = "INTEGER";
            var unique = !primaryKey && _random.Next(5) == 0;
            var notNull = !Clean && _random.Next(6) == 0;
            tokens.Add(names[i]);
            if (type.Length > 0) tokens.AddRange(type.Replace("(", " ( ").Replace(")", " )").Split(' ', StringSplitOptions.RemoveEmptyEntries));
            if (primaryKey) tokens.AddRange(["PRIMARY", "KEY"]);
            if (unique) tokens.Add("UNIQUE");
            if (notNull) tokens.AddRange(["NOT", "NULL"]);
            if (_random.Next(3) == 0)
            {
                tokens.Add("DEFAULT");
                tokens.Add(_random.Next(5) switch
                {
                    0 => Pick(IntegerLiterals[..8]),
                    1 => Pick(StringLiterals),
                    2 => "\"\"",
                    3 => Pick(RealLiterals),
                    _ => "NULL",
                });
            }
            columns.Add(new Column(names[i], type, primaryKey, unique, notNull));
        }
        tokens.Add(")");
        tokens.Add(";");
        if (!_tables.ContainsKey(name)) _tables[name] = columns;
        return tokens;
    }

    /// <summary>sqlite_master / sqlite_schema: names, types and the CREATE text as written (the layout's spaces,
    /// newlines and comments inside it included). Root pages depend on how full each b-tree is, which FastDb only
    /// knows for small tables: SchemaTableTests covers them.</summary>
    List<string> SchemaQuery()
    {
        var r = _extraRandom;
        var master = r.Next(2) == 0 ? "sqlite_master" : "sqlite_schema";
        string[][] queries =
        [
            ["SELECT", "type", ",", "name", ",", "tbl_name", ",", "sql", "FROM", master, ";"],
            ["SELECT", "name", "FROM", master, "WHERE", "type", "=", "'index'", ";"],
            ["SELECT", "count", "(", "*", ")", "FROM", master, ";"],
            ["SELECT", "sql", "FROM", master, "WHERE", "name", "=", "'" + TableNames[r.Next(TableNames.Length)] + "'", ";"],
            ["SELECT", "rowid", ",", "name", ",", "sql", "IS", "NULL", "FROM", master, "ORDER", "BY", "name", "DESC", ";"],
            ["SELECT", "*", "FROM", r.Next(2) == 0 ? "sqlite_temp_master" : "sqlite_temp_schema", ";"],
            ["SELECT", "typeof", "(", "sql", ")", ",", "upper", "(", "tbl_name", ")", "FROM", master, "WHERE", "tbl_name", "<>", "'t1'", ";"],
        ];
        return [.. queries[r.Next(queries.Length)]];
    }

    /// <summary>GROUP BY / HAVING with the aggregates, SELECT DISTINCT, ORDER BY a column number with NULLS FIRST|LAST,
    /// LIMIT/OFFSET expressions; often without ORDER BY, over indexed and unindexed columns, so the order of groups
    /// and distinct rows (and which row bare columns and group_concat see first) is tested. Without GROUP BY only
    /// aggregates are selected (a bare column beside min/max of an indexed column is a plan FastDb refuses).</summary>
    List<string> GroupingQuery()
    {
        var r = _extraRandom;
        var tables = _tables.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
        var table = tables[r.Next(tables.Count)];
        var columns = _tables[table];
        string Col() => columns.Count == 0 ? "rowid" : columns[r.Next(columns.Count)].Name;
        List<string> Aggregate()
        {
            string c = Col();
            return r.Next(11) switch
            {
                0 => ["count", "(", "*", ")"],
                1 => ["count", "(", c, ")"],
                2 => ["count", "(", "DISTINCT", c, ")"],
                3 => ["sum", "(", c, ")"],
                4 => ["total", "(", c, ")"],
                5 => ["avg", "(", c, ")"],
                6 => ["min", "(", c, ")"],
                7 => ["max", "(", c, ")"],
                8 => ["group_concat", "(", c, ")"],
                9 => ["group_concat", "(", c, ",", Pick(r, ["'-'", "''", "' | '"]), ")"],
                _ => ["sum", "(", "DISTINCT", c, ")"],
            };
        }
        var tokens = new List<string> { "SELECT" };
        int shape = r.Next(10);
        bool grouped = shape < 6, distinctOnly = shape >= 8;
        if (distinctOnly || r.Next(6) == 0) tokens.Add("DISTINCT");
        var groupColumns = new List<string>();
        // One GROUP BY term: several, one of them indexed, is a plan FastDb refuses (GroupingTests has several on
        // unindexed tables).
        if (grouped) groupColumns.Add(Col());
        var items = new List<List<string>>();
        int count = 1 + r.Next(3);
        // DISTINCT of several columns without ORDER BY, or with WHERE on another column, is a plan FastDb refuses
        // when a selected column is indexed: those get an ORDER BY over every column, or their WHERE on the column.
        bool orderAll = distinctOnly && count > 1;
        for (int i = 0; i < count; i++)
        {
            if (distinctOnly) items.Add([Col()]);
            else if (grouped && r.Next(3) == 0) items.Add([r.Next(3) == 0 ? Col() : groupColumns[r.Next(groupColumns.Count)]]);
            else items.Add(Aggregate());
        }
        tokens.AddRange(Join(items));
        tokens.AddRange(["FROM", table]);
        // GROUP BY an indexed column with WHERE on another index is refused too: a grouped WHERE stays on the key.
        string whereColumn = distinctOnly && !orderAll ? items[0][0] : grouped && groupColumns.Count == 1 ? groupColumns[0] : Col();
        if (r.Next(3) == 0) tokens.AddRange(["WHERE", whereColumn, Pick(r, ComparisonOperators), .. Literal(r)]);
        if (grouped)
        {
            tokens.AddRange(["GROUP", "BY"]);
            tokens.AddRange(Join(groupColumns.Select(g => new List<string> { g })));
            if (r.Next(4) == 0) tokens.AddRange(["HAVING", .. Aggregate(), Pick(r, [">", ">=", "<>", "="]), Pick(r, ["0", "1", "2", "'a'"])]);
        }
        if (orderAll)
        {
            tokens.AddRange(["ORDER", "BY"]);
            tokens.AddRange(Join(Enumerable.Range(1, items.Count).Select(i => new List<string> { i.ToString(CultureInfo.InvariantCulture) })));
        }
        else if (r.Next(3) == 0)
        {
            tokens.AddRange(["ORDER", "BY", (1 + r.Next(items.Count)).ToString(CultureInfo.InvariantCulture)]);
            if (r.Next(2) == 0) tokens.Add(Pick(r, ["ASC", "DESC"]));
            if (r.Next(2) == 0) tokens.AddRange(["NULLS", Pick(r, ["FIRST", "LAST"])]);
        }
        if (r.Next(4) == 0)
        {
            tokens.AddRange(["LIMIT", Pick(r, ["1", "2", "1 + 1", "'2'", "3 - 4"])]);
            if (r.Next(2) == 0) tokens.AddRange(["OFFSET", Pick(r, ["1", "0 * 5", "'1'"])]);
        }
        tokens.Add(";");
        return tokens;
    }

    List<string> Literal(Random r) => r.Next(4) switch
    {
        0 => [IntegerLiterals[r.Next(8)]],
        1 => [RealLiterals[r.Next(RealLiterals.Length)]],
        2 => [StringLiterals[r.Next(StringLiterals.Length)]],
        _ => [r.Next(6).ToString(CultureInfo.InvariantCulture)],
    };

    /// <summary>CREATE [UNIQUE] INDEX on one column of a live table (names shared across tables, so clashes and
    /// "already exists" happen), which changes the row order of later queries without ORDER BY.</summary>
    List<string> CreateIndex()
    {
        var r = _extraRandom;
        var tables = _tables.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
        var table = tables[r.Next(tables.Count)];
        var columns = _tables[table];
        var tokens = new List<string> { "CREATE" };
        if (!Clean && r.Next(4) == 0) tokens.Add("UNIQUE");
        tokens.Add("INDEX");
        if (r.Next(4) == 0) tokens.AddRange(["IF", "NOT", "EXISTS"]);
        var column = columns[r.Next(columns.Count)];
        _indexed.Add(column);
        tokens.AddRange(["i" + r.Next(4), "ON", table, "(", column.Name, ")", ";"]);
        return tokens;
    }

    List<string> DropIndex()
    {
        var r = _extraRandom;
        var tokens = new List<string> { "DROP", "INDEX" };
        if (Clean || r.Next(2) == 0) tokens.AddRange(["IF", "EXISTS"]);
        tokens.AddRange(["i" + r.Next(4), ";"]);
        return tokens;
    }

    List<string> DropTable()
    {
        var name = TableName();
        var tokens = new List<string> { "DROP", "TABLE" };
        if (_random.Next(2) == 0) tokens.AddRange(["IF", "EXISTS"]);
        tokens.Add(name);
        tokens.Add(";");
        _tables.Remove(name);
        return tokens;
    }

    List<string> Insert()
    {
        var name = TableName();
        var columns = ColumnsOf(name);
        var tokens = new List<string> { "INSERT" };
        var conflict = _random.Next(10);
        if (conflict < 2) tokens.AddRange(["OR", "REPLACE"]);
        else if (conflict < 3) tokens.AddRange(["OR", "IGNORE"]);
        tokens.AddRange(["INTO", name]);
        var target = columns;
        if (columns.Count > 0 && _random.Next(2) == 0)
        {
            target = columns.OrderBy(_ => _random.Next()).Take(1 + _random.Next(columns.Count)).ToList();
            tokens.Add("(");
            tokens.AddRange(Join(target.Select(c => new List<string> { c.Name })));
            if (!Clean && _random.Next(30) == 0) tokens.AddRange([",", "nosuch"]);
            tokens.Add(")");
        }
        tokens.Add("VALUES");
        _storing = true;
        var rows = _random.Next(4) == 0 ? 2 + _random.Next(3) : 1;
        var widthError = !Clean && _random.Next(25) == 0 ? (_random.Next(2) == 0 ? 1 : -1) : 0;
        for (var r = 0; r < rows; r++)
        {
            if (r > 0) tokens.Add(",");
            tokens.Add("(");
            var width = Math.Max(1, target.Count);
            width += widthError;
            for (var i = 0; i < Math.Max(1, width); i++)
            {
                if (i > 0) tokens.Add(",");
                tokens.AddRange(i < target.Count ? ValueFor(target[i]) : Literal());
            }
            tokens.Add(")");
        }
        _storing = false;
        tokens.Add(";");
        return tokens;
    }

    List<string> Update()
    {
        var name = TableName();
        var columns = ColumnsOf(name);
        var tokens = new List<string> { "UPDATE", name, "SET" };
        var targets = columns.Count == 0 ? [new Column("a", "", false, false, false)]
            : columns.OrderBy(_ => _random.Next()).Take(1 + _random.Next(Math.Min(3, columns.Count))).ToList();
        for (var i = 0; i < targets.Count; i++)
        {
            if (i > 0) tokens.Add(",");
            tokens.Add(targets[i].Name);
            tokens.Add("=");
            _storing = true;
            tokens.AddRange(_random.Next(3) == 0 ? ValueFor(targets[i]) : Expression(columns, 2));
            _storing = false;
        }
        if (_random.Next(4) > 0) { tokens.Add("WHERE"); tokens.AddRange(Where(columns)); }
        tokens.Add(";");
        return tokens;
    }

    List<string> Delete()
    {
        var name = TableName();
        var columns = ColumnsOf(name);
        var tokens = new List<string> { "DELETE", "FROM", name };
        if (_random.Next(5) > 0) { tokens.Add("WHERE"); tokens.AddRange(Where(columns)); }
        tokens.Add(";");
        return tokens;
    }

    List<string> Select()
    {
        var tokens = new List<string> { "SELECT" };
        if (_random.Next(10) == 0)
        {
            // No FROM: constant expressions only.
            tokens.AddRange(Join(Enumerable.Range(0, 1 + _random.Next(4)).Select(_ => Expression([], 3))));
            tokens.Add(";");
            return tokens;
        }
        var name = TableName();
        var columns = ColumnsOf(name);
        var shape = _random.Next(10);
        if (shape < 4) tokens.Add("*");
        else if (shape < 5) tokens.AddRange(["count", "(", "*", ")"]);
        else
        {
            var items = new List<List<string>>();
            for (var i = 0; i < 1 + _random.Next(4); i++)
            {
                var item = Expression(columns, 2);
                if (_random.Next(4) == 0)
                {
                    if (_random.Next(2) == 0) item.Add("AS");
                    item.Add($"x{i}");
                }
                items.Add(item);
            }
            tokens.AddRange(Join(items));
        }
        tokens.AddRange(["FROM", name]);
        if (_random.Next(2) == 0) { tokens.Add("WHERE"); tokens.AddRange(Where(columns)); }
        if (shape != 4)
        {
            int descAt = -1;
            if (_random.Next(3) == 0 && columns.Count > 0)
            {
                tokens.AddRange(["ORDER", "BY"]);
                var terms = new List<List<string>>();
                for (var i = 0; i < 1 + _random.Next(2); i++)
                {
                    // A column, or an expression over one: never a bare integer, which would mean "result column N".
                    var term = _random.Next(3) > 0
                        ? [Pick(columns).Name]
                        : new List<string> { Pick(columns).Name, Pick(["+", "*", "||", "-"]), Pick(["1", "'x'", "2"]) };
                    var direction = _random.Next(3);
                    if (direction == 1) term.Add("ASC");
                    if (direction == 2) term.Add("DESC");
                    terms.Add(term);
                }
                // ORDER BY x DESC, ... LIMIT with x under a non-unique index, or a UNIQUE one that holds several NULLs:
                // SQLite's plan picks the order of rows tied in every term by the LIMIT's value, which FastDb refuses;
                // such a first term is made ASC.
                if (terms.Count > 1 && terms[0] is [var first, "DESC"] && columns.Find(c => c.Name == first) is { IsRowid: false } fc
                    && (_indexed.Contains(fc) || ((fc.PrimaryKey || fc.Unique) && !fc.NotNull)))
                    descAt = tokens.Count + 1;
                tokens.AddRange(Join(terms));
            }
            if (_random.Next(4) == 0)
            {
                if (descAt >= 0) tokens[descAt] = "ASC";
                tokens.AddRange(["LIMIT", Pick(["0", "1", "2", "3", "-1", "10"])]);
                if (_random.Next(2) == 0) tokens.AddRange(["OFFSET", Pick(["0", "1", "2", "5"])]);
            }
        }
        tokens.Add(";");
        return tokens;
    }

    /// <summary>The octopus query, verbatim (one token, so the layout keeps its exact text), then its SELECT.</summary>
    List<string> CtfUpdate()
    {
        var word = new string(Enumerable.Range(0, 15).Select(_ => "abcdefghijkmnpq"[_random.Next(15)]).ToArray());
        var person = Pick(["siddarth", "gdb", "christian", "andy", "carl", "nobody"]);
        return [$"UPDATE ctf3 SET friendCount=friendCount+{_random.Next(1, 101)}, requestCount=requestCount+1, favoriteWord=\"{word}\" WHERE name=\"{person}\";",
                "SELECT", "*", "FROM", "ctf3", ";"];
    }

    // ---- expressions

    /// <summary>Wraps an expression of the main grammar in BETWEEN, IN (list), LIKE [ESCAPE], GLOB, CASE or CAST, with
    /// the other operands drawn from the extra stream only (so the main stream is unchanged). The tested operand is
    /// written "+(...)" in WHERE, which keeps SQLite from driving an index with it (FastDb refuses these on an
    /// indexed column), and the other operands stay off key and indexed columns there.</summary>
    List<string> Predicate(List<Column> columns, List<string> subject)
    {
        var r = _extraRandom;
        static string M(string token) => ExtraMark + token;
        List<string> Subject() => _inWhere ? [M("+"), M("("), .. subject, M(")")] : [M("("), .. subject, M(")")];
        List<string> Operand()
        {
            var usable = columns.Where(c => !_inWhere || !(c.PrimaryKey || c.Unique || _indexed.Contains(c))).ToList();
            if (usable.Count > 0 && r.Next(2) == 0) return [M(usable[r.Next(usable.Count)].Name)];
            return r.Next(10) switch
            {
                < 4 => [M(IntegerLiterals[r.Next(IntegerLiterals.Length)])],
                < 6 => [M(RealLiterals[r.Next(RealLiterals.Length)])],
                < 9 => [M(StringLiterals[r.Next(StringLiterals.Length)])],
                _ => [M("NULL")],
            };
        }
        string[] not = r.Next(3) == 0 ? [M("NOT")] : [];
        List<string> tokens;
        switch (r.Next(6))
        {
            case 0: tokens = [.. Subject(), .. not, M("BETWEEN"), .. Operand(), M("AND"), .. Operand()]; break;
            case 1:
            {
                var items = Enumerable.Range(0, r.Next(4)).Select(_ => Operand()).ToList();
                tokens = [.. Subject(), .. not, M("IN"), M("(")];
                for (int i = 0; i < items.Count; i++)
                {
                    if (i > 0) tokens.Add(M(","));
                    tokens.AddRange(items[i]);
                }
                tokens.Add(M(")"));
                break;
            }
            case 2:
            {
                string[] patterns = ["'a%'", "'%b%'", "'_'", "'%'", "'A_C'", "'1%'", "'%1'", "''", "'%2.5%'", "'G%'", "'x_y'"];
                tokens = [.. Subject(), .. not, M("LIKE")];
                if (r.Next(4) == 0) tokens.AddRange([M(@"'%\%%'"), M("ESCAPE"), M(@"'\'")]);
                else tokens.Add(M(patterns[r.Next(patterns.Length)]));
                break;
            }
            case 3:
            {
                string[] globs = ["'a*'", "'*[0-9]*'", "'[^a]*'", "'?'", "'*'", "'A*'", "'[a-c]?'", "'*.*'", "'1*'"];
                tokens = [.. Subject(), .. not, M("GLOB"), M(globs[r.Next(globs.Length)])];
                break;
            }
            case 4:
            {
                tokens = [M("CASE")];
                bool withBase = r.Next(2) == 0;
                if (withBase) tokens.AddRange(Subject());
                for (int i = 0, n = 1 + r.Next(2); i < n; i++)
                    tokens = [.. tokens, M("WHEN"), .. (i == 0 && !withBase ? Subject() : Operand()), M("THEN"), .. Operand()];
                if (r.Next(2) == 0) tokens = [.. tokens, M("ELSE"), .. Operand()];
                tokens.Add(M("END"));
                break;
            }
            default:
            {
                // "AS type" is one token, so a garbled script never leaves "CAST(x AS)" (a BLOB cast FastDb refuses).
                string[] types = ["INT", "INTEGER", "TEXT", "REAL", "NUMERIC", "VARCHAR(5)", "FLOAT", "STRING", "BOOLEAN", "DECIMAL(10, 2)"];
                tokens = [M("CAST"), M("("), .. Subject(), M("AS " + types[r.Next(types.Length)]), M(")")];
                break;
            }
        }
        if (r.Next(2) == 0) tokens = [M("("), .. tokens, M(")")];
        return tokens;
    }

    /// <summary>Marks a token the extra stream added, so <see cref="Layout"/> draws its separator from that stream.</summary>
    const char ExtraMark = '\u0001';

    /// <summary>Set while a WHERE clause is generated.</summary>
    bool _inWhere;
    /// <summary>Columns CREATE INDEX was generated for (kept even if it failed or was dropped: only used to stay off them).</summary>
    readonly HashSet<Column> _indexed = new(ReferenceEqualityComparer.Instance);

    List<string> Where(List<Column> columns)
    {
        _inWhere = true;
        try { return WhereTerms(columns); }
        finally { _inWhere = false; }
    }

    List<string> WhereTerms(List<Column> columns)
    {
        // Mostly a term on one column (an indexed one when there is one, so index order shows), sometimes compound.
        var keyed = columns.Where(c => c.PrimaryKey || c.Unique).ToList();
        List<string> Term()
        {
            if (columns.Count == 0 || _random.Next(5) == 0) return Expression(columns, 2);
            var column = keyed.Count > 0 && _random.Next(2) == 0 ? Pick(keyed) : Pick(columns);
            if (_random.Next(8) == 0) return [column.Name, "IS", .. _random.Next(2) == 0 ? new[] { "NOT" } : [], "NULL"];
            return [column.Name, Pick(ComparisonOperators), .. Literal()];
        }
        var tokens = Term();
        if (_random.Next(4) == 0) tokens = [.. tokens, Pick(["AND", "OR"]), .. Term()];
        return tokens;
    }

    List<string> Expression(List<Column> columns, int depth)
    {
        var expression = CoreExpression(columns, depth);
        if (Predicates && _extraRandom.Next(100) < 8) return Predicate(columns, expression);
        return _extraRandom.Next(100) < 6 ? TextFunction(expression) : expression;
    }

    /// <summary>Wraps an expression in one of func.c's text functions (substr, replace, trim, instr, round, hex, quote,
    /// printf, char, unicode), a math function or a connection counter, other arguments drawn from the extra stream. char() gets code points only from a list
    /// (a NUL or a lone surrogate is not text FastDb can hold).</summary>
    List<string> TextFunction(List<string> subject)
    {
        var r = _extraRandom;
        static string M(string token) => ExtraMark + token;
        string Int(int low, int high) => M(r.Next(low, high + 1).ToString(CultureInfo.InvariantCulture));
        List<string> Call(string name, params List<string>[] args)
        {
            var tokens = new List<string> { M(name), M("(") };
            for (int i = 0; i < args.Length; i++)
            {
                if (i > 0) tokens.Add(M(","));
                tokens.AddRange(args[i]);
            }
            tokens.Add(M(")"));
            return tokens;
        }
        // A precision counts characters ('!'): one counting bytes can cut a UTF-8 character of a char() value, which
        // FastDb refuses by name (SqlPrintf.CutCharacterMessage; PrintfCutTests and the golden cases cover bytes).
        string[] formats = ["'%d'", "'%s|%s'", "'%.2f'", "'%5.1e'", "'%g'", "'%x'", "'%-5s|'", "'%q'", "'%!.20g'", "'%!.3s'", "'%,d'", "'%05d'", "'%+.3f'", "'%Q'", "'%10.4g'", "'%i%%'"];
        string[] sets = ["' '", "'1'", "'a'", "' 1a'", "'x'", "''"];
        string[] math1 = ["ceil", "ceiling", "floor", "trunc", "ln", "log", "log10", "log2", "exp", "sqrt", "sin", "cos", "tan",
            "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "degrees", "radians", "sign"];
        return r.Next(14) switch
        {
            0 => r.Next(2) == 0 ? Call("substr", subject, [Int(-3, 4)]) : Call(r.Next(4) == 0 ? "substring" : "substr", subject, [Int(-3, 4)], [Int(-2, 3)]),
            1 => Call("replace", subject, [M(sets[r.Next(sets.Length)])], [M(r.Next(2) == 0 ? "'x'" : "''")]),
            2 => r.Next(2) == 0 ? Call(Pick(r, ["trim", "ltrim", "rtrim"]), subject) : Call(Pick(r, ["trim", "ltrim", "rtrim"]), subject, [M(sets[r.Next(sets.Length)])]),
            3 => Call("instr", subject, [M(sets[r.Next(sets.Length)])]),
            4 => r.Next(2) == 0 ? Call("round", subject) : Call("round", subject, [Int(-1, 4)]),
            5 => Call("hex", subject),
            6 => Call("quote", subject),
            7 => Call("unicode", subject),
            8 => Call("char", [Int(32, 126)], [M(Pick(r, ["233", "8364", "128512", "65", "-1", "1114112"]))]),
            9 => Call(r.Next(3) == 0 ? "format" : "printf", [M(formats[r.Next(formats.Length)])], subject, subject),
            10 => Call("length", Call("printf", [M(Pick(r, ["'%.*f'", "'%*d'"]))], [Int(0, 12)], subject)),
            11 => r.Next(3) switch
            {
                0 => Call(Pick(r, math1), subject),
                1 => Call(Pick(r, ["pow", "power", "mod", "atan2"]), subject, [Int(-2, 3)]),
                _ => r.Next(2) == 0 ? Call("log", [Int(0, 10)], subject) : Call(Pick(r, ["pow", "mod"]), [Int(-3, 10)], subject),
            },
            // Not last_insert_rowid(): in an INSERT ... SELECT FastDb refuses it where SQLite runs the SELECT row by row (golden cases cover it).
            12 => Call(Pick(r, ["max", "min"]), subject, Call(Pick(r, ["changes", "total_changes"]))),
            _ => Call("printf", [M("'%s-%d-%.1f'")], subject, subject, subject),
        };
    }

    static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    List<string> CoreExpression(List<Column> columns, int depth)
    {
        var roll = _random.Next(depth <= 0 ? 4 : 12);
        switch (roll)
        {
            case 0: case 1: return Literal();
            case 2: case 3: return columns.Count > 0 && _random.Next(4) > 0 ? [Pick(columns).Name] : Literal();
            case 4: case 5: case 6:
                return [.. Expression(columns, depth - 1), Pick(BinaryOperators), .. Expression(columns, depth - 1)];
            case 7: return ["(", .. Expression(columns, depth - 1), ")"];
            case 8:
            {
                var operand = Expression(columns, depth - 1);
                return _random.Next(2) == 0 ? ["-", .. operand] : ["NOT", .. operand];
            }
            case 9: return [.. Expression(columns, depth - 1), "IS", .. _random.Next(2) == 0 ? new[] { "NOT" } : [], "NULL"];
            case 10:
                if (_random.Next(3) == 0)
                {
                    var arguments = Enumerable.Range(0, 2 + _random.Next(2)).Select(_ => Expression(columns, depth - 1));
                    return ["coalesce", "(", .. Join(arguments), ")"];
                }
                return [Pick(Functions), "(", .. Expression(columns, depth - 1), ")"];
            default:
                // The double-quote rule: a column name in double quotes is the column, anything else a string.
                return columns.Count > 0 && _random.Next(2) == 0 ? [$"\"{Pick(columns).Name}\""] : [Pick(DoubleQuotedWords)];
        }
    }

    List<string> Literal() => _random.Next(10) switch
    {
        < 4 => [_storing ? Pick(IntegerLiterals.Where(l => !l.StartsWith("922337203685477580", StringComparison.Ordinal)).ToArray()) : Pick(IntegerLiterals)],
        < 6 => [Pick(RealLiterals)],
        < 8 => [Pick(StringLiterals)],
        8 => ["NULL"],
        _ => ["-", Pick(IntegerLiterals.Concat(RealLiterals).ToArray())],
    };

    /// <summary>A value for a column: small key pools so duplicate keys happen, the column's kind of value mostly.</summary>
    List<string> ValueFor(Column column)
    {
        if ((column.PrimaryKey || column.Unique) && Clean)
            return [(++_nextCleanKey).ToString(CultureInfo.InvariantCulture)]; // no collisions in clean scripts
        if (column.PrimaryKey || column.Unique)
        {
            return _random.Next(8) switch
            {
                0 => ["NULL"],
                1 => [Pick(StringLiterals)],
                2 => ["\"" + Pick(["gdb", "carl", "andy", "siddarth", "christian"]) + "\""],
                _ => [_random.Next(6).ToString(CultureInfo.InvariantCulture)],
            };
        }
        return _random.Next(6) == 0 ? Expression([], 1) : Literal();
    }

    /// <summary>Turn a statement into a likely error: a misspelled keyword, an unknown name, a lost token.</summary>
    void Garble(List<string> tokens)
    {
        switch (_random.Next(4))
        {
            case 0: tokens[0] = tokens[0][..^1]; break; // SELEC, INSER, ...
            case 1:
            {
                var i = tokens.FindIndex(t => TableNames.Contains(t));
                if (i >= 0) tokens[i] = "nope";
                break;
            }
            case 2:
            {
                // Drop a token other than the final ';' (which keeps scripts independent). Tokens of the extra
                // stream stay: a function name dropped there would leave a row value (a, b), whose SQLite errors
                // FastDb does not model.
                if (tokens.Count > 2)
                {
                    int at = 1 + _random.Next(tokens.Count - 2);
                    if (!tokens[at].StartsWith(ExtraMark)) tokens.RemoveAt(at);
                }
                break;
            }
            default:
                tokens.Insert(1 + _random.Next(tokens.Count - 1), Pick(["FROM", "nosuch", ",", ")", "WHERE", "1"]));
                break;
        }
    }

    // ---- helpers

    string TableName()
    {
        if (_tables.Count == 0 || (!Clean && _random.Next(20) == 0)) return Pick(TableNames);
        return _tables.Keys.ElementAt(_random.Next(_tables.Count));
    }

    List<Column> ColumnsOf(string table) => _tables.TryGetValue(table, out var columns) ? columns : [];

    T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    static List<string> Join(IEnumerable<List<string>> parts)
    {
        var tokens = new List<string>();
        foreach (var part in parts)
        {
            if (tokens.Count > 0) tokens.Add(",");
            tokens.AddRange(part);
        }
        return tokens;
    }

    /// <summary>Lay statements out as the shell will read them: shared lines, split lines, comments, blank lines.</summary>
    string Layout(List<List<string>> statements)
    {
        var sb = new StringBuilder();
        for (var s = 0; s < statements.Count; s++)
        {
            var tokens = statements[s];
            var random = _compositeStatements.Contains(s) ? CompositeRandom : _jsonStatements.Contains(s) ? JsonRandom : _functionsStatements.Contains(s) ? FunctionsRandom : _autoincrementStatements.Contains(s) ? AutoincrementRandom : _savepointStatements.Contains(s) ? SavepointRandom : _indexedJoinStatements.Contains(s) ? IndexedJoinRandom : _orderWalkStatements.Contains(s) ? OrderWalkRandom : _linkJoinStatements.Contains(s) ? LinkJoinRandom : _checkStatements.Contains(s) ? CheckRandom : _alterStatements.Contains(s) ? AlterRandom : _joinStatements.Contains(s) ? _joinRandom : _fromStatements.Contains(s) ? _fromRandom : _extraStatements.Contains(s) ? _extraRandom : _statementStatements.Contains(s) ? StatementRandom : _returningStatements.Contains(s) ? ReturningRandom : _blobStatements.Contains(s) ? BlobRandom : _random;
            if (s > 0)
            {
                var roll = random.Next(20);
                if (roll < 13) sb.Append('\n');
                else if (roll < 18) sb.Append(_ownLine.Contains(s) || _ownLine.Contains(s - 1) ? '\n' : ' ');
                else if (roll < 19) sb.Append("\n\n");
                else sb.Append("\n-- a comment; with a semicolon\n");
            }
            for (var i = 0; i < tokens.Count; i++)
            {
                bool extraToken = tokens[i].StartsWith(ExtraMark);
                var token = tokens[i].TrimStart(ExtraMark);
                if (i > 0)
                {
                    var roll = (extraToken ? _extraRandom : random).Next(60);
                    sb.Append(roll switch
                    {
                        0 => "\n",
                        1 => " /* c */ ",
                        2 => "\n  ",
                        3 => "\t",
                        _ => token is "," or ";" or ")" || tokens[i - 1].TrimStart(ExtraMark) == "(" ? "" : " ",
                    });
                }
                // Keep "- -" from becoming a "--" comment, and "/" "*" from opening one.
                if (i > 0 && sb.Length > 0 && ((sb[^1] == '-' && token.StartsWith('-')) || (sb[^1] == '/' && token.StartsWith('*'))))
                    sb.Append(' ');
                sb.Append(token);
            }
        }
        sb.Append('\n');
        return sb.ToString();
    }
}
