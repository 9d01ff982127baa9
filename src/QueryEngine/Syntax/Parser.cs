using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Syntax;

/// <summary>
/// Parses ONE statement starting at a position of a chunk, like sqlite3_prepare: returns the statement (null for an
/// empty one) and where the next statement starts. Syntax errors name the first token that cannot continue the
/// statement, as SQLite's LALR parser does; constructs outside FastDb's subset fail with a message naming them.
/// Offsets in errors are relative to <c>start</c>.
/// </summary>
public sealed partial class Parser
{
    private readonly Tokenizer _tokens;
    private readonly int _start;
    private readonly Func<string, bool> _tableExists;
    private readonly Func<string, bool> _indexExists;
    private readonly Func<string, string, bool> _columnExists;
    private Token _current;
    private bool _hasCurrent;
    /// <summary>Symbols SQLite's LALR parser would hold on its stack here (it overflows at 100).</summary>
    private int _depth;
    private string? _deferredUnsupported;
    /// <summary>The CONSTRAINT name a CHECK being parsed takes (pParse->constraintName), or null.</summary>
    private string? _constraintName;
    /// <summary>Set by <see cref="ParseIndexedColumns"/>: a column after the first was declared DESC.</summary>
    private bool _laterDescending;
    /// <summary>Set by <see cref="ParseIndexedColumns"/>: where each name starts, for "no such column".</summary>
    private readonly List<int> _indexedColumnOffsets = [];
    /// <summary>An error SQLite reports when it reduces the whole statement (after its syntax errors).</summary>
    private SqlParseException? _deferredError;
    /// <summary>Depth of the query being parsed on SQLite's parser stack (a subquery's symbols sit above its
    /// enclosing expression's).</summary>
    private int _base;
    /// <summary>"ORDER BY clause should come after UNION not before" and the like: SQLite records it when the whole
    /// SELECT is reduced and reports it once the statement is parsed (a later one replaces it).</summary>
    private string? _compoundError;
    /// <summary>SQLITE_LIMIT_COMPOUND_SELECT's default.</summary>
    private const int MaxCompoundSelect = 500;
    private const int ParserStackDepth = 100;
    private const int MaxExpressionHeight = 1000;

    private Parser(string sql, int start, Func<string, bool> tableExists, Func<string, bool>? indexExists, Func<string, string, bool>? columnExists)
    {
        _tokens = new Tokenizer(sql, start);
        _start = start;
        _tableExists = tableExists;
        _indexExists = indexExists ?? (_ => false);
        _columnExists = columnExists ?? ((_, _) => false);
    }

    /// <summary>Parse the statement at <paramref name="start"/>; <paramref name="next"/> is where the rest begins.</summary>
    public static Statement? ParseOne(string sql, int start, Func<string, bool> tableExists, out int next) =>
        ParseOne(sql, start, tableExists, null, out next);

    /// <summary>As above; <paramref name="indexExists"/> lets CREATE TABLE report a clash with an index name.</summary>
    public static Statement? ParseOne(string sql, int start, Func<string, bool> tableExists, Func<string, bool>? indexExists, out int next) =>
        ParseOne(sql, start, tableExists, indexExists, null, out next);

    /// <summary>As above; <paramref name="columnExists"/> (table, column) lets ALTER TABLE ADD report a duplicate
    /// column name where SQLite does, before the rest of the definition is parsed.</summary>
    public static Statement? ParseOne(string sql, int start, Func<string, bool> tableExists, Func<string, bool>? indexExists,
        Func<string, string, bool>? columnExists, out int next)
    {
        var p = new Parser(sql, start, tableExists, indexExists, columnExists);
        var stmt = p.ParseStatement();
        next = p._tokens.Position;
        return stmt;
    }

    // ---- token plumbing ----

    private Token Peek()
    {
        if (!_hasCurrent) { _current = _tokens.Next(); _hasCurrent = true; }
        if (_current.Kind == TokenKind.Illegal)
            throw new SqlParseException("unrecognized token: \"" + Source(_current) + "\"", _current.Start - _start);
        return _current;
    }

    private Token Take() { var t = Peek(); _hasCurrent = false; _lastEnd = t.Start + t.Length; return t; }

    /// <summary>Where the last token taken ends (for spans such as a DEFAULT's text).</summary>
    private int _lastEnd;

    private string Source(Token t) => _tokens.Sql.Substring(t.Start, t.Length);

    private SqlParseException SyntaxError(Token t)
    {
        if (t.Kind == TokenKind.End) return new SqlParseException("incomplete input");
        return new SqlParseException("near \"" + Source(t) + "\": syntax error", t.Start - _start);
    }

    /// <summary>parse.y's "nm LP exprlist RP": a FROM item called as a table-valued function. Its arguments are
    /// parsed and dropped; the call is judged when the table is looked up (selectExpander), so later syntax errors
    /// win.</summary>
    private bool TryTableFunctionArguments()
    {
        if (!TryOp("(")) return false;
        if (!Peek().IsOp(")"))
            do ParseExprAt(_depth + 3); while (TryOp(","));
        ExpectOp(")");
        return true;
    }

    private static SqlParseException Unsupported(string what) => new("FastDb does not support " + what);

    /// <summary>A shift that leaves <paramref name="symbols"/> symbols on SQLite's parser stack, which holds 99.</summary>
    private static void CheckStack(int symbols)
    {
        if (symbols >= ParserStackDepth) throw new SqlParseException("parser stack overflow");
    }

    private Expr ParseExprAt(int depth)
    {
        int saved = _depth;
        _depth = _base + depth;
        try { return ParseExpr(); }
        finally { _depth = saved; }
    }

    private static T Checked<T>(T e) where T : Expr
    {
        if (e.Height > MaxExpressionHeight) throw new SqlParseException("Expression tree is too large (maximum depth " + MaxExpressionHeight + ")");
        return e;
    }

    private bool TryKeyword(string kw) { if (Peek().Is(kw)) { Take(); return true; } return false; }
    private void ExpectKeyword(string kw) { if (!TryKeyword(kw)) throw SyntaxError(Peek()); }
    private bool TryOp(string op) { if (Peek().IsOp(op)) { Take(); return true; } return false; }
    private void ExpectOp(string op) { if (!TryOp(op)) throw SyntaxError(Peek()); }

    private bool IsNameToken(Token t) => t.Kind == TokenKind.Identifier || (t.Kind == TokenKind.Keyword && Keywords.CanBeName(t.Text));

    /// <summary>A schema name token as sqlite3NameFromToken reads it (dequoted).</summary>
    private string SchemaName(Token t) => t.Kind == TokenKind.Keyword ? Source(t) : t.Text;

    /// <summary>parse.y's "nm dbnm": a table name, and the schema it is qualified with (<c>main.t</c>) or null.</summary>
    private (string Name, string? Schema) ExpectTableName()
    {
        string first = ExpectName();
        if (!TryOp(".")) return (first, null);
        return (ExpectName(), first);
    }

    /// <summary>A table or column name (identifier, quoted name, string or a keyword allowed as a name).</summary>
    /// <summary>parse.y's "nm dbnm": a name, or a schema name, a dot and a name; the tokens are kept for the
    /// errors and CREATE texts that point at them.</summary>
    private (Token NameToken, string Name, Token? SchemaToken) ExpectTwoPartName()
    {
        var nameToken = Peek();
        string name = ExpectName();
        if (!TryOp(".")) return (nameToken, name, null);
        var schemaToken = nameToken;
        nameToken = Peek();
        return (nameToken, ExpectName(), schemaToken);
    }

    private string ExpectName(bool allowString = true)
    {
        var t = Peek();
        if (IsNameToken(t)) { Take(); return t.Kind == TokenKind.Keyword ? Source(t) : t.Text; }
        if (allowString && t.Kind == TokenKind.String) { Take(); return t.Text; }
        throw SyntaxError(t);
    }

    // ---- statements ----

    private Statement? ParseStatement()
    {
        // Empty statements before a real one belong to the same prepare call (its error offsets count from them).
        while (Peek().Kind == TokenKind.Semicolon) Take();
        var t = Peek();
        if (t.Kind == TokenKind.End) return null;
        var stmt = t.Is("EXPLAIN") ? ParseExplain() : ParseCommand(t);
        var end = Peek();
        if (end.Kind is not (TokenKind.Semicolon or TokenKind.End)) throw SyntaxError(end);
        if (_compoundError != null) throw new SqlParseException(_compoundError);
        if (_deferredError != null) throw _deferredError;
        JudgeRaises(stmt);
        // A construct FastDb parses but does not run is refused once the whole statement proved well-formed.
        if (_deferredUnsupported != null) throw Unsupported(_deferredUnsupported);
        if (end.Kind == TokenKind.Semicolon) Take();
        // Only a refused command (Parser.Refused.cs) parses to no tree, and it was refused just above.
        return stmt ?? throw new InvalidOperationException("a command parsed to no statement without being refused");
    }

