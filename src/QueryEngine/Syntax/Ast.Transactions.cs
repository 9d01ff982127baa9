namespace FastDb.QueryEngine.Syntax;

// Statement trees of transaction control (BEGIN / COMMIT / END / ROLLBACK, SAVEPOINT / RELEASE / ROLLBACK TO).

public enum TransactionAction : byte { Begin, Commit, Rollback, Savepoint, Release, RollbackTo }

public sealed class TransactionStatement : Statement
{
    public TransactionAction Action;
    /// <summary>The savepoint's name (SAVEPOINT, RELEASE, ROLLBACK TO), as written, unquoted.</summary>
    public string? Name;
}
