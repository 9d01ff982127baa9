namespace FastDb.QueryEngine.Tests.Differential;

/// <summary>
/// Issue 18's statements in the generated scripts: BEGIN / COMMIT / END / ROLLBACK (stray ones too, for their
/// errors) and upserts. Drawn and laid out from a stream of their own, so the scripts of the other constructs stay as they were.
/// The generator's table model follows a ROLLBACK back to what it was at BEGIN.
/// </summary>
public sealed partial class ScriptGenerator
{
    Random? _statementRandomField;
    Random StatementRandom => _statementRandomField ??= new Random(unchecked(_seed * 104729 + 31));
    /// <summary>Positions of the statements drawn from <see cref="StatementRandom"/>.</summary>
    readonly HashSet<int> _statementStatements = [];
    /// <summary>Transaction statements start and end a line: an error earlier in a line skips the rest of it (the
    /// shell's chunk), which would leave the generator's idea of the open transaction wrong.</summary>
    readonly HashSet<int> _ownLine = [];
    Dictionary<string, List<Column>>? _tablesAtBegin;
    bool InTransaction => _tablesAtBegin != null;

    /// <summary>After each main statement: now and then a transaction statement.</summary>
    void AddStatementConstructs(List<List<string>> list)
    {
        int roll = StatementRandom.Next(100);
        if (roll < 7)
        {
            _statementStatements.Add(list.Count);
            _ownLine.Add(list.Count);
            list.Add(TransactionControl());
        }
        else if (roll < 14 && _tables.Count > 0)
        {
            _statementStatements.Add(list.Count);
            list.Add(WithStatementRandom(Upsert));
        }
    }

    /// <summary>Draws with the main grammar's helpers, but from <see cref="StatementRandom"/>.</summary>
    List<string> WithStatementRandom(Func<List<string>> draw) => WithRandom(StatementRandom, draw);

    /// <summary>INSERT ... ON CONFLICT [(key)] DO NOTHING | DO UPDATE SET ... excluded.col ... [WHERE ...], sometimes
    /// a second clause without a target; now and then a target that is no key (its error).</summary>
    List<string> Upsert()
    {
        var r = _random;
        var name = TableName();
        var columns = ColumnsOf(name);
        var tokens = new List<string> { "INSERT", "INTO", name, "VALUES" };
        _storing = true;
        var rows = r.Next(3) == 0 ? 2 + r.Next(3) : 1;
        for (var row = 0; row < rows; row++)
        {
            if (row > 0) tokens.Add(",");
            tokens.Add("(");
            if (columns.Count == 0) tokens.AddRange(Literal());
            for (var i = 0; i < columns.Count; i++)
            {
                if (i > 0) tokens.Add(",");
                tokens.AddRange(ValueFor(columns[i]));
            }
            tokens.Add(")");
        }
        _storing = false;
        var keys = columns.Where(c => c.PrimaryKey || c.Unique).Select(c => c.Name).Append("rowid").ToList();
        var clauses = r.Next(5) == 0 ? 2 : 1;
        string? firstConstraint = null;
        for (var clause = 0; clause < clauses; clause++)
        {
            tokens.AddRange(["ON", "CONFLICT"]);
            bool last = clause == clauses - 1;
            if (!last || r.Next(4) > 0)
            {
                var target = !Clean && columns.Count > 0 && r.Next(10) == 0 ? columns[r.Next(columns.Count)].Name : keys[r.Next(keys.Count)];
                var constraint = target == "rowid" || columns.Exists(c => c.Name == target && c.IsRowid) ? "rowid" : target;
                // A second clause with the first one's target is refused (SQLite 3.40.1 mishandles it): none instead.
                if (clause == 0) firstConstraint = constraint;
                if (clause == 0 || constraint != firstConstraint) tokens.AddRange(["(", target, ")"]);
            }
            tokens.Add("DO");
            if (r.Next(3) == 0 || columns.Count == 0) { tokens.Add("NOTHING"); continue; }
            tokens.AddRange(["UPDATE", "SET"]);
            var targets = columns.OrderBy(_ => r.Next()).Take(1 + r.Next(Math.Min(2, columns.Count))).ToList();
            for (var i = 0; i < targets.Count; i++)
            {
                if (i > 0) tokens.Add(",");
                tokens.AddRange([targets[i].Name, "="]);
                _storing = true;
                tokens.AddRange(r.Next(3) switch
                {
                    0 => ["excluded", ".", columns[r.Next(columns.Count)].Name],
                    1 => [targets[i].Name, "+", "excluded", ".", columns[r.Next(columns.Count)].Name],
                    _ => ValueFor(targets[i]),
                });
                _storing = false;
            }
            if (r.Next(3) == 0)
                tokens.AddRange(["WHERE", "excluded", ".", columns[r.Next(columns.Count)].Name, Pick(ComparisonOperators), columns[r.Next(columns.Count)].Name]);
        }
        tokens.Add(";");
        return tokens;
    }

    /// <summary>At the end of the script: close an open transaction (TransactionTests cover one left open).</summary>
    void EndStatementConstructs(List<List<string>> list)
    {
        if (!InTransaction) return; // scripts are concatenated in one shell run: one left open would run into the next
        _statementStatements.Add(list.Count);
        _ownLine.Add(list.Count);
        list.Add(StatementRandom.Next(3) == 0 ? Rollback() : Commit());
    }

    List<string> TransactionControl()
    {
        var r = StatementRandom;
        if (!Clean && r.Next(8) == 0) // out of place: its error
            return InTransaction ? Begin(snapshot: false) : r.Next(2) == 0 ? ["ROLLBACK", ";"] : ["COMMIT", ";"];
        if (!InTransaction) return Begin(snapshot: true);
        return r.Next(3) == 0 ? Rollback() : Commit();
    }

    List<string> Begin(bool snapshot)
    {
        if (snapshot) _tablesAtBegin = _tables.ToDictionary(kv => kv.Key, kv => new List<Column>(kv.Value));
        return StatementRandom.Next(6) switch
        {
            0 => ["BEGIN", "TRANSACTION", ";"],
            1 => ["BEGIN", "IMMEDIATE", ";"],
            2 => ["BEGIN", "DEFERRED", "TRANSACTION", ";"],
            3 => ["BEGIN", "EXCLUSIVE", "TRANSACTION", "tx", ";"],
            _ => ["BEGIN", ";"],
        };
    }

    List<string> Commit()
    {
        _tablesAtBegin = null;
        EndSavepoints();
        return StatementRandom.Next(4) switch
        {
            0 => ["END", ";"],
            1 => ["COMMIT", "TRANSACTION", ";"],
            2 => ["END", "TRANSACTION", ";"],
            _ => ["COMMIT", ";"],
        };
    }

    List<string> Rollback()
    {
        _tables.Clear();
        foreach (var (name, columns) in _tablesAtBegin!) _tables[name] = columns;
        _tablesAtBegin = null;
        EndSavepoints();
        return StatementRandom.Next(3) == 0 ? ["ROLLBACK", "TRANSACTION", ";"] : ["ROLLBACK", ";"];
    }
}
