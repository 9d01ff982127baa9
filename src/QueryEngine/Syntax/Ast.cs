using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Syntax;

// Statement trees as parsed, before names are bound to a table. Expressions are in Expressions.cs.

public abstract class Statement
{
    /// <summary>A RAISE() that sqlite3 codes (a whole result column, WHERE, VALUES term or SET value of this
    /// statement): preparing it fails with "RAISE() may only be used within a trigger-program" once its names are
    /// resolved (sqlite3ExprCodeTarget's TK_RAISE, outside a trigger). See <see cref="RaiseExpr"/>.</summary>
    public bool RaisesOutsideTrigger;
}

public enum ConflictAction : byte { Abort, Replace, Ignore }

public sealed class ColumnDefinition
{
    public required string Name;
    public string? DeclaredType;
    public bool PrimaryKey;
    public bool PrimaryKeyDescending;
    public bool Unique;
    public bool NotNull;
    public Expr? Default;
    /// <summary>The DEFAULT's text as sqlite3AddDefaultValue keeps it (the term's span, or the expression's inside
    /// its parentheses, trimmed of white space): PRAGMA table_info's dflt_value.</summary>
    public string? DefaultText;
    /// <summary>The DEFAULT reads the current time or calls random(): SQLite computes it for every row it inserts.</summary>
    public bool DefaultPerRow;
}

public sealed class CreateTableStatement : Statement
{
    public required string Name;
    public bool IfNotExists;
    /// <summary>True when the table already existed and IF NOT EXISTS made the statement a no-op.</summary>
    public bool AlreadyExists;
    public List<ColumnDefinition> Columns = [];
    /// <summary>The PRIMARY KEY and UNIQUE constraints, in the order they were declared (index creation order), with
    /// their kind and sort order (PRAGMA index_list's origin, index_xinfo's desc).</summary>
    public List<IndexConstraint> IndexConstraints = [];
    /// <summary>The text sqlite_master keeps: "CREATE TABLE " and the statement from the table name to its end.</summary>
    public string Sql = "";
    /// <summary>An INTEGER PRIMARY KEY declared AUTOINCREMENT, on the column or as PRIMARY KEY (a AUTOINCREMENT)
    /// (sqlite3AddPrimaryKey's TF_Autoincrement): its rowids come from sqlite_sequence.</summary>
    public bool Autoincrement;
    /// <summary>The child columns of each FOREIGN KEY (...) table constraint, as written: never enforced (PRAGMA
    /// foreign_keys is off), but DROP COLUMN fails the schema reload on one that names the dropped column.</summary>
    public List<string[]> ForeignKeyColumns = [];
    /// <summary>The CHECK constraints, column and table ones in declaration order (the order SQLite tests them).</summary>
    public List<CheckConstraint> Checks = [];
}

/// <summary>A CHECK constraint as declared: its expression (unbound), and what "CHECK constraint failed: " names,
/// its CONSTRAINT name or else its text between the parentheses, trimmed (sqlite3AddCheckConstraint).</summary>
public sealed record CheckConstraint(Expr Expr, string Label);

/// <summary>A PRIMARY KEY or UNIQUE constraint, as declared: its column names as written (several for a table
/// constraint such as UNIQUE (a, b)), and whether its first column is DESC.</summary>
public sealed record IndexConstraint(string[] Columns, bool PrimaryKey, bool Descending)
{
    public IndexConstraint(string column, bool PrimaryKey, bool Descending) : this([column], PrimaryKey, Descending) { }

    public string Column => Columns[0];

    /// <summary>Declared after the columns ("UNIQUE (a)"), not on one ("a UNIQUE"): SQLite sets COLFLAG_UNIQUE
    /// only for the latter, which decides what ALTER TABLE ... DROP COLUMN refuses up front.</summary>
    public bool TableLevel { get; init; }
}

public enum PragmaKind : byte { TableInfo, IndexList, IndexInfo, IndexXinfo }

/// <summary>PRAGMA [schema.]name[(arg) | = arg] for the pragmas FastDb runs (table_info, index_list, index_info,
/// index_xinfo): <see cref="Argument"/> (a table or index name) null when none is given.</summary>
public sealed class PragmaStatement : Statement
{
    public PragmaKind Kind;
    public string? Argument;
    /// <summary>The schema written before the pragma's name (main or temp; any other fails when it is parsed).</summary>
    public string? Schema;
}

public sealed class CreateIndexStatement : Statement
{
    public required string Name;
    public required string Table;
    public bool Unique;
    public bool IfNotExists;
    /// <summary>The indexed columns as written (bare names), and their offsets for "no such column".</summary>
    public required string[] Columns;
    public required int[] ColumnOffsets;
    /// <summary>A one-column index declared DESC.</summary>
    public bool Descending;
    /// <summary>The text sqlite_master keeps: "CREATE [UNIQUE] INDEX " and the statement from the index name to
    /// just before its ";" (spaces and comments before the ";" included).</summary>
    public string Sql = "";
}

