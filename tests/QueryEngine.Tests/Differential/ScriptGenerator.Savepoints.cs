namespace FastDb.QueryEngine.Tests.Differential;

/// <summary>
/// SAVEPOINT / RELEASE [SAVEPOINT] / ROLLBACK [TRANSACTION] TO [SAVEPOINT] in the generated scripts, drawn and laid out
/// from a stream of their own (so every other stream draws what it drew before), each on its own line. Nested, inside
/// BEGIN or outside it (where the first SAVEPOINT starts a transaction that the release of its outermost savepoint
/// commits), names reused in another case so the newest match is the one found, and (unless <see cref="Clean"/>)
/// a name no savepoint has (its error). The table model follows them: ROLLBACK TO puts back the tables as they were
/// at the savepoint, COMMIT and ROLLBACK end them all.
/// </summary>
public sealed partial class ScriptGenerator
{
    Random? _savepointRandomField;
    Random SavepointRandom => _savepointRandomField ??= new Random(unchecked(_seed * 86028121 + 29));
    /// <summary>Positions of the statements drawn from <see cref="SavepointRandom"/> (laid out with it too).</summary>
    readonly HashSet<int> _savepointStatements = [];
    static readonly string[] SavepointNames = ["s0", "s1", "S1", "sp", "x"];

    /// <summary>Open savepoints, oldest first, each with the tables as they were when it was set.</summary>
    readonly List<(string Name, Dictionary<string, List<Column>> Tables)> _savepoints = [];
    /// <summary>The open transaction was started by a SAVEPOINT (releasing its outermost savepoint commits it).</summary>
    bool _savepointTransaction;

    Dictionary<string, List<Column>> CopyTables() => _tables.ToDictionary(kv => kv.Key, kv => new List<Column>(kv.Value));

    void AddSavepointConstructs(List<List<string>> list)
    {
        var r = SavepointRandom;
        if (r.Next(100) >= 6) return;
        _savepointStatements.Add(list.Count);
        _ownLine.Add(list.Count);
        list.Add(SavepointStatement());
    }

    List<string> SavepointStatement()
    {
        var r = SavepointRandom;
        int roll = r.Next(10);
        if (_savepoints.Count == 0 && (roll >= 3 || Clean)) roll = 0;
        if (roll < 4 && _savepoints.Count < 4) return Savepoint();
        // A name none has (an error), or one that is open.
        bool missing = !Clean && r.Next(8) == 0;
        string name = missing ? Pick(r, SavepointNames.Where(n => !_savepoints.Exists(s => Same(s.Name, n))).DefaultIfEmpty("nosuch").ToList())
            : _savepoints[r.Next(_savepoints.Count)].Name;
        if (r.Next(2) == 0 && !missing) name = r.Next(2) == 0 ? name.ToUpperInvariant() : name.ToLowerInvariant();
        int at = _savepoints.FindLastIndex(s => Same(s.Name, name));
        if (roll < 7)
        {
            var tokens = new List<string> { "RELEASE" };
            if (r.Next(2) == 0) tokens.Add("SAVEPOINT");
            tokens.AddRange([name, ";"]);
            if (at == 0 && _savepointTransaction)
            {
                _tablesAtBegin = null;
                EndSavepoints();
            }
            else if (at >= 0) _savepoints.RemoveRange(at, _savepoints.Count - at);
            return tokens;
        }
        var rollback = new List<string> { "ROLLBACK" };
        if (r.Next(3) == 0) rollback.Add("TRANSACTION");
        rollback.Add("TO");
        if (r.Next(2) == 0) rollback.Add("SAVEPOINT");
        rollback.AddRange([name, ";"]);
        if (at >= 0)
        {
            _savepoints.RemoveRange(at + 1, _savepoints.Count - at - 1);
            _tables.Clear();
            foreach (var (table, columns) in _savepoints[at].Tables) _tables[table] = new List<Column>(columns);
        }
        return rollback;
    }

    List<string> Savepoint()
    {
        var r = SavepointRandom;
        var name = Pick(r, SavepointNames);
        if (!InTransaction)
        {
            _tablesAtBegin = CopyTables();
            _savepointTransaction = true;
        }
        _savepoints.Add((name, CopyTables()));
        return ["SAVEPOINT", name, ";"];
    }

    /// <summary>COMMIT, ROLLBACK or the release of a transaction's outermost savepoint: none stays open.</summary>
    void EndSavepoints()
    {
        _savepoints.Clear();
        _savepointTransaction = false;
    }

    static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
