using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Syntax;

/// <summary>
/// Statements and clauses FastDb does not run, parsed by parse.y's rules before they are refused: WITH, EXPLAIN,
/// CREATE VIEW, PRAGMA, VACUUM, ANALYZE, REINDEX, ATTACH, DETACH, window functions (OVER, WINDOW) and VALUES in a
/// subquery. Their syntax errors ("near "SELEC": syntax error", "incomplete input" at the end of the input) come
/// first, as sqlite3 reports them; a statement that parses whole is refused by name (the deferred refusal that
/// <see cref="ParseStatement"/> throws once the statement is read). The trees built meanwhile are never run.
/// </summary>
public sealed partial class Parser
{
    /// <summary>"nm [, nm]...": names a refused construct lists (columns, CTE columns), read for their syntax only.</summary>
    private void SkipNames()
    {
        do ExpectName(); while (TryOp(","));
    }

    /// <summary>parse.y's "eidlist_opt": nothing, or "(" names ")".</summary>
    private void SkipParenthesizedNames()
    {
        if (!TryOp("(")) return;
        SkipNames();
        ExpectOp(")");
    }

    /// <summary>The parser stack symbols under a CTE's select: wqlist, nm, eidlist_opt, AS, materialized and "(".</summary>
    private const int CteSymbols = 5;

    /// <summary>"with ::= WITH [RECURSIVE] wqlist": each "nm [(eidlist)] AS [[NOT] MATERIALIZED] (select)".</summary>
    private void ParseWithSyntax()
    {
        ExpectKeyword("WITH");
        _deferredUnsupported ??= "WITH (common table expressions)";
        TryKeyword("RECURSIVE");
        do
        {
            ExpectName();
            SkipParenthesizedNames();
            ExpectKeyword("AS");
            if (TryKeyword("NOT")) ExpectKeyword("MATERIALIZED");
            else TryKeyword("MATERIALIZED");
            ExpectOp("(");
            ParseNestedSelectSyntax(CteSymbols);
            ExpectOp(")");
        } while (TryOp(","));
    }

    /// <summary>A select inside parentheses already opened, which may begin with its own WITH. A WITH's symbols
    /// stay on SQLite's parser stack under its CTEs' selects, so nesting them overflows it (sqlite3 3.40.1: 18
    /// nested "WITH a AS (" parse, 19 are "parser stack overflow"); the count also keeps FastDb's own recursion
    /// bounded.</summary>
    private QueryStatement ParseNestedSelectSyntax(int above)
    {
        if (!Peek().Is("WITH"))
        {
            if (!Peek().Is("SELECT") && !Peek().Is("VALUES")) throw SyntaxError(Peek());
            return ParseNestedQuery(above);
        }
        int savedBase = _base, savedDepth = _depth;
        _base = _depth + above;
        _depth = _base;
        CheckStack(_base + 1);
        try
        {
            ParseWithSyntax();
            if (!Peek().Is("SELECT") && !Peek().Is("VALUES")) throw SyntaxError(Peek());
            return ParseNestedQuery(0);
        }
        finally { _base = savedBase; _depth = savedDepth; }
    }

    /// <summary>A statement that begins with WITH: a query, INSERT/REPLACE, UPDATE or DELETE after the CTEs.</summary>
    private Statement ParseWithStatement()
    {
        ParseWithSyntax();
        var t = Peek();
        if (t.Is("SELECT") || t.Is("VALUES")) return ParseQuery();
        if (t.Is("INSERT") || t.Is("REPLACE")) return ParseInsert();
        if (t.Is("UPDATE")) return ParseUpdate();
        if (t.Is("DELETE")) return ParseDelete();
        throw SyntaxError(t);
    }

