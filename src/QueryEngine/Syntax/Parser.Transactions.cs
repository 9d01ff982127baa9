namespace FastDb.QueryEngine.Syntax;

/// <summary>parse.y's transaction commands: <c>BEGIN [DEFERRED|IMMEDIATE|EXCLUSIVE] [TRANSACTION [nm]]</c>,
/// <c>COMMIT|END [TRANSACTION [nm]]</c>, <c>ROLLBACK [TRANSACTION [nm]]</c>. The lock kind changes nothing in a
/// database with one connection. Savepoints: <c>SAVEPOINT nm</c>, <c>RELEASE [SAVEPOINT] nm</c>,
/// <c>ROLLBACK [TRANSACTION [nm]] TO [SAVEPOINT] nm</c>.</summary>
public sealed partial class Parser
{
    private Statement ParseTransaction()
    {
        var first = Take();
        if (first.Text is "SAVEPOINT" or "RELEASE")
        {
            if (first.Text == "RELEASE") TryKeyword("SAVEPOINT");
            return new TransactionStatement
            {
                Action = first.Text == "SAVEPOINT" ? TransactionAction.Savepoint : TransactionAction.Release,
                Name = SavepointName(),
            };
        }
        var stmt = new TransactionStatement
        {
            Action = first.Text switch { "BEGIN" => TransactionAction.Begin, "ROLLBACK" => TransactionAction.Rollback, _ => TransactionAction.Commit },
        };
        if (stmt.Action == TransactionAction.Begin && (Peek().Is("DEFERRED") || Peek().Is("IMMEDIATE") || Peek().Is("EXCLUSIVE"))) Take();
        if (TryKeyword("TRANSACTION") && IsTransactionName(Peek())) Take();
        if (stmt.Action == TransactionAction.Rollback && TryKeyword("TO"))
        {
            TryKeyword("SAVEPOINT");
            stmt.Action = TransactionAction.RollbackTo;
            stmt.Name = SavepointName();
        }
        return stmt;
    }

    private string SavepointName()
    {
        var t = Peek();
        if (!IsTransactionName(t)) throw SyntaxError(t);
        Take();
        return t.Kind == TokenKind.Keyword ? Source(t) : t.Text;
    }

    /// <summary>parse.y's nm: an identifier, a fallback keyword, a string, or a JOIN_KW word.</summary>
    private bool IsTransactionName(Token t) =>
        IsNameToken(t) || t.Kind == TokenKind.String
        || (t.Kind == TokenKind.Keyword && t.Text is "CROSS" or "FULL" or "INNER" or "LEFT" or "NATURAL" or "OUTER" or "RIGHT");
}
