using FastDb.QueryEngine.Storage;

namespace FastDb.QueryEngine.Syntax;

/// <summary>parse.y's ALTER TABLE commands. ADD looks the table up as soon as it reads ADD (parse.y's
/// add_column_fullname reduction, sqlite3AlterBeginAddColumn), so "no such table" beats any later syntax error, and
/// checks the new column's name once its type is read (sqlite3AddColumn); RENAME checks everything once the whole
/// statement is read (Executor.Alter.cs). DROP COLUMN is refused by name.</summary>
public sealed partial class Parser
{
    /// <summary>Set by <see cref="ParseDefault"/>: its DEFAULT is one sqlite3ValueFromExpr computes.</summary>
    private bool _defaultIsValue = true;
    /// <summary>Parsing ALTER TABLE ADD's column, whose DEFAULT may be one FastDb cannot compute once
    /// (<see cref="_defaultIsConstant"/> then false).</summary>
    private bool _inAddColumn;
    private bool _defaultIsConstant = true;

    private Statement ParseAlter()
    {
        Take();
        ExpectKeyword("TABLE");
        string table = ExpectName();
        if (Peek().IsOp(".")) throw Unsupported("schema-qualified table names");
        var action = Peek();
        if (action.Is("ADD")) return ParseAddColumn(table);
        if (action.Is("RENAME"))
        {
            Take();
            var stmt = new AlterTableStatement { Table = table, Action = AlterAction.RenameTable };
            if (!TryKeyword("TO"))
            {
                TryKeyword("COLUMN");
                var old = Peek();
                stmt.OldColumn = ExpectName();
                stmt.OldColumnToken = Source(old);
                stmt.OldColumnOffset = old.Start - _start;
                stmt.Action = AlterAction.RenameColumn;
                ExpectKeyword("TO");
            }
            var newName = Peek();
            stmt.NewName = ExpectName();
            stmt.NewNameQuoted = Source(newName)[0] is '"' or '\'' or '[' or '`';
            return stmt;
        }
        if (action.Is("DROP"))
        {
            Take();
            TryKeyword("COLUMN");
            ExpectName();
            var end = Peek();
            if (end.Kind is not (TokenKind.Semicolon or TokenKind.End)) throw SyntaxError(end);
            // sqlite3AlterDropColumn's first checks, then FastDb's refusal.
            if (SchemaTable.CanonicalName(table) is { } schema) throw new SqlParseException("table " + schema + " may not be altered");
            if (!_tableExists(table)) throw new SqlParseException("no such table: " + table);
            _deferredUnsupported ??= "ALTER TABLE ... DROP COLUMN";
            return new AlterTableStatement { Table = table };
        }
        throw SyntaxError(action);
    }

    private AlterTableStatement ParseAddColumn(string table)
    {
        Take();
        if (SchemaTable.CanonicalName(table) is { } schema) throw new SqlParseException("table " + schema + " may not be altered");
        if (!_tableExists(table)) throw new SqlParseException("no such table: " + table);
        TryKeyword("COLUMN");
        var nameToken = Peek();
        // SQLite parses the new column into a copy of the table named sqlite_altertab_<table>.
        var copy = new CreateTableStatement { Name = "sqlite_altertab_" + table };
        bool primaryKey = false;
        _defaultIsValue = _defaultIsConstant = true;
        _inAddColumn = true;
        var column = ParseColumnDefinition(copy, ref primaryKey, name =>
        {
            if (_columnExists(table, name)) throw new SqlParseException("duplicate column name: " + name);
        });
        _inAddColumn = false;
        var end = Peek();
        if (end.Kind is not (TokenKind.Semicolon or TokenKind.End)) throw SyntaxError(end);
        // sqlite3AlterFinishAddColumn splices the text from the name to the statement's end, cutting trailing spaces
        // and ";" only: a comment there lands inside the CREATE text, where a line comment, or a block comment left
        // open, hides its ")".
        string text = _tokens.Sql[nameToken.Start..end.Start].TrimEnd(' ', '\t', '\n', '\v', '\f', '\r');
        int open = text.LastIndexOf("/*", StringComparison.Ordinal);
        if (text.Contains("--", StringComparison.Ordinal) || (open >= 0 && text.IndexOf("*/", open + 2, StringComparison.Ordinal) < 0))
            _deferredUnsupported ??= "line comments and unclosed comments in ALTER TABLE ... ADD COLUMN";
        return new AlterTableStatement
        {
            Table = table, Action = AlterAction.AddColumn, Column = column, ColumnText = text,
            DefaultIsValue = column.Default == null || (_defaultIsValue && _defaultIsConstant),
            DefaultIsConstant = _defaultIsConstant,
        };
    }

    /// <summary>What sqlite3ValueFromExpr computes without running code: literals, TRUE/FALSE, and unary +/- and
    /// CAST of those (parentheses make no node).</summary>
    private static bool IsValueExpr(Expr e) => e switch
    {
        LiteralExpr => true,
        NameExpr { Qualifier: null, DoubleQuoted: false } n => n.Name.Equals("true", StringComparison.OrdinalIgnoreCase) || n.Name.Equals("false", StringComparison.OrdinalIgnoreCase),
        UnaryExpr { Op: UnaryOp.Negate or UnaryOp.Plus } u => IsValueExpr(u.Operand),
        CastExpr c => IsValueExpr(c.Operand),
        _ => false,
    };
}