    /// <summary>"ecmd ::= explain cmdx SEMI", explain being EXPLAIN or EXPLAIN QUERY PLAN: the command it explains.</summary>
    private Statement? ParseExplain()
    {
        ExpectKeyword("EXPLAIN");
        if (TryKeyword("QUERY")) ExpectKeyword("PLAN");
        _deferredUnsupported ??= "EXPLAIN";
        var t = Peek();
        if (t.Is("EXPLAIN") || t.Kind is TokenKind.Semicolon or TokenKind.End) throw SyntaxError(t);
        return ParseCommand(t);
    }

    /// <summary>"cmd ::= createkw temp VIEW ifnotexists nm dbnm eidlist_opt AS select", after CREATE.</summary>
    private Statement ParseCreateViewSyntax()
    {
        ExpectKeyword("VIEW");
        _deferredUnsupported ??= "CREATE VIEW";
        if (TryKeyword("IF")) { ExpectKeyword("NOT"); ExpectKeyword("EXISTS"); }
        ExpectName();
        if (TryOp(".")) ExpectName();
        SkipParenthesizedNames();
        ExpectKeyword("AS");
        if (Peek().Is("WITH")) ParseWithSyntax();
        var t = Peek();
        if (!t.Is("SELECT") && !t.Is("VALUES")) throw SyntaxError(t);
        return ParseQuery();
    }

    /// <summary>
    /// "cmd ::= createkw trigger_decl BEGIN trigger_cmd_list END", after CREATE: "TRIGGER [IF NOT EXISTS] nm dbnm
    /// [BEFORE | AFTER | INSTEAD OF] (DELETE | INSERT | UPDATE [OF names]) ON fullname [FOR EACH ROW] [WHEN expr]",
    /// then one or more UPDATE, INSERT/REPLACE, DELETE or SELECT commands, each ended by ";". Returns null: refused
    /// once the statement's end is seen.
    /// </summary>
    private Statement? ParseCreateTriggerSyntax()
    {
        ExpectKeyword("TRIGGER");
        _deferredUnsupported ??= "CREATE TRIGGER";
        if (TryKeyword("IF")) { ExpectKeyword("NOT"); ExpectKeyword("EXISTS"); }
        ExpectName();
        if (TryOp(".")) ExpectName();
        if (!TryKeyword("BEFORE") && !TryKeyword("AFTER") && TryKeyword("INSTEAD")) ExpectKeyword("OF");
        if (TryKeyword("UPDATE"))
        {
            if (TryKeyword("OF")) SkipNames();
        }
        else if (!TryKeyword("DELETE") && !TryKeyword("INSERT")) throw SyntaxError(Peek());
        ExpectKeyword("ON");
        ExpectName();
        if (TryOp(".")) ExpectName();
        if (TryKeyword("FOR")) { ExpectKeyword("EACH"); ExpectKeyword("ROW"); }
        if (TryKeyword("WHEN")) ParseExprAt(5);
        ExpectKeyword("BEGIN");
        do
        {
            var t = Peek();
            if (!(t.Is("UPDATE") || t.Is("INSERT") || t.Is("REPLACE") || t.Is("DELETE") || t.Is("SELECT") || t.Is("VALUES") || t.Is("WITH")))
                throw SyntaxError(t);
            ParseCommand(t);
            if (Peek().Kind != TokenKind.Semicolon) throw SyntaxError(Peek());
            Take();
        } while (!Peek().Is("END"));
        Take();
        return null;
    }

    /// <summary>"expr ::= RAISE LP IGNORE RP | RAISE LP (ROLLBACK | ABORT | FAIL) COMMA nm RP": a trigger program's,
    /// refused once the statement is read.</summary>
    private Expr ParseRaiseSyntax()
    {
        var t = Take();
        _raises++;
        ExpectOp("(");
        if (!TryKeyword("IGNORE"))
        {
            var kind = Peek();
            if (!(kind.Is("ROLLBACK") || kind.Is("ABORT") || kind.Is("FAIL"))) throw SyntaxError(kind);
            Take();
            ExpectOp(",");
            ExpectName();
        }
        ExpectOp(")");
        return new RaiseExpr { Offset = t.Start - _start };
    }