    /// <summary>parse.y's cmd: one statement, from its first token.</summary>
    private Statement? ParseCommand(Token t)
    {
        if (t.Kind != TokenKind.Keyword) throw SyntaxError(t);
        switch (t.Text)
        {
            case "CREATE": return ParseCreate();
            case "DROP": return ParseDrop();
            case "INSERT": case "REPLACE": return ParseInsert();
            case "UPDATE": return ParseUpdate();
            case "DELETE": return ParseDelete();
            case "SELECT": case "VALUES": return ParseQuery();
            case "WITH": return ParseWithStatement();
            case "BEGIN": case "COMMIT": case "END": case "ROLLBACK": case "SAVEPOINT": case "RELEASE": return ParseTransaction();
            case "ALTER": return ParseAlter();
            case "PRAGMA": case "ATTACH": case "DETACH": case "VACUUM": case "ANALYZE": case "REINDEX": return ParseUtilitySyntax();
            default: throw SyntaxError(t);
        }
    }

    private Statement? ParseCreate()
    {
        Take();
        if (TryKeyword("TEMP") || TryKeyword("TEMPORARY")) throw Unsupported("TEMP tables");
        var t = Peek();
        if (t.Is("UNIQUE") || t.Is("INDEX")) return ParseCreateIndex();
        if (t.Is("VIEW")) return ParseCreateViewSyntax();
        if (t.Is("TRIGGER")) return ParseCreateTriggerSyntax();
        if (t.Is("VIRTUAL")) throw Unsupported("CREATE VIRTUAL TABLE");
        ExpectKeyword("TABLE");
        var stmt = new CreateTableStatement { Name = "" };
        if (TryKeyword("IF")) { ExpectKeyword("NOT"); ExpectKeyword("EXISTS"); stmt.IfNotExists = true; }
        // "nm dbnm": the stored CREATE text starts at the table's own name (sNameToken), without the schema.
        var (nameToken, name, schemaToken) = ExpectTwoPartName();
        stmt.Name = name;
        // sqlite3StartTable runs when the parser reduces "CREATE TABLE name", i.e. on seeing "(" or AS after it:
        // then "already exists" wins over any later syntax error.
        var afterName = Peek();
        if (!afterName.IsOp("(") && !afterName.Is("AS")) throw SyntaxError(afterName);
        // sqlite3TwoPartName: main is FastDb's one database, temp would make a TEMP table, any other is unknown.
        if (schemaToken is { } st && !string.Equals(SchemaName(st), "main", StringComparison.OrdinalIgnoreCase))
        {
            if (string.Equals(SchemaName(st), "temp", StringComparison.OrdinalIgnoreCase)) throw Unsupported("TEMP tables");
            throw new SqlParseException("unknown database " + SchemaName(st), st.Start - _start);
        }
        // sqlite3CheckObjectName comes before the existence check, IF NOT EXISTS or not.
        if (name.StartsWith("sqlite_", StringComparison.OrdinalIgnoreCase))
            throw new SqlParseException("object name reserved for internal use: " + name);
        if (_tableExists(name))
        {
            if (!stmt.IfNotExists) throw new SqlParseException("table " + name + " already exists", nameToken.Start - _start);
            stmt.AlreadyExists = true;
        }
        else if (_indexExists(name)) throw new SqlParseException("there is already an index named " + name);
        if (Peek().Is("AS")) throw Unsupported("CREATE TABLE ... AS SELECT");
        ExpectOp("(");
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        bool sawPrimaryKey = false;
        while (true)
        {
            var tk = Peek();
            if (tk.Is("CONSTRAINT") || tk.Is("PRIMARY") || tk.Is("UNIQUE") || tk.Is("CHECK") || tk.Is("FOREIGN"))
            {
                if (stmt.Columns.Count == 0) throw SyntaxError(tk);
                break;
            }
            var col = ParseColumnDefinition(stmt, ref sawPrimaryKey);
            if (!names.Add(col.Name)) throw new SqlParseException("duplicate column name: " + col.Name);
            stmt.Columns.Add(col);
            if (!TryOp(",")) break;
        }
        // Table constraints.
        while (!Peek().IsOp(")"))
        {
            // parse.y resets the name at a comma between table constraints (tconscomma) only: the first one, and
            // one after no comma, keeps the name in force before it, the last column's too.
            if (TryKeyword("CONSTRAINT")) _constraintName = ExpectName();
            if (TryKeyword("PRIMARY"))
            {
                ExpectKeyword("KEY");
                var cols = ParseIndexedColumns(out bool autoincrement, out bool descending);
                if (autoincrement)
                {
                    // sqlite3AddPrimaryKey: the "more than one" check first, then AUTOINCREMENT needs one known column
                    // declared exactly INTEGER (its sort order is not checked in the table constraint).
                    ParseConflictClause();
                    if (sawPrimaryKey) throw new SqlParseException("table \"" + stmt.Name + "\" has more than one primary key");
                    var named = cols.Count == 1 ? stmt.Columns.Find(d => string.Equals(d.Name, cols[0], StringComparison.OrdinalIgnoreCase)) : null;
                    if (named == null || !string.Equals(named.DeclaredType, "INTEGER", StringComparison.OrdinalIgnoreCase))
                        throw new SqlParseException("AUTOINCREMENT is only allowed on an INTEGER PRIMARY KEY");
                    stmt.Autoincrement = true;
                }
                ParseConflictClause();
                if (sawPrimaryKey) throw new SqlParseException("table \"" + stmt.Name + "\" has more than one primary key");
                sawPrimaryKey = true;
                stmt.IndexConstraints.Add(KeyConstraint(stmt, cols, primaryKey: true, descending));
            }
            else if (TryKeyword("UNIQUE"))
            {
                var cols = ParseIndexedColumns(out _, out bool descending, allowAutoincrement: false);
                ParseConflictClause();
                stmt.IndexConstraints.Add(KeyConstraint(stmt, cols, primaryKey: false, descending));
            }
            else if (TryKeyword("CHECK")) { ParseCheck(stmt); ParseConflictClause(); }
            else if (TryKeyword("FOREIGN")) ParseForeignKeyConstraint(stmt);
            else throw SyntaxError(Peek());
            if (TryOp(",")) _constraintName = null;
        }
        var close = Peek();
        ExpectOp(")");
        // Table options: [WITHOUT] name {, [WITHOUT] name} (the first may be empty). SQLite judges each option when
        // it reduces it, on seeing a "," or the end; FastDb supports none of them.
        bool sawComma = false;
        while (true)
        {
            var o = Peek();
            bool without = o.Is("WITHOUT");
            if (without || IsNameToken(o))
            {
                Take();
                var nameTok = without ? Peek() : o;
                string option = without ? ExpectName(false) : Source(o);
                var follow = Peek();
                if (!follow.IsOp(",") && follow.Kind is not (TokenKind.Semicolon or TokenKind.End)) throw SyntaxError(follow);
                _ = nameTok;
                if (without && option.Equals("rowid", StringComparison.OrdinalIgnoreCase)) throw Unsupported("WITHOUT ROWID");
                if (!without && option.Equals("strict", StringComparison.OrdinalIgnoreCase)) throw Unsupported("STRICT tables");
                throw new SqlParseException("unknown table option: " + option);
            }
            if (sawComma) throw SyntaxError(o);
            if (!TryOp(",")) break;
            sawComma = true;
        }
        // sqlite3EndTable prints "CREATE TABLE <name...)>" and nests an UPDATE of sqlite_master carrying it quoted
        // (about 130 bytes of its own plus the name twice); either over the value limit fails prepare with TOOBIG.
        // (Registers in that text vary by a digit or two: this is exact to within a few bytes of the limit.)
        stmt.Sql = "CREATE TABLE " + _tokens.Sql[nameToken.Start..(close.Start + 1)];
        long text = stmt.Sql.Length;
        if (text + 2 * name.Length + 130 > EngineLimits.MaxValueBytes / 3)
        {
            string created = stmt.Sql;
            long nested = 130 + 2 * StorageSize.Utf8Length(name) + StorageSize.Utf8Length(created) + created.Count(ch => ch == '\'');
            if (EngineLimits.IsTooBig(nested)) throw new SqlParseException(EngineLimits.TooBigMessage, -1, EngineLimits.TooBigCode);
        }
        return stmt;
    }

