namespace FastDb.QueryEngine.Syntax;

/// <summary>parse.y's transaction commands: <c>BEGIN [DEFERRED|IMMEDIATE|EXCLUSIVE] [TRANSACTION [nm]]</c>,
/// <c>COMMIT|END [TRANSACTION [nm]]</c>, <c>ROLLBACK [TRANSACTION [nm]]</c>. The lock kind changes nothing in a
/// database with one connection. Savepoints (SAVEPOINT, RELEASE, ROLLBACK TO) are refused by name.</summary>
public sealed partial class Parser
{
    private Statement ParseTransaction()
    {
        var first = Take();
        var stmt = new TransactionStatement
        {
            Action = first.Text switch { "BEGIN" => TransactionAction.Begin, "ROLLBACK" => TransactionAction.Rollback, _ => TransactionAction.Commit },
        };
        if (stmt.Action == TransactionAction.Begin && (Peek().Is("DEFERRED") || Peek().Is("IMMEDIATE") || Peek().Is("EXCLUSIVE"))) Take();
        if (TryKeyword("TRANSACTION") && IsTransactionName(Peek())) Take();
        if (stmt.Action == TransactionAction.Rollback && Peek().Is("TO")) throw Unsupported("savepoints (ROLLBACK TO)");
        return stmt;
    }

    /// <summary>parse.y's nm: an identifier, a fallback keyword, a string, or a JOIN_KW word.</summary>
    private bool IsTransactionName(Token t) =>
        IsNameToken(t) || t.Kind == TokenKind.String
        || (t.Kind == TokenKind.Keyword && t.Text is "CROSS" or "FULL" or "INNER" or "LEFT" or "NATURAL" or "OUTER" or "RIGHT");
}