public sealed class DropIndexStatement : Statement
{
    public required string Name;
    /// <summary>The schema the name was qualified with, or null: see Executor.RequireTable.</summary>
    public string? Schema;
    public bool IfExists;
}

public sealed class DropTableStatement : Statement
{
    public required string Name;
    /// <summary>The schema the name was qualified with, or null: see Executor.RequireTable.</summary>
    public string? Schema;
    public bool IfExists;
}

public sealed class InsertStatement : Statement
{
    public required string Table;
    /// <summary>The schema the name was qualified with (<c>main.t</c>), or null: see Executor.RequireTable.</summary>
    public string? Schema;
    public ConflictAction Conflict;
    public List<(string Name, int Offset)>? Columns;
    /// <summary>Rows of VALUES; empty for DEFAULT VALUES or a SELECT.</summary>
    public List<List<Expr>> Rows = [];
    /// <summary>INSERT ... SELECT: the query whose rows are inserted.</summary>
    public QueryStatement? Select;
    public bool DefaultValues;
    /// <summary>The ON CONFLICT clauses, in order (null: none).</summary>
    public List<UpsertClause>? Upserts;
    /// <summary>RETURNING's result columns (null: none).</summary>
    public List<ResultColumn>? Returning;
}

public sealed class UpdateStatement : Statement
{
    public required string Table;
    /// <summary>The schema the name was qualified with (<c>main.t</c>), or null: see Executor.RequireTable.</summary>
    public string? Schema;
    public List<(string Column, int Offset, Expr Value)> Assignments = [];
    public Expr? Where;
    /// <summary>RETURNING's result columns (null: none).</summary>
    public List<ResultColumn>? Returning;
}

public sealed class DeleteStatement : Statement
{
    public required string Table;
    /// <summary>The schema the name was qualified with (<c>main.t</c>), or null: see Executor.RequireTable.</summary>
    public string? Schema;
    public Expr? Where;
    /// <summary>RETURNING's result columns (null: none).</summary>
    public List<ResultColumn>? Returning;
}

public sealed class ResultColumn
{
    public Expr? Expression;     // null for * and t.*
    public string? Alias;
    public string? StarQualifier; // the t of t.*
    public int Offset = -1;
    /// <summary>The expression's text as written (sqlite3DbSpanDup): its column name when it has no alias.</summary>
    public string? Span;
    /// <summary>Its name (alias, or its text) is over the value limit: prepare fails with TOOBIG.</summary>
    public bool NameTooBig;
}

public sealed class OrderTerm
{
    public required Expr Expression;
    public bool Descending;
    /// <summary>NULLS FIRST (true) or LAST (false) as written; null for the default (first ascending, last descending).</summary>
    public bool? NullsFirst;
}

public enum JoinKind : byte { Comma, Inner, Cross, Left }

/// <summary>One table after the first in FROM: how it joins, and its ON expression or USING columns.</summary>
public sealed class JoinClause
{
    public JoinKind Kind;
    public required string Table;
    /// <summary>The schema the name was qualified with (<c>main.t</c>), or null: see Executor.RequireTable.</summary>
    public string? Schema;
    /// <summary>JOIN name(args): a table-valued function's call (see <see cref="SelectStatement.FromIsCall"/>).</summary>
    public bool IsCall;
    public string? Alias;
    public Expr? On;
    public List<string>? Using;
    /// <summary>NATURAL: USING every column the table shares with the tables to its left.</summary>
    public bool Natural;
}

/// <summary>A query: one SELECT or a compound of several (see CompoundSelectStatement in Subqueries.cs).</summary>
public abstract class QueryStatement : Statement
{
    /// <summary>The executor's prepared form, kept so a subquery binds once however often it runs.</summary>
    public object? Prepared;
}

public sealed class SelectStatement : QueryStatement
{
    /// <summary>One row of a VALUES list (SF_Values): its columns are named column1, column2, ...</summary>
    public bool Values;
    public List<JoinClause> Joins = [];
    public bool Distinct;
    public List<ResultColumn> Columns = [];
    public string? From;
    /// <summary>The schema FROM's name was qualified with (<c>main.t</c>), or null: see Executor.RequireTable.</summary>
    public string? FromSchema;
    /// <summary>FROM name(args): SQLite's table-valued function syntax (a table so named is "not a function").</summary>
    public bool FromIsCall;
    /// <summary>FROM (query): the subquery that is the only FROM item (From is then null).</summary>
    public QueryStatement? FromQuery;
    public string? FromAlias;
    public Expr? Where;
    public List<Expr> GroupBy = [];
    public Expr? Having;
    public List<OrderTerm> OrderBy = [];
    public Expr? Limit;
    public Expr? Offset;
}
