namespace FastDb.QueryEngine.Syntax;

// FOREIGN KEY and REFERENCES as sqlite3 3.40.1 takes them with PRAGMA foreign_keys off (its default, and the only
// setting FastDb runs: PRAGMA is refused): parsed, checked where sqlite3CreateForeignKey checks them, kept in the
// CREATE text sqlite_master shows, and never enforced. ALTER TABLE refuses what would rewrite them (Executor.Alter).
public sealed partial class Parser
{
    /// <summary>"REFERENCES nm [(eidlist)] refargs", REFERENCES already read: refargs are MATCH nm and ON (DELETE |
    /// UPDATE | INSERT) (SET NULL | SET DEFAULT | CASCADE | RESTRICT | NO ACTION), in any number. Returns the parent
    /// table's token and how many parent columns were named (-1: none).</summary>
    private (Token Table, int Columns) ParseReferences()
    {
        var table = Peek();
        ExpectName();
        int columns = -1;
        if (TryOp("("))
        {
            columns = 0;
            do { ExpectName(); columns++; } while (TryOp(","));
            ExpectOp(")");
        }
        while (true)
        {
            if (TryKeyword("MATCH"))
            {
                // nm: an id, a string or a join keyword (MATCH FULL, the usual spelling).
                if (Peek() is { Kind: TokenKind.Keyword } k && k.Text is "FULL" or "LEFT" or "RIGHT" or "INNER" or "OUTER" or "CROSS" or "NATURAL") Take();
                else ExpectName();
                continue;
            }
            if (!Peek().Is("ON") || !(PeekAfterCurrent().First is var on && (on.Is("DELETE") || on.Is("UPDATE") || on.Is("INSERT")))) break;
            Take();
            Take();
            if (TryKeyword("SET")) { if (!TryKeyword("NULL")) ExpectKeyword("DEFAULT"); }
            else if (TryKeyword("NO")) ExpectKeyword("ACTION");
            else if (!TryKeyword("CASCADE")) ExpectKeyword("RESTRICT");
        }
        return (table, columns);
    }

    /// <summary>A column's "REFERENCES ...": sqlite3CreateForeignKey's check that it names one parent column at most
    /// (its caret at the parent table's name). Skipped when IF NOT EXISTS found the table (no table is built).</summary>
    private void ParseColumnReferences(CreateTableStatement stmt, string column)
    {
        var (table, columns) = ParseReferences();
        if (!stmt.AlreadyExists && columns > 1)
            throw new SqlParseException($"foreign key on {column} should reference only one column of table {Source(table)}", table.Start - _start);
    }

    /// <summary>"FOREIGN KEY (names) REFERENCES ... [DEFERRABLE ...]", FOREIGN already read: as many parent columns as
    /// child ones when they are named, and every child column one of the table's.</summary>
    private void ParseForeignKeyConstraint(CreateTableStatement stmt)
    {
        ExpectKeyword("KEY");
        if (!Peek().IsOp("(")) throw SyntaxError(Peek());
        Take();
        var children = new List<string>();
        do children.Add(ExpectName()); while (TryOp(","));
        ExpectOp(")");
        ExpectKeyword("REFERENCES");
        var (_, parents) = ParseReferences();
        ParseDeferrableSyntax();
        if (stmt.AlreadyExists) return;
        stmt.ForeignKeyColumns.Add([.. children]);
        if (parents >= 0 && parents != children.Count)
            throw new SqlParseException("number of columns in foreign key does not match the number of columns in the referenced table");
        foreach (var child in children)
            if (!stmt.Columns.Exists(c => string.Equals(c.Name, child, StringComparison.OrdinalIgnoreCase)))
                throw new SqlParseException($"unknown column \"{child}\" in foreign key definition");
    }

    /// <summary>"[NOT] DEFERRABLE [INITIALLY (DEFERRED | IMMEDIATE)]", where it may stand.</summary>
    private void ParseDeferrableSyntax()
    {
        bool not = Peek().Is("NOT") && PeekAfterCurrent().First.Is("DEFERRABLE");
        if (not) Take();
        if (!TryKeyword("DEFERRABLE")) { if (not) throw SyntaxError(Peek()); return; }
        if (TryKeyword("INITIALLY")) { if (!TryKeyword("DEFERRED")) ExpectKeyword("IMMEDIATE"); }
    }
}