    /// <summary>CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON table (column): the whole statement is parsed first
    /// (SQLite acts when it reduces it), then what FastDb does not index is refused: expressions, DESC past a
    /// one-column index, COLLATE, partial indexes.</summary>
    private Statement ParseCreateIndex()
    {
        bool unique = TryKeyword("UNIQUE");
        ExpectKeyword("INDEX");
        bool ifNotExists = false;
        if (TryKeyword("IF")) { ExpectKeyword("NOT"); ExpectKeyword("EXISTS"); ifNotExists = true; }
        var nameToken = Peek();
        string name = ExpectName();
        if (TryOp("."))
        {
            // sqlite3CreateIndex runs once the statement is read: sqlite3TwoPartName's "unknown database" first
            // (a temp index on a main table is refused by name); the stored text starts at the index's own name.
            var schemaToken = nameToken;
            nameToken = Peek();
            name = ExpectName();
            string schema = SchemaName(schemaToken);
            if (string.Equals(schema, "temp", StringComparison.OrdinalIgnoreCase)) _deferredUnsupported ??= "TEMP indexes";
            else if (!string.Equals(schema, "main", StringComparison.OrdinalIgnoreCase))
                _deferredError ??= new SqlParseException("unknown database " + schema, schemaToken.Start - _start);
        }
        ExpectKeyword("ON");
        string table = ExpectName();
        ExpectOp("(");
        var items = new List<Expr>();
        bool anyDescending = false;
        do
        {
            items.Add(ParseExprAt(5));
            if (TryKeyword("COLLATE")) { ExpectName(); _deferredUnsupported ??= "COLLATE"; }
            if (TryKeyword("DESC")) anyDescending = true;
            else TryKeyword("ASC");
        } while (TryOp(","));
        ExpectOp(")");
        if (TryKeyword("WHERE")) { ParseExprAt(5); _deferredUnsupported ??= "partial indexes (CREATE INDEX ... WHERE)"; }
        var end = Peek();
        if (end.Kind is not (TokenKind.Semicolon or TokenKind.End)) throw SyntaxError(end);
        var columns = new string[items.Count];
        var offsets = new int[items.Count];
        for (int i = 0; i < items.Count; i++)
        {
            // A bare name (rowid too: it names no column unless one is called that, "no such column: rowid").
            if (items[i] is NameExpr { Qualifier: null, DoubleQuoted: false } ne)
            {
                columns[i] = ne.Name;
                offsets[i] = ne.Offset;
            }
            else _deferredUnsupported ??= "indexes on expressions";
        }
        if (_deferredUnsupported == null && columns.Distinct(StringComparer.OrdinalIgnoreCase).Count() != columns.Length)
            _deferredUnsupported = "an index naming a column twice";
        // One column may be DESC; FastDb does not order a multi-column index's keys each their own way.
        if (anyDescending && items.Count > 1) _deferredUnsupported ??= "DESC index columns";
        return new CreateIndexStatement
        {
            Name = name, Table = table, Unique = unique, IfNotExists = ifNotExists, Columns = columns, ColumnOffsets = offsets, Descending = anyDescending,
            Sql = (unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ") + _tokens.Sql[nameToken.Start..end.Start],
        };
    }

    /// <summary>A PRIMARY KEY or UNIQUE table constraint: its columns marked, their names as declared. Several columns
    /// make a multi-column index (ascending only: FastDb does not order an index DESC past its first column, and
    /// one naming a column twice is refused).</summary>
    private IndexConstraint KeyConstraint(CreateTableStatement stmt, List<string> names, bool primaryKey, bool descending)
    {
        var columns = new string[names.Count];
        for (int i = 0; i < columns.Length; i++)
        {
            var c = FindColumn(stmt, names[i], _indexedColumnOffsets[i]);
            if (primaryKey) c.PrimaryKey = true; else if (names.Count == 1) c.Unique = true;
            columns[i] = c.Name;
        }
        if (columns.Length > 1)
        {
            if (descending || _laterDescending) throw Unsupported("DESC index columns");
            if (columns.Distinct(StringComparer.OrdinalIgnoreCase).Count() != columns.Length) throw Unsupported("an index naming a column twice");
        }
        return new IndexConstraint(columns, primaryKey, descending) { TableLevel = true };
    }

    /// <summary>A column a table constraint names; "no such column" points at the name (<paramref name="offset"/>).</summary>
    private static ColumnDefinition FindColumn(CreateTableStatement stmt, string name, int offset)
    {
        foreach (var c in stmt.Columns) if (string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase)) return c;
        throw new SqlParseException("no such column: " + name, offset);
    }

    /// <summary>"LP sortlist autoinc RP": the names, whether AUTOINCREMENT follows them (PRIMARY KEY only) and
    /// whether the first is DESC (its index's sort order, PRAGMA index_xinfo's desc).</summary>
    private List<string> ParseIndexedColumns(out bool autoincrement, out bool firstDescending, bool allowAutoincrement = true)
    {
        ExpectOp("(");
        var list = new List<string>();
        firstDescending = false;
        _laterDescending = false;
        _indexedColumnOffsets.Clear();
        do
        {
            _indexedColumnOffsets.Add(Peek().Start - _start);
            list.Add(ExpectName());
            ParseCollateSyntax();
            if (!TryKeyword("ASC") && TryKeyword("DESC"))
            {
                if (list.Count == 1) firstDescending = true; else _laterDescending = true;
            }
        } while (TryOp(","));
        autoincrement = allowAutoincrement && TryKeyword("AUTOINCREMENT");
        ExpectOp(")");
        return list;
    }

    private void ParseConflictClause()
    {
        if (Peek().Is("ON")) throw Unsupported("ON CONFLICT clauses");
    }

    /// <summary><paramref name="named"/> runs once the name and type are read (where sqlite3AddColumn runs).</summary>
    private ColumnDefinition ParseColumnDefinition(CreateTableStatement stmt, ref bool sawPrimaryKey, Action<string>? named = null)
    {
        var col = new ColumnDefinition { Name = ExpectName() };
        if (ParseTypeName() is { } declared) col.DeclaredType = declared;
        named?.Invoke(col.Name);
        // A CONSTRAINT name holds for the column's later constraints until the next one (sqlite3AddColumn clears it).
        _constraintName = null;

        while (true)
        {
            var t = Peek();
            if (t.Is("CONSTRAINT")) { Take(); _constraintName = ExpectName(); continue; }
            if (t.Is("PRIMARY"))
            {
                Take();
                ExpectKeyword("KEY");
                if (TryKeyword("DESC")) col.PrimaryKeyDescending = true; else TryKeyword("ASC");
                ParseConflictClause();
                bool autoincrement = TryKeyword("AUTOINCREMENT");
                // sqlite3AddPrimaryKey: "more than one primary key" first; only a column declared exactly INTEGER
                // (ascending) becomes the rowid, and only that one may be AUTOINCREMENT.
                if (sawPrimaryKey) throw new SqlParseException("table \"" + stmt.Name + "\" has more than one primary key");
                if (autoincrement)
                {
                    if (!string.Equals(col.DeclaredType, "INTEGER", StringComparison.OrdinalIgnoreCase) || col.PrimaryKeyDescending)
                        throw new SqlParseException("AUTOINCREMENT is only allowed on an INTEGER PRIMARY KEY");
                    stmt.Autoincrement = true;
                }
                sawPrimaryKey = true;
                col.PrimaryKey = true;
                stmt.IndexConstraints.Add(new IndexConstraint(col.Name, PrimaryKey: true, col.PrimaryKeyDescending));
                continue;
            }
            if (t.Is("DEFERRABLE") || t.Is("NOT") && PeekAfterCurrent().First.Is("DEFERRABLE")) { ParseDeferrableSyntax(); continue; }
            if (t.Is("NOT")) { Take(); ExpectKeyword("NULL"); ParseConflictClause(); col.NotNull = true; continue; }
            if (t.Is("NULL")) { Take(); ParseConflictClause(); continue; }
            if (t.Is("UNIQUE")) { Take(); ParseConflictClause(); col.Unique = true; stmt.IndexConstraints.Add(new IndexConstraint(col.Name, PrimaryKey: false, Descending: false)); continue; }
            if (t.Is("DEFAULT"))
            {
                Take();
                var first = Peek();
                _defaultPerRow = false;
                col.Default = ParseDefault();
                col.DefaultPerRow = _defaultPerRow;
                col.DefaultText = first.IsOp("(")
                    ? _tokens.Sql[(first.Start + 1)..(_lastEnd - 1)].Trim(SqliteSpaces)
                    : _tokens.Sql[first.Start.._lastEnd];
                continue;
            }
            if (t.Is("CHECK")) { Take(); ParseCheck(stmt); continue; }
            if (t.Is("REFERENCES")) { Take(); ParseColumnReferences(stmt, col.Name); continue; }
            if (t.Is("COLLATE")) { ParseCollateSyntax(); continue; }

            if (t.Is("GENERATED") || t.Is("AS")) throw Unsupported("generated columns");
            break;
        }
        return col;
    }

    /// <summary>sqlite3Isspace's characters, which sqlite3DbSpanDup trims.</summary>
    private static readonly char[] SqliteSpaces = [' ', '\t', '\n', '\v', '\f', '\r'];

    private void ParseSignedNumber()
    {
        if (!TryOp("+")) TryOp("-");
        var t = Peek();
        if (t.Kind is TokenKind.Integer or TokenKind.Float) { Take(); return; }
        throw SyntaxError(t);
    }

    private Expr ParseDefault()
    {
        var t = Peek();
        if (t.IsOp("("))
        {
            Take();
            var e = ParseExpr();
            ExpectOp(")");
            _defaultIsValue = IsValueExpr(e);
            _defaultParenthesized = true;
            var bound = e.Bind(Scope.Empty);
            // sqlite3ExprIsConstantOrFunction accepts these, and SQLite computes them for every row it inserts, as
            // FastDb does (Column.PerRowDefault); ALTER TABLE ADD COLUMN cannot (sqlite3ValueFromExpr gives no value).
            bool perRow = ReadsClockOrRandom(bound);
            if (perRow && !_inAddColumn)
            {
                _defaultPerRow = true;
                return bound;
            }
            if (!bound.IsConstant || perRow)
            {
                // ALTER TABLE ADD judges it when it runs (Executor.Alter.cs).
                if (!_inAddColumn) throw new SqlParseException("default value of column is not constant");
                _defaultIsConstant = false;
            }
            return bound;
        }
        if (t.Is("CURRENT_TIME") || t.Is("CURRENT_DATE") || t.Is("CURRENT_TIMESTAMP"))
        {
            var now = ParsePrimary().Bind(Scope.Empty); // CTIME_KW: datetime, date or time of 'now'
            if (_inAddColumn) _defaultIsConstant = false;
            else _defaultPerRow = true;
            return now;
        }
        if (t.IsOp("+") || t.IsOp("-"))
        {
            Take();
            _defaultLiteral = Peek();
            _defaultMinus = t.IsOp("-");
            var inner = ParseDefaultTerm();
            return t.IsOp("-") ? NegateLiteral(inner, t) : inner;
        }
        if (t.Kind == TokenKind.Identifier || (t.Kind == TokenKind.Keyword && Keywords.CanBeName(t.Text)))
        {
            Take();
            // An identifier after DEFAULT is a string (true/false are the exceptions SQLite makes).
            string text = t.Kind == TokenKind.Keyword ? Source(t) : t.Text;
            if (t.Quote == '\0' && text.Equals("true", StringComparison.OrdinalIgnoreCase)) return new LiteralExpr(SqlValue.FromInteger(1));
            if (t.Quote == '\0' && text.Equals("false", StringComparison.OrdinalIgnoreCase)) return new LiteralExpr(SqlValue.FromInteger(0));
            return new LiteralExpr(SqlValue.FromText(text));
        }
        _defaultLiteral = Peek();
        _defaultMinus = false;
        return ParseDefaultTerm();
    }