    /// <summary>RAISE() calls parsed in the statement (outside CREATE TRIGGER's body, which is refused anyway).</summary>
    private int _raises;

    /// <summary>Outside a trigger sqlite3 fails a RAISE() only when it codes it. FastDb vouches for that where the
    /// RAISE is a whole result column or WHERE of a plain SELECT, a VALUES term of an INSERT, or a SET value or WHERE
    /// of an UPDATE or DELETE (none with RETURNING or upsert, whose code is generated apart). Anywhere else (under
    /// AND, whose constant-false operand sqlite3ExprAnd folds away with the RAISE, in a subquery the flattener may
    /// drop, IN (), ...) it is refused by name.</summary>
    private void JudgeRaises(Statement? statement)
    {
        if (_raises == 0 || statement == null) return;
        int vouched = statement switch
        {
            SelectStatement { Values: false } s => s.Columns.Count(c => c.Expression is RaiseExpr) + (s.Where is RaiseExpr ? 1 : 0),
            InsertStatement { Upserts: null, Returning: null, Select: null } i => i.Rows.Sum(r => r.Count(e => e is RaiseExpr)),
            UpdateStatement { Returning: null } u => u.Assignments.Count(a => a.Value is RaiseExpr) + (u.Where is RaiseExpr ? 1 : 0),
            DeleteStatement { Returning: null } d => d.Where is RaiseExpr ? 1 : 0,
            _ => 0,
        };
        if (vouched == _raises) statement.RaisesOutsideTrigger = true;
        else _deferredUnsupported ??= "RAISE other than as a whole result column, WHERE, VALUES term or SET value";
    }

    /// <summary>"COLLATE ids", repeated: refused once the statement is read (FastDb compares as BINARY only).</summary>
    private void ParseCollateSyntax()
    {
        while (TryKeyword("COLLATE"))
        {
            ExpectName();
            _deferredUnsupported ??= "COLLATE";
        }
    }

    /// <summary>"CHECK LP expr RP", CHECK already read: added to <paramref name="stmt"/>'s checks under the
    /// CONSTRAINT name in force (<see cref="_constraintName"/>), else its text.</summary>
    private void ParseCheck(CreateTableStatement stmt)
    {
        var open = Peek();
        ExpectOp("(");
        var e = ParseExprAt(5);
        var close = Peek();
        ExpectOp(")");
        stmt.Checks.Add(new CheckConstraint(e, _constraintName ?? SqliteDequote(_tokens.Sql[(open.Start + 1)..close.Start].Trim(SqliteSpaces))));
    }

    /// <summary>sqlite3Dequote, which sqlite3ExprListSetName applies to a CHECK's text too: text that starts with a
    /// quote (', ", ` or [) becomes what that quote encloses, a doubled quote one, the rest dropped (so CHECK ("y" > 0)
    /// fails as "y"); any other text stays.</summary>
    private static string SqliteDequote(string text)
    {
        if (text.Length == 0 || text[0] is not ('\'' or '"' or '`' or '[')) return text;
        char close = text[0] == '[' ? ']' : text[0];
        var sb = new System.Text.StringBuilder();
        for (int i = 1; i < text.Length; i++)
        {
            if (text[i] == close)
            {
                if (i + 1 < text.Length && text[i + 1] == close) { sb.Append(close); i++; }
                else break;
            }
            else sb.Append(text[i]);
        }
        return sb.ToString();
    }

