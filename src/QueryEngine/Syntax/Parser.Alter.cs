using FastDb.QueryEngine.Storage;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Syntax;

/// <summary>parse.y's ALTER TABLE commands. ADD looks the table up as soon as it reads ADD (parse.y's
/// add_column_fullname reduction, sqlite3AlterBeginAddColumn), so "no such table" beats any later syntax error, and
/// checks the new column's name once its type is read (sqlite3AddColumn); RENAME checks everything once the whole
/// statement is read (Executor.Alter.cs), and so does DROP COLUMN.</summary>
public sealed partial class Parser
{
    /// <summary>Set by <see cref="ParseDefault"/>: its DEFAULT is one sqlite3ValueFromExpr computes.</summary>
    private bool _defaultIsValue = true;
    /// <summary>Parsing ALTER TABLE ADD's column, whose DEFAULT may be one FastDb cannot compute once
    /// (<see cref="_defaultIsConstant"/> then false).</summary>
    private bool _inAddColumn;
    private bool _defaultIsConstant = true;
    /// <summary>The DEFAULT just parsed is computed per row (CREATE TABLE only): see ColumnDefinition.DefaultPerRow.</summary>
    private bool _defaultPerRow;
    /// <summary>Set by <see cref="ParseDefault"/>: the literal token of a DEFAULT written as [+|-] literal (null for
    /// the other forms), and whether a "-" came before it.</summary>
    private Token? _defaultLiteral;
    private bool _defaultMinus;
    private bool _defaultParenthesized;

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
            var old = Peek();
            var stmt = new AlterTableStatement
            {
                Table = table, Action = AlterAction.DropColumn, OldColumn = ExpectName(), OldColumnToken = Source(old), OldColumnOffset = old.Start - _start,
            };
            var end = Peek();
            if (end.Kind is not (TokenKind.Semicolon or TokenKind.End)) throw SyntaxError(end);
            return stmt;
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
        _defaultParenthesized = false;
        _defaultLiteral = null;
        _inAddColumn = true;
        var column = ParseColumnDefinition(copy, ref primaryKey, name =>
        {
            if (_columnExists(table, name)) throw new SqlParseException("duplicate column name: " + name);
        });
        _inAddColumn = false;
        // SQLite tests an added column's CHECK against the rows already there: not modelled.
        if (copy.Checks.Count > 0) _deferredUnsupported ??= "CHECK constraints in ALTER TABLE ... ADD COLUMN";
        var end = Peek();
        if (end.Kind is not (TokenKind.Semicolon or TokenKind.End)) throw SyntaxError(end);
        // sqlite3AlterFinishAddColumn splices the text from the name to the statement's end, cutting trailing spaces
        // and ";" only: a comment there lands inside the CREATE text, where a line comment, or a block comment left
        // open, hides its ")".
        string text = _tokens.Sql[nameToken.Start..end.Start].TrimEnd(' ', '\t', '\n', '\v', '\f', '\r');
        int open = text.LastIndexOf("/*", StringComparison.Ordinal);
        if (text.Contains("--", StringComparison.Ordinal) || (open >= 0 && text.IndexOf("*/", open + 2, StringComparison.Ordinal) < 0))
            _deferredUnsupported ??= "line comments and unclosed comments in ALTER TABLE ... ADD COLUMN";
        var stmt = new AlterTableStatement
        {
            Table = table, Action = AlterAction.AddColumn, Column = column, ColumnText = text,
            DefaultIsValue = column.Default == null || (_defaultIsValue && _defaultIsConstant),
            DefaultIsConstant = _defaultIsConstant,
        };
        if (column.Default == null) { }
        else if (_defaultParenthesized) stmt.OldRowsDefaultUnknown = !SameForOldRows(column.Default);
        else if (_defaultLiteral is { } literal) OldRowsDefault(stmt, literal, AffinityRules.FromDeclaredType(column.DeclaredType));
        return stmt;
    }

    /// <summary>What rows already there read for a DEFAULT [+|-] literal: sqlite3ValueFromExpr's value, built from
    /// the token's text (a number that is not a 32-bit integer stays text until the column's affinity, NUMERIC for
    /// none, converts it), where an INSERT computes the literal's value first: <c>TEXT DEFAULT 2.5e-3</c> reads
    /// '2.5e-3' in old rows and '0.0025' in new ones.</summary>
    private void OldRowsDefault(AlterTableStatement stmt, Token literal, Affinity affinity)
    {
        if (literal.Is("NULL")) { stmt.OldRowsDefault = SqlValue.Null; return; }
        if (literal.Kind == TokenKind.String)
        {
            // -'text' numerifies as sqlite3VdbeMemNumerify does (1e3 becomes an integer): not modelled.
            if (_defaultMinus) stmt.OldRowsDefaultUnknown = true;
            return;
        }
        string token = Source(literal);
        SqlValue value = literal.Kind == TokenKind.Integer && TryGetInt32(token, out long small)
            ? SqlValue.FromInteger(_defaultMinus ? -small : small)
            : SqlValue.FromText((_defaultMinus ? "-" : "") + token);
        stmt.OldRowsDefault = AffinityRules.Apply(affinity is Affinity.None or Affinity.Blob ? Affinity.Numeric : affinity, value);
    }

    /// <summary>sqlite3GetInt32 on an integer token: decimal (leading zeros skipped, at most 10 digits) or hex
    /// (at most 8 digits after the zeros), within 0..2147483647.</summary>
    private static bool TryGetInt32(string token, out long value)
    {
        value = 0;
        int i = 0;
        if (token.Length > 2 && token[0] == '0' && token[1] is 'x' or 'X')
        {
            i = 2;
            while (i < token.Length && token[i] == '0') i++;
            int digits = token.Length - i;
            if (digits > 8) return false;
            for (; i < token.Length; i++) value = value * 16 + Convert.ToInt32(token[i].ToString(), 16);
            return value <= int.MaxValue;
        }
        while (i < token.Length && token[i] == '0') i++;
        if (token.Length - i > 10) return false;
        for (; i < token.Length; i++) value = value * 10 + (token[i] - '0');
        return value <= int.MaxValue;
    }

    /// <summary>A DEFAULT in parentheses whose sqlite3ValueFromExpr value is the value an INSERT computes: text and
    /// NULL literals, integers that are 32-bit (EP_IntValue, so no text form), signed or cast.</summary>
    private static bool SameForOldRows(Expr e) => e switch
    {
        LiteralExpr l => l.Value.Type is SqlType.Null or SqlType.Text
            || (l.Value.Type == SqlType.Integer && l.Value.Integer is >= -int.MaxValue and <= int.MaxValue),
        UnaryExpr { Op: UnaryOp.Plus } u => SameForOldRows(u.Operand),
        UnaryExpr { Op: UnaryOp.Negate, Operand: LiteralExpr { Value.Type: SqlType.Integer } } u => SameForOldRows(u.Operand),
        CastExpr c => SameForOldRows(c.Operand),
        _ => false,
    };

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
