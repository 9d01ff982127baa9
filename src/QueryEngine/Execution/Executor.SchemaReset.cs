using FastDb.QueryEngine.Syntax;

namespace FastDb.QueryEngine.Execution;

/// <summary>
/// sqlite3ResetAllSchemasOfConnection, as the shell shows it. Rolling back a schema change (ROLLBACK of a transaction
/// that ran a CREATE, DROP or ALTER, ROLLBACK TO a savepoint set before one, a RENAME that failed with "error in table
/// ... after rename") drops the connection's parsed schema; the next statement that names a table reads it again.
/// Until then a statement that names none (<c>SELECT nosuch;</c>) and fails on a name has prepare's schemaIsValid
/// find the schema cookie changed, so the error comes back as SQLITE_SCHEMA: "no such column: nosuch (17)", every
/// time. Only the shell's text shows it; a new script is a new process, with the schema read afresh.
/// </summary>
public sealed partial class Executor
{
    private const int SchemaCode = 17;

    /// <summary>The parsed schema was reset and no statement has read it since.</summary>
    private bool _schemaUnloaded;

    private void SchemaChanged()
    {
        if (_transaction == null) return;
        _transaction.SchemaChanged = true;
        foreach (var (_, journal) in _savepoints) journal.SchemaChanged = true;
    }

    /// <summary>The statement looks up a table before it resolves names: every one but a transaction statement and
    /// a query without a FROM clause anywhere (sqlite3SelectExpand runs over every SELECT of the statement, those of
    /// its expressions' subqueries too, before names are resolved).</summary>
    private static bool ReadsSchema(Statement statement) => statement switch
    {
        TransactionStatement => false,
        QueryStatement q => QueryReadsSchema(q),
        _ => true,
    };

    private static bool QueryReadsSchema(QueryStatement query) => query switch
    {
        SelectStatement s => s.From != null || s.FromQuery != null || s.Joins.Count > 0
            || s.Columns.Exists(c => ExprReadsSchema(c.Expression)) || ExprReadsSchema(s.Where)
            || s.GroupBy.Exists(ExprReadsSchema) || ExprReadsSchema(s.Having)
            || s.OrderBy.Exists(o => ExprReadsSchema(o.Expression)) || ExprReadsSchema(s.Limit) || ExprReadsSchema(s.Offset),
        CompoundSelectStatement c => c.Selects.Exists(QueryReadsSchema) || c.OrderBy.Exists(o => ExprReadsSchema(o.Expression))
            || ExprReadsSchema(c.Limit) || ExprReadsSchema(c.Offset),
        _ => true,
    };

    private static bool ExprReadsSchema(Expr? e) => e switch
    {
        null => false,
        SubqueryExpr q => QueryReadsSchema(q.Query) || q.Children.Any(ExprReadsSchema),
        UnaryExpr u => ExprReadsSchema(u.Operand),
        BinaryExpr b => ExprReadsSchema(b.Left) || ExprReadsSchema(b.Right),
        IsNullExpr n => ExprReadsSchema(n.Operand),
        FunctionCallExpr f => f.Args.Exists(ExprReadsSchema),
        RowValueExpr r => r.Items.Exists(ExprReadsSchema),
        IHasChildren h => h.Children.Any(ExprReadsSchema),
        _ => false,
    };
}