    /// <summary>random(), randomblob(), or a date and time function of 'now' (no time argument, or the text 'now',
    /// which date.c compares without case) anywhere in a bound expression.</summary>
    internal static bool ReadsClockOrRandom(Expr e) => e switch
    {
        ScalarFunctionExpr { Function: ScalarFunction.Random or ScalarFunction.RandomBlob } => true,
        ScalarFunctionExpr f when f.Function >= ScalarFunction.Date && (f.Function == ScalarFunction.StrFTime ? 1 : 0) is var at
            && (f.Args.Length <= at || f.Args[at] is LiteralExpr { Value.Type: SqlType.Text } l && string.Equals(l.Value.Text, "now", StringComparison.OrdinalIgnoreCase)) => true,
        _ => Expr.OperandsOf(e).Any(ReadsClockOrRandom),
    };

    private Expr ParseDefaultTerm()
    {
        var t = Peek();
        if (t.Kind is TokenKind.Integer or TokenKind.Float or TokenKind.String or TokenKind.Blob || t.Is("NULL")) return ParsePrimary();
        if (t.Is("CURRENT_TIME") || t.Is("CURRENT_DATE") || t.Is("CURRENT_TIMESTAMP")) throw Unsupported(t.Text);
        throw SyntaxError(t);
    }

    private static Expr NegateLiteral(Expr e, Token minus)
    {
        if (e is LiteralExpr l)
        {
            // The offset stays the operand's: SQLite's TK_UMINUS records none, so an error on it points past the minus.
            if (l.IsTwoToThe63) return new LiteralExpr(SqlValue.FromInteger(long.MinValue)) { Offset = l.Offset };
            if (l.Value.Type == SqlType.Integer)
                return new LiteralExpr(l.Value.Integer == long.MinValue ? SqlValue.FromReal(9.2233720368547758e18) : SqlValue.FromInteger(-l.Value.Integer)) { Offset = l.Offset };
            if (l.Value.Type == SqlType.Real) return new LiteralExpr(SqlValue.FromReal(-l.Value.Real)) { Offset = l.Offset };
        }
        return new UnaryExpr(UnaryOp.Negate, e) { Offset = minus.Start };
    }

    private Statement ParseDrop()
    {
        Take();
        var t = Peek();
        if (t.Is("INDEX"))
        {
            Take();
            bool ifExistsIndex = false;
            if (TryKeyword("IF")) { ExpectKeyword("EXISTS"); ifExistsIndex = true; }
            var (index, indexSchema) = ExpectTableName();
            return new DropIndexStatement { Name = index, Schema = indexSchema, IfExists = ifExistsIndex };
        }
        if (t.Is("VIEW") || t.Is("TRIGGER")) throw Unsupported("DROP " + t.Text);
        ExpectKeyword("TABLE");
        bool ifExists = false;
        if (TryKeyword("IF")) { ExpectKeyword("EXISTS"); ifExists = true; }
        var (name, schema) = ExpectTableName();
        return new DropTableStatement { Name = name, Schema = schema, IfExists = ifExists };
    }

    private Statement ParseInsert()
    {
        var first = Take();
        var conflict = ConflictAction.Abort;
        if (first.Is("REPLACE")) conflict = ConflictAction.Replace;
        else if (TryKeyword("OR"))
        {
            var c = Peek();
            if (c.Is("REPLACE")) conflict = ConflictAction.Replace;
            else if (c.Is("IGNORE")) conflict = ConflictAction.Ignore;
            else if (c.Is("ROLLBACK") || c.Is("ABORT") || c.Is("FAIL")) throw Unsupported("INSERT OR " + c.Text);
            else throw SyntaxError(c);
            Take();
        }
        ExpectKeyword("INTO");
        var (table, schema) = ExpectTableName();
        if (Peek().Is("AS")) throw Unsupported("INSERT ... AS alias");
        var stmt = new InsertStatement { Table = table, Schema = schema, Conflict = conflict };
        if (TryOp("("))
        {
            stmt.Columns = [];
            do
            {
                var nt = Peek();
                stmt.Columns.Add((ExpectName(), nt.Start - _start));
            } while (TryOp(","));
            ExpectOp(")");
        }
        var t = Peek();
        if (t.Is("VALUES"))
        {
            Take();
            do
            {
                ExpectOp("(");
                var row = new List<Expr>();
                do row.Add(ParseExprAt(row.Count == 0 ? 7 : 9)); while (TryOp(","));
                ExpectOp(")");
                stmt.Rows.Add(row);
            } while (TryOp(","));
        }
        else if (t.Is("DEFAULT"))
        {
            Take();
            ExpectKeyword("VALUES");
            if (stmt.Columns != null) throw SyntaxError(t);
            stmt.DefaultValues = true;
        }
        else if (t.Is("SELECT")) stmt.Select = ParseQuery();
        else if (t.Is("WITH")) { ParseWithSyntax(); if (!Peek().Is("SELECT") && !Peek().Is("VALUES")) throw SyntaxError(Peek()); stmt.Select = ParseQuery(); }
        else throw SyntaxError(t);
        if (stmt.Rows.Count > 0 && (Peek().Is("UNION") || Peek().Is("EXCEPT") || Peek().Is("INTERSECT")))
            throw Unsupported("VALUES in a compound SELECT");
        if (Peek().Is("ON") && stmt.Select != null) throw Unsupported("upsert (ON CONFLICT) on INSERT ... SELECT");
        if (Peek().Is("ON") && !stmt.DefaultValues)
        {
            if (conflict != ConflictAction.Abort) _deferredUnsupported ??= "INSERT OR " + (conflict == ConflictAction.Replace ? "REPLACE" : "IGNORE") + " with ON CONFLICT";
            stmt.Upserts = ParseUpserts();
        }
        stmt.Returning = ParseReturning();
        return stmt;
    }

    private Statement ParseUpdate()
    {
        Take();
        if (TryKeyword("OR")) throw Unsupported("UPDATE OR ...");
        var (table, schema) = ExpectTableName();
        if (Peek().Is("AS")) throw Unsupported("UPDATE ... AS alias");
        if (Peek().Is("INDEXED") || Peek().Is("NOT")) throw Unsupported("INDEXED BY");
        ExpectKeyword("SET");
        var stmt = new UpdateStatement { Table = table, Schema = schema };
        ParseSetList(stmt.Assignments);
        if (TryKeyword("FROM"))
        {
            _deferredUnsupported ??= "UPDATE ... FROM";
            ParseSelTabListSyntax();
        }
        if (TryKeyword("WHERE")) stmt.Where = ParseExprAt(7);
        stmt.Returning = ParseReturning();
        return stmt;
    }

    private Statement ParseDelete()
    {
        Take();
        ExpectKeyword("FROM");
        var (table, schema) = ExpectTableName();
        if (Peek().Is("AS")) throw Unsupported("DELETE ... AS alias");
        if (Peek().Is("INDEXED") || Peek().Is("NOT")) throw Unsupported("INDEXED BY");
        var stmt = new DeleteStatement { Table = table, Schema = schema };
        if (TryKeyword("WHERE")) stmt.Where = ParseExprAt(6);
        stmt.Returning = ParseReturning();
        return stmt;
    }

    /// <summary>parse.y's "returning ::= RETURNING selcollist": result columns as a SELECT writes them (*, t.*,
    /// expr [[AS] alias]); null when the statement has none. RETURNING is reserved, so it never ends up an alias.</summary>
    private List<ResultColumn>? ParseReturning()
    {
        if (!TryKeyword("RETURNING")) return null;
        var columns = new List<ResultColumn>();
        ParseResultColumns(columns);
        return columns;
    }

    /// <summary>parse.y's selcollist into <paramref name="columns"/>: *, t.*, or expr [[AS] alias], comma-separated.</summary>
    private void ParseResultColumns(List<ResultColumn> columns)
    {
        do
        {
            var t = Peek();
            if (t.IsOp("*")) { Take(); columns.Add(new ResultColumn()); continue; }
            int spanStart = t.Start;
            var e = ParseExprAt(columns.Count == 0 ? 4 : 5);
            if (e is QualifiedStarExpr qs)
            {
                columns.Add(new ResultColumn { StarQualifier = qs.Table, Offset = qs.Offset });
                continue;
            }
            var rc = new ResultColumn { Expression = e };
            int spanEnd = Peek().Start;
            if (TryKeyword("AS")) rc.Alias = ExpectName();
            else if ((IsNameToken(Peek()) || Peek().Kind == TokenKind.String) && !StartsWindowClause()) rc.Alias = ExpectName();
            rc.NameTooBig = rc.Alias != null ? EngineLimits.IsTooBig(rc.Alias) : SpanTooBig(spanStart, spanEnd);
            rc.Span = SpanText(spanStart, spanEnd);
            columns.Add(rc);
        } while (TryOp(","));
    }