    /// <summary>
    /// The utility commands, by parse.y: "PRAGMA nm dbnm [= nmnum | (nmnum)]" (nmnum a signed number, a name, ON,
    /// DELETE or DEFAULT), "VACUUM [nm] [INTO expr]", "ANALYZE [nm dbnm]", "REINDEX [nm dbnm]", "ATTACH [DATABASE]
    /// expr AS expr [KEY expr]" and "DETACH [DATABASE] expr". Returns null: the refusal is thrown once the
    /// statement's end is seen.
    /// </summary>
    private Statement? ParseUtilitySyntax()
    {
        var t = Take();
        if (t.Text == "PRAGMA") return ParsePragma();
        _deferredUnsupported ??= t.Text;
        switch (t.Text)
        {
            case "VACUUM":
                if (IsNameToken(Peek()) && !Peek().Is("INTO") || Peek().Kind == TokenKind.String) ExpectName();
                if (TryKeyword("INTO")) ParseExprAt(5);
                break;
            case "ANALYZE":
            case "REINDEX":
                if (IsNameToken(Peek()) || Peek().Kind == TokenKind.String) { ExpectName(); if (TryOp(".")) ExpectName(); }
                break;
            case "ATTACH":
                TryKeyword("DATABASE");
                ParseExprAt(5);
                ExpectKeyword("AS");
                ParseExprAt(5);
                if (TryKeyword("KEY")) ParseExprAt(5);
                break;
            case "DETACH":
                TryKeyword("DATABASE");
                ParseExprAt(5);
                break;
        }
        return null;
    }

    /// <summary>"PRAGMA nm dbnm [= nmnum | (nmnum) | = minus_num | (minus_num)]": table_info, index_list, index_info
    /// and index_xinfo run (sqlite3Pragma,
    /// once the command is reduced: sqlite3TwoPartName's "unknown database" comes after the syntax errors); any
    /// other pragma is refused by name.</summary>
    private Statement? ParsePragma()
    {
        var (nameToken, name, schemaToken) = ExpectTwoPartName();
        string? value = null;
        if (TryOp("=")) value = ParsePragmaValue();
        else if (TryOp("(")) { value = ParsePragmaValue(); ExpectOp(")"); }
        // sqlite3StrICmp folds ASCII letters only.
        PragmaKind? kind = (name.All(char.IsAscii) ? name.ToLowerInvariant() : "") switch
        {
            "table_info" => PragmaKind.TableInfo,
            "index_list" => PragmaKind.IndexList,
            "index_info" => PragmaKind.IndexInfo,
            "index_xinfo" => PragmaKind.IndexXinfo,
            _ => null,
        };
        if (kind == null)
        {
            _deferredUnsupported ??= "PRAGMA";
            return null;
        }
        string? schema = schemaToken is { } st ? SchemaName(st) : null;
        if (schemaToken is { } s && !string.Equals(schema, "main", StringComparison.OrdinalIgnoreCase) && !string.Equals(schema, "temp", StringComparison.OrdinalIgnoreCase))
            _deferredError ??= new SqlParseException("unknown database " + schema, s.Start - _start);
        return new PragmaStatement { Kind = kind.Value, Argument = value, Schema = schema };
    }

    /// <summary>nmnum (plus_num, nm, ON, DELETE, DEFAULT) or minus_num, as sqlite3Pragma's zRight reads it: a name
    /// dequoted, a number as written (after a unary plus), a negative one with its minus sign.</summary>
    private string ParsePragmaValue()
    {
        var t = Peek();
        if (t.IsOp("+") || t.IsOp("-"))
        {
            Take();
            var number = Peek();
            if (number.Kind is not (TokenKind.Integer or TokenKind.Float)) throw SyntaxError(number);
            Take();
            return (t.IsOp("-") ? "-" : "") + Source(number);
        }
        if (t.Kind is TokenKind.Integer or TokenKind.Float || t.Is("ON") || t.Is("DELETE") || t.Is("DEFAULT")) { Take(); return Source(t); }
        return ExpectName();
    }

    /// <summary>The tokens after the current one (Peek's), without consuming anything: a fresh tokenizer from there.</summary>
    private (Token First, Token Second) PeekAfterCurrent()
    {
        var current = Peek();
        var look = new Tokenizer(_tokens.Sql, current.Start + current.Length);
        var first = look.Next();
        return (first, look.Next());
    }

