namespace FastDb.QueryEngine.Syntax;

public enum AlterAction : byte { AddColumn, RenameTable, RenameColumn, DropColumn }

/// <summary><c>ALTER TABLE t ADD [COLUMN] def | RENAME TO u | RENAME [COLUMN] a TO b | DROP [COLUMN] a</c> as parsed (the table is
/// known to exist and to be alterable; the rest is checked when it runs, as SQLite does once it reduces the whole
/// statement).</summary>
public sealed class AlterTableStatement : Statement
{
    public required string Table;
    public AlterAction Action;
    /// <summary>ADD: the new column, and its definition's text as SQLite splices it into the CREATE text (from the
    /// column name to the end of the statement, trailing spaces and ";" cut).</summary>
    public ColumnDefinition? Column;
    public string ColumnText = "";
    /// <summary>ADD: the DEFAULT is one sqlite3ValueFromExpr can compute (a literal, signed, cast or in
    /// parentheses); otherwise adding it to a table with rows fails.</summary>
    public bool DefaultIsValue = true;
    /// <summary>ADD: the DEFAULT is constant for FastDb (not random(), ...); one that is not would have to be
    /// computed per row, which FastDb does not do.</summary>
    public bool DefaultIsConstant = true;
    /// <summary>ADD: what the rows already there read when it is not the DEFAULT's value (null: it is; see
    /// Parser.Alter.cs), or unknown to FastDb (a DEFAULT in parentheses), which it then refuses on a table with rows.</summary>
    public Values.SqlValue? OldRowsDefault;
    public bool OldRowsDefaultUnknown;
    /// <summary>RENAME: the new name, and whether it was written quoted (RENAME COLUMN then always quotes it).</summary>
    public string NewName = "";
    public bool NewNameQuoted;
    /// <summary>RENAME COLUMN and DROP COLUMN: the old name, its token as written (for "no such column") and its offset.</summary>
    public string OldColumn = "";
    public string OldColumnToken = "";
    public int OldColumnOffset = -1;
}