    private SelectStatement ParseSelect()
    {
        Take();
        var stmt = new SelectStatement();
        if (TryKeyword("DISTINCT")) stmt.Distinct = true;
        else TryKeyword("ALL");
        ParseResultColumns(stmt.Columns);

        if (TryKeyword("FROM"))
        {
            var t = Peek();
            if (t.IsOp("("))
            {
                // A subquery or a parenthesized join list may follow; anything else is SQLite's syntax error.
                Take();
                var inner = Peek();
                if (!(inner.Is("SELECT") || inner.Is("WITH") || inner.Is("VALUES") || inner.IsOp("(") || IsNameToken(inner) || inner.Kind == TokenKind.String))
                    throw SyntaxError(inner);
                if (!inner.Is("SELECT") && !inner.Is("WITH") && !inner.Is("VALUES"))
                {
                    // "seltablist ::= stl_prefix LP seltablist RP as on_using": parsed for SQLite's syntax errors (in it
                    // or later in the statement), then refused once the statement has parsed.
                    ParseTableListSyntax();
                    ParseItemTailSyntax();
                    _deferredUnsupported ??= "parenthesized joins in FROM";
                }
                else
                {
                    if (inner.Is("VALUES")) _deferredUnsupported ??= "VALUES in FROM";
                    // "seltablist ::= stl_prefix LP select RP as": the subquery's symbols sit above those two.
                    stmt.FromQuery = ParseNestedSelectSyntax(2);
                    ExpectOp(")");
                    if (TryKeyword("AS")) stmt.FromAlias = ExpectName();
                    else if ((IsNameToken(Peek()) && !IsJoinWord(Peek()) || Peek().Kind == TokenKind.String) && !StartsWindowClause()) stmt.FromAlias = ExpectName();
                    var j = Peek();
                    if (j.Is("ON") || j.Is("USING")) throw Unsupported("subqueries in FROM joined with other tables");
                    if (j.IsOp(",") || IsJoinWord(j))
                    {
                        // Parsed for SQLite's syntax errors (in the rest of the list or later), then refused.
                        _deferredUnsupported ??= "subqueries in FROM joined with other tables";
                        if (!TryOp(",")) TakeJoinOperatorSyntax();
                        ParseSelTabListSyntax();
                    }
                }
            }
            else
            {
                (stmt.From, stmt.FromSchema) = ExpectTableName();
                stmt.FromIsCall = TryTableFunctionArguments();
                if (TryKeyword("AS")) stmt.FromAlias = ExpectName();
                else if ((IsNameToken(Peek()) || Peek().Kind == TokenKind.String) && !StartsWindowClause()) stmt.FromAlias = ExpectName();
            }
            var n = Peek();
            while (n.IsOp(",") || n.Is("JOIN") || n.Is("NATURAL") || n.Is("LEFT") || n.Is("CROSS") || n.Is("INNER")
                   || n.Is("RIGHT") || n.Is("FULL"))
            {
                stmt.Joins.Add(ParseJoin());
                n = Peek();
            }
            if (n.Is("INDEXED")) throw Unsupported("INDEXED BY");
            if (n.Is("NOT"))
            {
                Take();
                if (!Peek().Is("INDEXED")) throw SyntaxError(Peek());
                throw Unsupported("NOT INDEXED");
            }
            if (n.IsOp("(")) throw SyntaxError(n); // arguments after the alias: parse.y has no such rule
        }
        if (TryKeyword("WHERE")) stmt.Where = ParseExprAt(5);
        if (TryKeyword("GROUP"))
        {
            ExpectKeyword("BY");
            do stmt.GroupBy.Add(ParseExprAt(7)); while (TryOp(","));
        }
        if (TryKeyword("HAVING")) stmt.Having = ParseExprAt(7);
        if (StartsWindowClause()) ParseWindowClauseSyntax();
        if (TryKeyword("ORDER"))
        {
            ExpectKeyword("BY");
            do
            {
                var term = new OrderTerm { Expression = ParseExprAt(7) };
                ParseCollateSyntax();
                if (TryKeyword("DESC")) term.Descending = true; else TryKeyword("ASC");
                if (TryKeyword("NULLS"))
                {
                    if (TryKeyword("FIRST")) term.NullsFirst = true;
                    else { ExpectKeyword("LAST"); term.NullsFirst = false; }
                }
                stmt.OrderBy.Add(term);
            } while (TryOp(","));
        }
        if (TryKeyword("LIMIT"))
        {
            var first = ParseExprAt(7);
            if (TryKeyword("OFFSET")) { stmt.Limit = first; stmt.Offset = ParseExprAt(8); }
            else if (TryOp(",")) { stmt.Offset = first; stmt.Limit = ParseExprAt(8); }
            else stmt.Limit = first;
        }
        return stmt;
    }

    /// <summary>A SELECT or a compound of SELECTs joined by UNION [ALL], INTERSECT, EXCEPT (left to right, one
    /// precedence). Each SELECT parses with its own ORDER BY and LIMIT; the last one's belong to the compound, and
    /// one on an earlier SELECT is SQLite's error (reported when the statement is parsed).</summary>
    private QueryStatement ParseQuery()
    {
        var compound = new CompoundSelectStatement();
        AddCompoundTerm(compound, CompoundOp.UnionAll);
        int firstTerm = compound.Selects.Count; // more than one: a VALUES list
        if (firstTerm == 1 && !IsCompoundOperator(Peek())) return compound.Selects[0];
        while (IsCompoundOperator(Peek()))
        {
            var opToken = Take();
            var op = opToken.Is("UNION") ? (TryKeyword("ALL") ? CompoundOp.UnionAll : CompoundOp.Union)
                : opToken.Is("INTERSECT") ? CompoundOp.Intersect : CompoundOp.Except;
            var next = Peek();
            if (!next.Is("SELECT") && !next.Is("VALUES")) throw SyntaxError(next);
            AddCompoundTerm(compound, op);
        }
        var last = compound.Selects[^1];
        (compound.OrderBy, last.OrderBy) = (last.OrderBy, []);
        (compound.Limit, compound.Offset, last.Limit, last.Offset) = (last.Limit, last.Offset, null, null);
        // parserDoubleLinkSelect: from the right, the first SELECT before the last with ORDER BY or LIMIT.
        for (int i = compound.Selects.Count - 2; i >= 0; i--)
        {
            var s = compound.Selects[i];
            if (s.OrderBy.Count == 0 && s.Limit == null) continue;
            _compoundError = (s.OrderBy.Count > 0 ? "ORDER BY" : "LIMIT") + " clause should come after "
                + CompoundSelectStatement.OpName(compound.Ops[i]) + " not before";
            break;
        }
        // parserDoubleLinkSelect does not count a statement that is one VALUES list (SF_MultiValue).
        if (compound.Selects.Count > MaxCompoundSelect && compound.Selects.Count != firstTerm)
            _compoundError = "too many terms in compound SELECT";
        return compound;
    }

    /// <summary>A SELECT, or a VALUES list: each row a SELECT of its own (named column1, column2, ...), joined to the
    /// next by UNION ALL, as parse.y's multiValues builds it. <paramref name="op"/> joins the term to the one before.</summary>
    private void AddCompoundTerm(CompoundSelectStatement compound, CompoundOp op)
    {
        if (!Peek().Is("VALUES"))
        {
            if (compound.Selects.Count > 0) compound.Ops.Add(op);
            compound.Selects.Add(ParseSelect());
            return;
        }
        Take();
        var rows = new CompoundSelectStatement();
        do
        {
            ExpectOp("(");
            var row = new SelectStatement { Values = true };
            do row.Columns.Add(new ResultColumn { Expression = ParseExprAt(5), Alias = "column" + (row.Columns.Count + 1) });
            while (TryOp(","));
            ExpectOp(")");
            if (rows.Selects.Count > 0) rows.Ops.Add(CompoundOp.UnionAll);
            rows.Selects.Add(row);
        } while (TryOp(","));
        if (compound.Selects.Count == 0) { (compound.Selects, compound.Ops) = (rows.Selects, rows.Ops); return; }
        compound.Ops.Add(op);
        // Right of an operator, a list of rows is one term: SELECT * FROM (the rows), so EXCEPT VALUES (1), (2)
        // takes both away.
        compound.Selects.Add(rows.Selects.Count == 1 ? rows.Selects[0]
            : new SelectStatement { Columns = [new ResultColumn()], FromQuery = rows });
    }

    private static bool IsJoinWord(Token t) => t.Is("JOIN") || t.Is("NATURAL") || t.Is("LEFT") || t.Is("CROSS") || t.Is("INNER")
        || t.Is("RIGHT") || t.Is("FULL") || t.Is("OUTER");

    private static bool IsCompoundOperator(Token t) => t.Is("UNION") || t.Is("EXCEPT") || t.Is("INTERSECT");

