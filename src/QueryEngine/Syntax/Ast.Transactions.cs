namespace FastDb.QueryEngine.Syntax;

// Statement trees of transaction control (BEGIN / COMMIT / END / ROLLBACK); savepoints are refused by the parser.

public enum TransactionAction : byte { Begin, Commit, Rollback }

public sealed class TransactionStatement : Statement
{
    public TransactionAction Action;
}
