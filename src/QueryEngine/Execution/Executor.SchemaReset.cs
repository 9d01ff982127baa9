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

    /// <summary>Every statement but a transaction statement or a query reads the schema as it is prepared; a query
    /// reads it when it looks up the first table any of its SELECTs names (<see cref="RequireFromItem"/>), which
    /// selectExpander does before any column name is resolved: <c>SELECT nosuch, (SELECT 1 FROM t0)</c> is no "(17)".</summary>
    private static bool ReadsSchema(Statement statement) => statement is not (TransactionStatement or QueryStatement);
}