    /// <summary>A query inside parentheses, already opened: its symbols sit above the enclosing expression's on
    /// SQLite's parser stack.</summary>
    private QueryStatement ParseNestedQuery(int above)
    {
        int savedBase = _base, savedDepth = _depth;
        _base = _depth + above;
        CheckStack(_base + 1);
        try { return ParseQuery(); }
        finally { _base = savedBase; _depth = savedDepth; }
    }

    /// <summary>One join operator and the table after it: [INNER | CROSS | LEFT [OUTER]] JOIN or ",", then
    /// ON expr or USING (columns), or NATURAL. RIGHT and FULL joins parse but are refused.</summary>
    private JoinClause ParseJoin()
    {
        var kind = JoinKind.Comma;
        bool natural = false;
        string? unsupported = null;
        if (!TryOp(","))
        {
            // SQLite's join operator: up to three words before JOIN, judged when the JOIN is reduced.
            var words = new List<Token>();
            while (!Peek().Is("JOIN"))
            {
                var w = Peek();
                if (words.Count == 3 || !(w.Is("NATURAL") || w.Is("LEFT") || w.Is("RIGHT") || w.Is("FULL") || w.Is("OUTER") || w.Is("INNER") || w.Is("CROSS")))
                    throw SyntaxError(w);
                words.Add(Take());
            }
            Take();
            string op = string.Join(" ", words.Select(w => w.Text));
            switch (op)
            {
                case "": case "INNER": kind = JoinKind.Inner; break;
                case "CROSS": kind = JoinKind.Cross; break;
                case "LEFT": case "LEFT OUTER": kind = JoinKind.Left; break;
                case "NATURAL": case "NATURAL INNER": natural = true; kind = JoinKind.Inner; break;
                case "NATURAL CROSS": natural = true; kind = JoinKind.Cross; break;
                case "NATURAL LEFT": case "NATURAL LEFT OUTER": natural = true; kind = JoinKind.Left; break;
                case "RIGHT": case "RIGHT OUTER": case "FULL": case "FULL OUTER": case "NATURAL RIGHT": case "NATURAL FULL":
                case "NATURAL RIGHT OUTER": case "NATURAL FULL OUTER":
                    unsupported = "RIGHT and FULL JOIN"; break;
                default:
                    throw new SqlParseException("unknown join type: " + string.Join(" ", words.Select(Source)), words[0].Start - _start);
            }
        }
        var t = Peek();
        if (t.IsOp("("))
        {
            // The rest of the list is parsed for SQLite's syntax errors (soak seed 21513: "FROM x1, lower (c), (5)"
            // is a syntax error at "5"), then the statement is refused; the tree it leaves is never run.
            _deferredUnsupported ??= "subqueries in FROM joined with other tables";
            ParseSelTabListSyntax();
            return new JoinClause { Kind = kind, Table = "", Natural = natural };
        }
        var (joined, schema) = ExpectTableName();
        var join = new JoinClause { Kind = kind, Table = joined, Schema = schema, Natural = natural };
        join.IsCall = TryTableFunctionArguments();
        if (TryKeyword("AS")) join.Alias = ExpectName();
        else if (Peek().Kind == TokenKind.String) join.Alias = ExpectName(); // parse.y's "as ::= ids": a string needs no AS
        else if (IsNameToken(Peek()) && !Peek().Is("LEFT") && !Peek().Is("CROSS") && !Peek().Is("INNER") && !Peek().Is("NATURAL")
                 && !Peek().Is("RIGHT") && !Peek().Is("FULL") && !Peek().Is("JOIN") && !Peek().Is("OUTER") && !StartsWindowClause()) join.Alias = ExpectName();
        if (Peek().Is("INDEXED") || Peek().Is("NOT")) throw Unsupported("INDEXED BY");
        if (natural && (Peek().Is("ON") || Peek().Is("USING")))
            throw new SqlParseException("a NATURAL join may not have an ON or USING clause");
        if (TryKeyword("ON")) join.On = ParseExprAt(7);
        else if (TryKeyword("USING"))
        {
            ExpectOp("(");
            join.Using = [];
            do join.Using.Add(ExpectName()); while (TryOp(","));
            ExpectOp(")");
        }
        if (unsupported != null) _deferredUnsupported ??= unsupported;
        return join;
    }

    /// <summary>A parenthesized table list after its "(", through its ")": parsed for its syntax only (FastDb refuses
    /// it).</summary>
    private void ParseTableListSyntax()
    {
        ParseSelTabListSyntax();
        ExpectOp(")");
    }

    /// <summary>parse.y's seltablist, for its syntax only: items (a name, a call, a subquery, a parenthesized list,
    /// each with an alias and ON or USING) joined by "," or a join operator, up to the first token that joins no
    /// more.</summary>
    private void ParseSelTabListSyntax()
    {
        while (true)
        {
            if (TryOp("("))
            {
                var inner = Peek();
                if (inner.Is("SELECT") || inner.Is("WITH") || inner.Is("VALUES"))
                {
                    ParseNestedQuery(2);
                    ExpectOp(")");
                }
                else ParseTableListSyntax();
            }
            else
            {
                ExpectName();
                if (TryOp(".")) ExpectName();
                TryTableFunctionArguments();
            }
            ParseItemTailSyntax();
            if (TryOp(",")) continue;
            if (!IsJoinWord(Peek())) return;
            TakeJoinOperatorSyntax();
        }
    }

    /// <summary>A join operator, for its syntax only: up to three join words, then JOIN.</summary>
    private void TakeJoinOperatorSyntax()
    {
        for (int words = 0; !Peek().Is("JOIN"); words++)
        {
            var w = Peek();
            if (words == 3 || !IsJoinWord(w)) throw SyntaxError(w);
            Take();
        }
        Take();
    }

    /// <summary>What may follow a FROM item, for its syntax only: [[AS] alias] [ON expr | USING (names)].</summary>
    private void ParseItemTailSyntax()
    {
        if (TryKeyword("AS")) ExpectName();
        else if (IsNameToken(Peek()) && !IsJoinWord(Peek()) && !Peek().Is("ON") && !Peek().Is("USING") && !StartsWindowClause()) ExpectName();
        if (TryKeyword("ON")) ParseExprAt(7);
        else if (TryKeyword("USING"))
        {
            if (!Peek().IsOp("(")) throw SyntaxError(Peek());
            SkipParenthesizedNames();
        }
    }

    /// <summary>A result column without AS is named by its text (sqlite3DbSpanDup: from its first token to the next
    /// token, whitespace trimmed); a name over the value limit fails prepare with TOOBIG.</summary>
    private bool SpanTooBig(int start, int end)
    {
        if (end - start <= EngineLimits.MaxValueBytes / 3) return false;
        var sql = _tokens.Sql;
        while (end > start && IsCSpace(sql[end - 1])) end--;
        return EngineLimits.IsTooBig(sql[start..end]);
    }

    /// <summary>The source text from a token to the next one, trailing blanks trimmed (how SQLite names a column).</summary>
    private string SpanText(int start, int end)
    {
        var sql = _tokens.Sql;
        while (end > start && IsCSpace(sql[end - 1])) end--;
        return sql[start..end];
    }

    private static bool IsCSpace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';

    // ---- expressions (precedence as parse.y) ----

    public Expr ParseExpr() => ParseOr();

    /// <summary>The right operand of a binary operator: the left operand and the operator sit on the stack.</summary>
    private Expr Right(Func<Expr> parse)
    {
        int saved = _depth;
        CheckStack(saved + 2);
        _depth = saved + 2;
        try { return parse(); }
        finally { _depth = saved; }
    }

    /// <summary>The operand of a prefix operator (one symbol on the stack).</summary>
    private Expr Operand(Func<Expr> parse)
    {
        int saved = _depth;
        CheckStack(saved + 1);
        _depth = saved + 1;
        try { return parse(); }
        finally { _depth = saved; }
    }

    private Expr ParseOr()
    {
        var left = ParseAnd();
        while (Peek().Is("OR")) { var t = Take(); left = Checked(new BinaryExpr(BinaryOp.Or, left, Right(ParseAnd)) { Offset = t.Start }); }
        return left;
    }

    private Expr ParseAnd()
    {
        var left = ParseNot();
        while (Peek().Is("AND"))
        {
            var t = Take();
            var right = Right(ParseNot);
            // sqlite3ExprAnd: when either side is a literal 0 (EP_IsFalse, parenthesized or itself folded), parse.y
            // builds the literal 0 instead, and the other side is never resolved: no name errors, no aggregate, and
            // no columns it reads (soak seed 23706: a covering index scan under "0 AND d AND c").
            left = left is LiteralExpr { IsFalseToken: true } || right is LiteralExpr { IsFalseToken: true }
                ? new LiteralExpr(SqlValue.FromInteger(0)) { Offset = left.Offset, IsFalseToken = true }
                : Checked(new BinaryExpr(BinaryOp.And, left, right) { Offset = t.Start });
        }
        return left;
    }

    private Expr ParseNot()
    {
        if (Peek().Is("NOT")) { var t = Take(); return Checked(new UnaryExpr(UnaryOp.Not, Operand(ParseNot)) { Offset = t.Start }); }
        return ParseEquality();
    }

