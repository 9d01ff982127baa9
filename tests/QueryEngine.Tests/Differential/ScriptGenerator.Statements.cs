namespace FastDb.QueryEngine.Tests.Differential;

/// <summary>
/// Issue 18's statements in the generated scripts: BEGIN / COMMIT / END / ROLLBACK (stray ones too, for their
/// errors). Drawn and laid out from a stream of their own, so the scripts of the other constructs stay as they were.
/// The generator's table model follows a ROLLBACK back to what it was at BEGIN.
/// </summary>
public sealed partial class ScriptGenerator
{
    Random? _statementRandomField;
    Random StatementRandom => _statementRandomField ??= new Random(unchecked(_seed * 104729 + 31));
    /// <summary>Positions of the statements drawn from <see cref="StatementRandom"/>.</summary>
    readonly HashSet<int> _statementStatements = [];
    Dictionary<string, List<Column>>? _tablesAtBegin;
    bool InTransaction => _tablesAtBegin != null;

    /// <summary>After each main statement: now and then a transaction statement.</summary>
    void AddStatementConstructs(List<List<string>> list)
    {
        if (StatementRandom.Next(100) < 7)
        {
            _statementStatements.Add(list.Count);
            list.Add(TransactionControl());
        }
    }

    /// <summary>At the end of the script: close an open transaction, mostly (the shell rolls back one left open).</summary>
    void EndStatementConstructs(List<List<string>> list)
    {
        if (!InTransaction || (!Clean && StatementRandom.Next(6) == 0)) return;
        _statementStatements.Add(list.Count);
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
        return StatementRandom.Next(3) == 0 ? ["ROLLBACK", "TRANSACTION", ";"] : ["ROLLBACK", ";"];
    }
}
