namespace FastDb.QueryEngine.Syntax;

/// <summary>One <c>ON CONFLICT [(target)] DO NOTHING | DO UPDATE SET ... [WHERE ...]</c> clause of an INSERT.</summary>
public sealed class UpsertClause
{
    /// <summary>The conflict target's columns as written (null: no target, the last clause only); a double-quoted
    /// one that names no column is a string, as SQLite reads it.</summary>
    public List<(string Name, int Offset, bool DoubleQuoted)>? Target;
    public bool DoUpdate;
    public List<(string Column, int Offset, Expr Value)> Assignments = [];
    public Expr? Where;
}