    private Expr ParseEquality()
    {
        var left = ParseRelational();
        while (true)
        {
            var t = Peek();
            if (t.IsOp("=")) { Take(); left = Checked(new BinaryExpr(BinaryOp.Equal, left, Right(() => ParseRelational()))); continue; }
            if (t.IsOp("!=") || t.IsOp("<>")) { Take(); left = Checked(new BinaryExpr(BinaryOp.NotEqual, left, Right(() => ParseRelational()))); continue; }
            if (t.Is("ISNULL")) { Take(); left = ParseRelational(Checked(new IsNullExpr(left, false))); continue; }
            if (t.Is("NOTNULL")) { Take(); left = ParseRelational(Checked(new IsNullExpr(left, true))); continue; }
            if (t.Is("IS"))
            {
                Take();
                bool not = TryKeyword("NOT");
                // parse.y: "expr IS NOT DISTINCT FROM expr" is TK_IS, "expr IS DISTINCT FROM expr" TK_ISNOT.
                if (TryKeyword("DISTINCT")) { ExpectKeyword("FROM"); not = !not; }
                var right = Right(() => ParseRelational());
                left = right is LiteralExpr { Value.IsNull: true } ? new IsNullExpr(left, not) : new BinaryExpr(not ? BinaryOp.IsNot : BinaryOp.Is, left, right);
                continue;
            }
            bool negated = false;
            if (t.Is("NOT"))
            {
                Take();
                var n = Peek();
                if (n.Is("NULL")) { Take(); left = ParseRelational(Checked(new IsNullExpr(left, true))); continue; }
                if (!(n.Is("IN") || n.Is("LIKE") || n.Is("GLOB") || n.Is("BETWEEN") || n.Is("MATCH") || n.Is("REGEXP"))) throw SyntaxError(n);
                negated = true;
                t = n;
            }
            if (t.Is("BETWEEN"))
            {
                Take();
                var low = Right(() => ParseRelational());
                ExpectKeyword("AND");
                var high = Right(() => ParseRelational());
                left = Checked(new BetweenExpr(left, low, high, negated));
                continue;
            }
            if (t.Is("IN"))
            {
                Take();
                left = ParseRelational(Checked(ParseInList(left, negated)));
                continue;
            }
            if (t.Is("LIKE") || t.Is("GLOB"))
            {
                Take();
                var pattern = Right(() => ParseRelational());
                Expr? escape = null;
                if (TryKeyword("ESCAPE")) escape = Right(() => ParseRelational());
                left = Checked(new LikeExpr(left, pattern, escape, t.Is("GLOB"), negated) { Offset = t.Start - _start, OperatorName = Source(t) });
                continue;
            }
            if (t.Is("MATCH") || t.Is("REGEXP")) throw Unsupported(t.Text);
            if (negated) throw SyntaxError(t);
            return left;
        }
    }

    /// <summary>The list of <c>x IN (...)</c>; a subquery or a table name there is not supported yet.</summary>
    private Expr ParseInList(Expr left, bool negated)
    {
        var open = Peek();
        if (!open.IsOp("("))
        {
            if (IsNameToken(open) || open.Kind == TokenKind.String) { ExpectName(); _deferredUnsupported ??= "IN table"; return new InListExpr(left, [], negated); }
            throw SyntaxError(open);
        }
        Take();
        if (Peek().Is("WITH") || Peek().Is("VALUES")) _deferredUnsupported ??= "WITH or VALUES in a subquery";
        if (Peek().Is("SELECT") || Peek().Is("WITH") || Peek().Is("VALUES"))
        {
            var query = ParseNestedSelectSyntax(2);
            CheckStack(_depth + 3);
            ExpectOp(")");
            if (left is RowValueExpr) _deferredUnsupported ??= "row values";
            return new SubqueryExpr(SubqueryKind.In, query, left, negated) { Offset = open.Start - _start };
        }
        var items = new List<Expr>();
        if (!Peek().IsOp(")"))
            do items.Add(ParseExprAt(_depth + 3)); while (TryOp(","));
        CheckStack(_depth + 3);
        ExpectOp(")");
        // A vector item beside a scalar left side is SQLite's "row value misused" (RowValueExpr.Bind says so).
        if (left is RowValueExpr) _deferredUnsupported ??= "row values";
        // parse.y rewrites two forms at once: "x IN ()" is the constant 0 (x is never looked at, not even bound),
        // and "x IN (constant)" is "x = +constant", an ordinary equality the planner can use.
        if (items.Count == 0) return new LiteralExpr(SqlValue.FromInteger(negated ? 1 : 0));
        if (items.Count == 1 && left is not RowValueExpr && IsParseTimeConstant(items[0]))
        {
            Expr eq = new BinaryExpr(BinaryOp.Equal, left, new UnaryExpr(UnaryOp.Plus, items[0]));
            return negated ? new UnaryExpr(UnaryOp.Not, eq) : eq;
        }
        return new InListExpr(left, items, negated);
    }

    /// <summary>Each level may start from <paramref name="seed"/>: a complete postfix construct (<c>x IN (...)</c>,
    /// <c>x ISNULL</c>) that, as in SQLite's LALR grammar, can be the left operand of any tighter operator.</summary>
    /// <summary>sqlite3ExprIsConstant before names are resolved: no names (but the words true/false), no functions.</summary>
    private static bool IsParseTimeConstant(Expr e) => e switch
    {
        LiteralExpr => true,
        NameExpr { Qualifier: null, DoubleQuoted: false } n => n.Name.Equals("true", StringComparison.OrdinalIgnoreCase) || n.Name.Equals("false", StringComparison.OrdinalIgnoreCase),
        UnaryExpr u => IsParseTimeConstant(u.Operand),
        BinaryExpr b => IsParseTimeConstant(b.Left) && IsParseTimeConstant(b.Right),
        IsNullExpr n => IsParseTimeConstant(n.Operand),
        IHasChildren h => h.Children.All(IsParseTimeConstant),
        _ => false,
    };

    private Expr ParseRelational(Expr? seed = null)
    {
        var left = ParseBitwise(seed);
        while (true)
        {
            var t = Peek();
            BinaryOp op;
            if (t.IsOp("<")) op = BinaryOp.Less;
            else if (t.IsOp("<=")) op = BinaryOp.LessEqual;
            else if (t.IsOp(">")) op = BinaryOp.Greater;
            else if (t.IsOp(">=")) op = BinaryOp.GreaterEqual;
            else return left;
            Take();
            left = Checked(new BinaryExpr(op, left, Right(() => ParseBitwise())));
        }
    }

    private Expr ParseBitwise(Expr? seed = null)
    {
        var left = ParseAdditive(seed);
        while (true)
        {
            var t = Peek();
            BinaryOp op;
            if (t.IsOp("&")) op = BinaryOp.BitAnd;
            else if (t.IsOp("|")) op = BinaryOp.BitOr;
            else if (t.IsOp("<<")) op = BinaryOp.ShiftLeft;
            else if (t.IsOp(">>")) op = BinaryOp.ShiftRight;
            else return left;
            Take();
            left = Checked(new BinaryExpr(op, left, Right(() => ParseAdditive())));
        }
    }

    private Expr ParseAdditive(Expr? seed = null)
    {
        var left = ParseMultiplicative(seed);
        while (true)
        {
            var t = Peek();
            if (t.IsOp("+")) { Take(); left = Checked(new BinaryExpr(BinaryOp.Add, left, Right(() => ParseMultiplicative()))); }
            else if (t.IsOp("-")) { Take(); left = Checked(new BinaryExpr(BinaryOp.Subtract, left, Right(() => ParseMultiplicative()))); }
            else return left;
        }
    }

    private Expr ParseMultiplicative(Expr? seed = null)
    {
        var left = ParseConcat(seed);
        while (true)
        {
            var t = Peek();
            BinaryOp op;
            if (t.IsOp("*")) op = BinaryOp.Multiply;
            else if (t.IsOp("/")) op = BinaryOp.Divide;
            else if (t.IsOp("%")) op = BinaryOp.Remainder;
            else return left;
            Take();
            left = Checked(new BinaryExpr(op, left, Right(() => ParseConcat())));
        }
    }

    private Expr ParseConcat(Expr? seed = null)
    {
        var left = ParseCollate(seed);
        while (true)
        {
            var t = Peek();
            if (t.IsOp("||")) { Take(); left = Checked(new BinaryExpr(BinaryOp.Concat, left, Right(() => ParseCollate()))); continue; }
            // parse.y's "%left CONCAT PTR": X -> Y and X ->> Y are the two-argument functions "->" and "->>".
            if (t.IsOp("->") || t.IsOp("->>"))
            {
                Take();
                var right = Right(() => ParseCollate());
                left = Checked(new FunctionCallExpr(t.Text, [left, right], false, false, t.Start - _start));
                continue;
            }
            return left;
        }
    }

    private Expr ParseCollate(Expr? seed = null)
    {
        var e = seed ?? ParseUnary();
        ParseCollateSyntax();
        return e;
    }

    private Expr ParseUnary()
    {
        var t = Peek();
        if (t.IsOp("-"))
        {
            Take();
            var operand = Operand(ParseUnary);
            return Checked(NegateLiteral(operand, t));
        }
        if (t.IsOp("+")) { Take(); return Checked(new UnaryExpr(UnaryOp.Plus, Operand(ParseUnary)) { Offset = t.Start }); }
        if (t.IsOp("~")) { Take(); return Checked(new UnaryExpr(UnaryOp.BitNot, Operand(ParseUnary)) { Offset = t.Start }); }
        if (t.Is("NOT")) { Take(); return Checked(new UnaryExpr(UnaryOp.Not, Operand(ParseNot)) { Offset = t.Start }); }
        return ParsePrimary();
    }

