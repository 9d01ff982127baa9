namespace FastDb.QueryEngine.Syntax;

/// <summary>parse.y's upsert: <c>ON CONFLICT [LP sortlist RP [WHERE expr]] DO NOTHING | DO UPDATE SET setlist [WHERE
/// expr]</c>, repeated; a clause without a target ends the list (another one after it is a syntax error). FastDb has
/// only one-column indexes, so a target is a list of plain column names (anything else matches no index in SQLite
/// either, which the executor reports); a target WHERE (for partial indexes) is refused.</summary>
public sealed partial class Parser
{
    private List<UpsertClause> ParseUpserts()
    {
        var clauses = new List<UpsertClause>();
        while (Peek().Is("ON"))
        {
            Take();
            ExpectKeyword("CONFLICT");
            var clause = new UpsertClause();
            if (TryOp("("))
            {
                clause.Target = [];
                do
                {
                    var nt = Peek();
                    if (nt.IsOp(")")) throw SyntaxError(nt);
                    if (!IsNameToken(nt)) throw Unsupported("ON CONFLICT targets other than column names");
                    clause.Target.Add((ExpectName(allowString: false), nt.Start - _start, nt.Quote == '"'));
                    if (Peek().Is("COLLATE")) throw Unsupported("COLLATE in an ON CONFLICT target");
                    if (!TryKeyword("ASC")) TryKeyword("DESC");
                } while (TryOp(","));
                if (!Peek().IsOp(")")) throw Unsupported("ON CONFLICT targets other than column names");
                Take();
                if (Peek().Is("WHERE")) throw Unsupported("ON CONFLICT (...) WHERE");
            }
            ExpectKeyword("DO");
            if (!TryKeyword("NOTHING"))
            {
                ExpectKeyword("UPDATE");
                ExpectKeyword("SET");
                clause.DoUpdate = true;
                ParseSetList(clause.Assignments);
                if (TryKeyword("WHERE")) clause.Where = ParseExprAt(7);
            }
            clauses.Add(clause);
            if (clause.Target == null) break;
        }
        return clauses;
    }

    /// <summary>parse.y's setlist (UPDATE's and DO UPDATE's): <c>nm = expr</c>, comma-separated.</summary>
    private void ParseSetList(List<(string Column, int Offset, Expr Value)> assignments)
    {
        do
        {
            if (SkipRowValueAssignment()) continue;
            var nt = Peek();
            string col = ExpectName();
            if (Peek().IsOp(".")) throw Unsupported("qualified names in SET");
            ExpectOp("=");
            assignments.Add((col, nt.Start - _start, ParseExprAt(7)));
        } while (TryOp(","));
    }

    /// <summary>parse.y's <c>setlist ::= LP idlist RP EQ expr</c>: parsed so its syntax errors are SQLite's, then
    /// refused once the statement is known to be well-formed.</summary>
    private bool SkipRowValueAssignment()
    {
        if (!TryOp("(")) return false;
        do ExpectName(); while (TryOp(","));
        ExpectOp(")");
        ExpectOp("=");
        ParseExprAt(7);
        _deferredUnsupported ??= "row-value assignments";
        return true;
    }
}
