using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Syntax;

/// <summary>RAISE(...) outside a trigger program: sqlite3 resolves the statement's names, then fails to code it
/// ("RAISE() may only be used within a trigger-program", a Parse error without an offset). The executor throws
/// that before running a statement marked <see cref="Statement.RaisesOutsideTrigger"/>; evaluating it fails the
/// same way, should a path ever get that far.</summary>
public sealed class RaiseExpr : Expr
{
    public const string Message = "RAISE() may only be used within a trigger-program";

    public static SqlParseException Error() => new(Message);

    public override SqlValue Eval(RowContext row) => throw Error();

    public override Expr Bind(Scope scope)
    {
        scope.AbortIfFailed();
        return this;
    }

    public override bool IsConstant => true;
}