    private Expr ParsePrimary()
    {
        var t = Peek();
        CheckStack(_depth + 1);
        switch (t.Kind)
        {
            case TokenKind.Integer:
                Take();
            {
                var value = IntegerLiteral(t);
                // EP_IsFalse: sqlite3GetInt32 reads 0 exactly where the literal's value is the integer 0 (leading
                // zeros skipped; IntegerLiteral refuses hex of over 16 digits), so the token needs no second parse.
                return new LiteralExpr(value)
                {
                    Offset = t.Start - _start, IsTwoToThe63 = t.Text == "9223372036854775808",
                    IsFalseToken = value.Type == SqlType.Integer && value.Integer == 0,
                };
            }
            case TokenKind.Float:
                Take();
                return new LiteralExpr(SqlValue.FromReal(NumericText.PrefixToReal(t.Text))) { Offset = t.Start - _start };
            case TokenKind.String:
                Take();
                // OP_String8 checks the length when it runs: a literal over the limit fails only if evaluated.
                if (EngineLimits.IsTooBig(t.Text)) return new TooBigLiteralExpr { Offset = t.Start - _start };
                return new LiteralExpr(SqlValue.FromText(t.Text)) { Offset = t.Start - _start };
            case TokenKind.Blob:
                Take();
                return new LiteralExpr(SqlValue.FromBlob(BlobText.FromHex(Source(t).AsSpan(2, t.Length - 3)))) { Offset = t.Start - _start };
            case TokenKind.Variable: throw Unsupported("parameters (" + t.Text + ")");
            case TokenKind.Operator when t.Text == "(":
            {
                Take();
                if (Peek().Is("WITH") || Peek().Is("VALUES")) _deferredUnsupported ??= "WITH or VALUES in a subquery";
                if (Peek().Is("SELECT") || Peek().Is("WITH") || Peek().Is("VALUES"))
                {
                    var query = ParseNestedSelectSyntax(1);
                    ExpectOp(")");
                    return new SubqueryExpr(SubqueryKind.Scalar, query, null, false) { Offset = t.Start - _start };
                }
                var e = ParseExprAt(_depth + 1);
                if (Peek().IsOp(","))
                {
                    // A row value: parsed so later syntax errors still win; its names are resolved, then it is
                    // SQLite's "row value misused" or, where SQLite accepts it, refused (RowValueExpr).
                    var items = new List<Expr> { e };
                    while (TryOp(",")) items.Add(ParseExprAt(_depth + 3));
                    CheckStack(_depth + 3);
                    ExpectOp(")");
                    return new RowValueExpr(items) { Offset = t.Start - _start };
                }
                CheckStack(_depth + 3);
                ExpectOp(")");
                return e;
            }
            case TokenKind.Keyword:
                if (t.Is("NULL")) { Take(); return new LiteralExpr(SqlValue.Null) { Offset = t.Start - _start }; }
                if (t.Is("CASE")) return ParseCase();
                if (t.Is("CAST")) return ParseCast();
                if (t.Is("EXISTS"))
                {
                    Take();
                    ExpectOp("(");
                    if (Peek().Is("WITH") || Peek().Is("VALUES")) _deferredUnsupported ??= "WITH or VALUES in a subquery";
                    var query = ParseNestedSelectSyntax(2);
                    ExpectOp(")");
                    return new SubqueryExpr(SubqueryKind.Exists, query, null, false) { Offset = t.Start - _start };
                }
                if (t.Is("RAISE")) return ParseRaiseSyntax();
                // A SELECT is an operand only inside parentheses; bare (say after "1 +" whose line a "--" comment
                // ended) it is sqlite3's syntax error.
                if (t.Is("SELECT")) throw SyntaxError(t);
                if (t.Is("CURRENT_TIME") || t.Is("CURRENT_DATE") || t.Is("CURRENT_TIMESTAMP"))
                {
                    // parse.y's CTIME_KW: a call of ctimeFunc, cdateFunc or ctimestampFunc, which are time('now'),
                    // date('now') and datetime('now'); 'now' is the log entry's fixed time (EngineClock.cs).
                    Take();
                    string function = t.Is("CURRENT_TIME") ? "time" : t.Is("CURRENT_DATE") ? "date" : "datetime";
                    return Checked(new FunctionCallExpr(function, [new LiteralExpr(SqlValue.FromText("now"))], false, false, t.Start - _start));
                }
                if (!Keywords.CanBeName(t.Text)) throw SyntaxError(t);
                return ParseNameOrCall();
            case TokenKind.Identifier:
                return ParseNameOrCall();
        }
        throw SyntaxError(t);
    }

    private Expr ParseCase()
    {
        var caseToken = Take();
        Expr? @base = null;
        if (!Peek().Is("WHEN")) @base = ParseExprAt(_depth + 1);
        var arms = new List<(Expr, Expr)>();
        while (TryKeyword("WHEN"))
        {
            var when = ParseExprAt(_depth + 2);
            ExpectKeyword("THEN");
            arms.Add((when, ParseExprAt(_depth + 2)));
        }
        if (arms.Count == 0) throw SyntaxError(Peek());
        Expr? otherwise = null;
        if (TryKeyword("ELSE")) otherwise = ParseExprAt(_depth + 2);
        ExpectKeyword("END");
        return Checked(new CaseExpr(@base, arms, otherwise) { Offset = caseToken.Start - _start });
    }

    /// <summary>
    /// SQLite's typetoken, as in a column definition or CAST: zero or more name words, optionally (n) or (n, m).
    /// Returns its source text, or null when there is none.
    /// </summary>
    private string? ParseTypeName()
    {
        int typeStart = -1, typeEnd = -1;
        while (true)
        {
            var t = Peek();
            if (!(t.Kind == TokenKind.Identifier || t.Kind == TokenKind.String || (t.Kind == TokenKind.Keyword && Keywords.CanBeName(t.Text)))) break;
            Take();
            if (typeStart < 0) typeStart = t.Start;
            typeEnd = t.Start + t.Length;
        }
        if (typeStart >= 0 && Peek().IsOp("("))
        {
            Take();
            ParseSignedNumber();
            if (TryOp(",")) ParseSignedNumber();
            var close = Peek();
            ExpectOp(")");
            typeEnd = close.Start + 1;
        }
        return typeStart < 0 ? null : _tokens.Sql[typeStart..typeEnd];
    }

    private Expr ParseCast()
    {
        var castToken = Take();
        ExpectOp("(");
        var operand = ParseExprAt(_depth + 2);
        ExpectKeyword("AS");
        var declared = ParseTypeName();
        ExpectOp(")");
        // sqlite3AffinityType: a CAST with no type name is NUMERIC (only a column without one is BLOB).
        var affinity = declared is null ? Affinity.Numeric : AffinityRules.FromDeclaredType(declared);
        return Checked(new CastExpr(operand, affinity) { Offset = castToken.Start - _start });
    }

    private Expr ParseNameOrCall()
    {
        var t = Take();
        string name = t.Kind == TokenKind.Keyword ? Source(t) : t.Text;
        int offset = t.Start - _start;
        if (Peek().IsOp("("))
        {
            Take();
            var args = new List<Expr>();
            bool star = false, distinct = false;
            if (TryOp("*")) star = true;
            else if (!Peek().IsOp(")"))
            {
                if (TryKeyword("DISTINCT")) distinct = true; else TryKeyword("ALL");
                do args.Add(ParseExprAt(_depth + (args.Count == 0 ? 3 : 5))); while (TryOp(","));
            }
            CheckStack(_depth + 5);
            ExpectOp(")");
            if (Peek().Is("FILTER")) throw Unsupported("FILTER");
            if (StartsOverClause()) ParseOverSyntax();
            // SQLITE_MAX_FUNCTION_ARG: sqlite3ExprFunction's "too many arguments on function", which a later syntax
            // error of the statement replaces; refused rather than modelled.
            if (args.Count > 127) throw Unsupported("a function call with more than 127 arguments");
            return Checked(new FunctionCallExpr(name, args, star, distinct, offset));
        }
        if (Peek().IsOp("."))
        {
            // Keep "x.*" for the result-column parser; otherwise a qualified column.
            Take();
            var n = Peek();
            if (n.IsOp("*")) { Take(); return new QualifiedStarExpr(name) { Offset = offset }; }
            string col = ExpectName(false);
            if (Peek().IsOp(".")) throw Unsupported("schema-qualified names");
            return new NameExpr(col, name, false) { Offset = offset };
        }
        return new NameExpr(name, null, t.Quote == '"') { Offset = offset };
    }

    private static SqlValue IntegerLiteral(Token t)
    {
        string s = t.Text;
        if (s.Length > 2 && (s[1] == 'x' || s[1] == 'X'))
        {
            if (s.Length - 2 > 16) throw new SqlParseException("hex literal too big: " + s);
            return SqlValue.FromInteger(unchecked((long)Convert.ToUInt64(s[2..], 16)));
        }
        if (long.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long v))
            return SqlValue.FromInteger(v);
        return SqlValue.FromReal(NumericText.PrefixToReal(s));
    }
}
