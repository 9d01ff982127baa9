using FastDb.QueryEngine.Statements;

namespace FastDb.QueryEngine;

/// <summary>The rqlite statement lists on a database (see <see cref="StatementRunner"/>).</summary>
public sealed partial class Database
{
    private StatementRunner? _statements;

    /// <summary>Runs a statement list from the log (writes allowed unless it is a query list). Never throws.</summary>
    public StatementsOutcome RunStatements(StatementsCommand command) =>
        RunStatements(command.Mode, command.Transaction, command.Statements, readOnly: command.Mode == StatementsMode.Query);

    /// <summary>Runs a statement list; <paramref name="readOnly"/> refuses anything but SELECT (local reads). Never throws.</summary>
    public StatementsOutcome RunStatements(StatementsMode mode, bool transaction, IReadOnlyList<StatementRequest> statements, bool readOnly)
    {
        try
        {
            return (_statements ??= new StatementRunner(_catalog)).Run(mode, transaction, statements, readOnly);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Last resort, as Execute: a bug becomes an error answer, the same on every node, never a crash.
            var message = System.Text.Json.JsonEncodedText.Encode("FastDb internal error: " + e.GetType().Name + ": " + e.Message);
            return new StatementsOutcome("[{\"error\":\"" + message + "\"}]", true);
        }
    }
}