    /// <summary>getToken in tokenize.c: a token the window analysers count as an identifier.</summary>
    private bool IsWindowNameToken(Token t) => IsNameToken(t) || t.Kind == TokenKind.String || IsJoinWord(t);

    /// <summary>analyzeWindowKeyword: WINDOW (the current token) starts the WINDOW clause only when a name and AS
    /// follow it; otherwise it is a name (an alias).</summary>
    private bool StartsWindowClause()
    {
        if (!Peek().Is("WINDOW")) return false;
        var (name, next) = PeekAfterCurrent();
        return IsWindowNameToken(name) && next.Is("AS");
    }

    /// <summary>analyzeOverKeyword: OVER (the current token, after a call's ")") is the keyword only before "(" or a
    /// name; otherwise it is a name (an alias).</summary>
    private bool StartsOverClause()
    {
        if (!Peek().Is("OVER")) return false;
        var (next, _) = PeekAfterCurrent();
        return next.IsOp("(") || IsWindowNameToken(next);
    }

    /// <summary>"over_clause ::= OVER LP window RP | OVER nm", after a call (and its FILTER).</summary>
    private void ParseOverSyntax()
    {
        ExpectKeyword("OVER");
        _deferredUnsupported ??= "window functions";
        if (!TryOp("(")) { ExpectName(); return; }
        ParseWindowSyntax();
        ExpectOp(")");
    }

    /// <summary>"windowdefn_list ::= nm AS LP window RP [, ...]", after WINDOW.</summary>
    private void ParseWindowClauseSyntax()
    {
        ExpectKeyword("WINDOW");
        _deferredUnsupported ??= "WINDOW";
        do
        {
            ExpectName();
            ExpectKeyword("AS");
            ExpectOp("(");
            ParseWindowSyntax();
            ExpectOp(")");
        } while (TryOp(","));
    }

    /// <summary>"window ::= [nm] [PARTITION BY nexprlist] [ORDER BY sortlist] [frame_opt]".</summary>
    private void ParseWindowSyntax()
    {
        var t = Peek();
        if (IsNameToken(t) && !t.Is("PARTITION") && !t.Is("ORDER") && !t.Is("RANGE") && !t.Is("ROWS") && !t.Is("GROUPS")) Take();
        if (TryKeyword("PARTITION"))
        {
            ExpectKeyword("BY");
            do ParseExprAt(_depth + 5); while (TryOp(","));
        }
        if (TryKeyword("ORDER"))
        {
            ExpectKeyword("BY");
            do
            {
                ParseExprAt(_depth + 5);
                if (!TryKeyword("ASC")) TryKeyword("DESC");
                if (TryKeyword("NULLS")) { if (!TryKeyword("FIRST")) ExpectKeyword("LAST"); }
            } while (TryOp(","));
        }
        if (!(TryKeyword("RANGE") || TryKeyword("ROWS") || TryKeyword("GROUPS"))) return;
        if (TryKeyword("BETWEEN"))
        {
            ParseFrameBound();
            ExpectKeyword("AND");
            ParseFrameBound();
        }
        else ParseFrameBound();
        if (TryKeyword("EXCLUDE"))
        {
            if (TryKeyword("NO")) ExpectKeyword("OTHERS");
            else if (TryKeyword("CURRENT")) ExpectKeyword("ROW");
            else if (!TryKeyword("GROUP")) ExpectKeyword("TIES");
        }
    }

    /// <summary>"UNBOUNDED PRECEDING | UNBOUNDED FOLLOWING | CURRENT ROW | expr PRECEDING | expr FOLLOWING".</summary>
    private void ParseFrameBound()
    {
        if (TryKeyword("CURRENT")) { ExpectKeyword("ROW"); return; }
        if (!TryKeyword("UNBOUNDED")) ParseExprAt(_depth + 5);
        if (!TryKeyword("PRECEDING")) ExpectKeyword("FOLLOWING");
    }
}
