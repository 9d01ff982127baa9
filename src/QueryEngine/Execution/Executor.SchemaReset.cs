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
/// <para>The reset also clears DBFLAG_SchemaChange, the flag that makes ROLLBACK reset the schema. So after a failed
/// RENAME inside a transaction, a statement that reads the schema again reads the transaction's own schema, and a
/// ROLLBACK or ROLLBACK TO with no schema change since leaves the connection holding it: a <em>stale</em> schema that
/// no longer matches the database (<see cref="StaleSchema"/>). The shell then prepares against the stale schema
/// (ShellRunner): a prepare error that is not a name error ("table t0 has 3 columns but 2 values were supplied") is
/// reported as it is; a name error makes schemaIsValid see the cookie changed and prepare again on a reset schema; a
/// statement that prepared and reads a table finds the cookie changed at OP_Transaction and is prepared again by
/// sqlite3_step, whose prepare error is then a runtime error. sqlite3 3.40.1, checked by hand.</para>
public sealed partial class Executor
{
    private const int SchemaCode = 17;

    /// <summary>The parsed schema was reset and no statement has read it since.</summary>
    private bool _schemaUnloaded;

    /// <summary>The CREATE texts of the schema the connection read inside the open transaction, while no schema
    /// change has followed (DBFLAG_SchemaChange clear); null otherwise.</summary>
    private List<string?>? _readInTransaction;

    /// <summary>The CREATE texts of the stale schema the connection holds after a rollback that did not reset it, or
    /// null when its schema matches the database.</summary>
    public IReadOnlyList<string?>? StaleSchema { get; private set; }

    /// <summary>Set whenever a statement reads the schema (prepare's table lookup): what OP_Transaction's cookie
    /// check stands for. The shell clears it before the statement it watches.</summary>
    public bool ReadSchema { get; set; }

    private void SchemaChanged()
    {
        _readInTransaction = null; // the connection's schema follows the change, and DBFLAG_SchemaChange is set
        if (_transaction == null) return;
        _transaction.SchemaChanged = true;
        foreach (var (_, journal) in _savepoints) journal.SchemaChanged = true;
    }

    /// <summary>A statement reads the schema: after a reset that reloads it (inside a transaction, the
    /// transaction's own schema).</summary>
    private void SchemaRead()
    {
        ReadSchema = true;
        if (_schemaUnloaded && _transaction != null) _readInTransaction = CurrentSchemaTexts();
        _schemaUnloaded = false;
    }

    /// <summary>sqlite3ResetAllSchemasOfConnection outside a rollback (a failed RENAME): the schema is dropped and
    /// DBFLAG_SchemaChange cleared, so a later ROLLBACK does not reset again.</summary>
    private void ResetSchemaInTransaction()
    {
        _schemaUnloaded = true;
        _readInTransaction = null;
        if (_transaction == null) return;
        _transaction.SchemaChanged = false;
        foreach (var (_, journal) in _savepoints) journal.SchemaChanged = false;
    }

    /// <summary>After a rollback that did not reset the schema: the connection keeps what it read, stale when the
    /// database's schema is now another.</summary>
    private void KeepSchemaAfterRollback(List<string?>? held)
    {
        if (held != null && !held.SequenceEqual(CurrentSchemaTexts())) StaleSchema = held;
    }

    /// <summary>The shell's reset of a stale schema (schemaIsValid or OP_Transaction found the cookie changed):
    /// the next statement that names a table reads the database's schema.</summary>
    public void ResetStaleSchema()
    {
        StaleSchema = null;
        _readInTransaction = null;
        _schemaUnloaded = true;
    }

    /// <summary>
    /// The statement sqlite3's parser coded before it found the syntax error that followed it. Lemon's default
    /// reductions reduce a complete statement (<c>cmd ::= select</c>, and every other cmd) on a lookahead that no
    /// state can shift, so <c>SELECT d x %</c> codes <c>SELECT d x</c> before "%" is an error. The syntax error's
    /// message replaces whatever that coding reported; what remains is its effect on the schema: a statement naming a
    /// table reads it, and a name error on an unloaded schema has schemaIsValid return SQLITE_SCHEMA. Returns the code
    /// the syntax error takes: 17 then, else 1. Nothing is run (sqlite3 3.40.1, checked by hand).
    /// </summary>
    public int CodeBeforeSyntaxError(Statement statement)
    {
        if (ReadsSchema(statement)) { SchemaRead(); return 1; }
        try
        {
            switch (statement)
            {
                case SelectStatement s: CheckQueryTables(s); PrepareSelect(s); break;
                case CompoundSelectStatement c: CheckQueryTables(c); PrepareCompound(c); break;
            }
        }
        catch (SqlParseException e) when (_schemaUnloaded && e.Code == 1 && e.Message.StartsWith("no such column", StringComparison.Ordinal))
        {
            return SchemaCode;
        }
        catch (Exception e) when (e is SqlParseException or SqlRuntimeException) { } // replaced by the syntax error
        return 1;
    }

    private List<string?> CurrentSchemaTexts() => _catalog.Schema.ConvertAll(e => e.Sql);

    /// <summary>Every statement but a transaction statement or a query reads the schema as it is prepared; a query
    /// reads it when it looks up the first table any of its SELECTs names (<see cref="RequireFromItem"/>), which
    /// selectExpander does before any column name is resolved: <c>SELECT nosuch, (SELECT 1 FROM t0)</c> is no "(17)".</summary>
    private static bool ReadsSchema(Statement statement) => statement is not (TransactionStatement or QueryStatement);
}
