namespace FastDb.QueryEngine.Tests.Differential;

/// <summary>
/// ALTER TABLE in the generated scripts, from a stream of its own (so every other stream draws what it drew before):
/// ADD [COLUMN] with a type, NOT NULL with a DEFAULT, a DEFAULT of each literal kind; RENAME [COLUMN] a TO b, old and
/// new names bare or quoted; RENAME TO another of the script's table names; and (unless <see cref="Clean"/>) the
/// errors that fail whatever the rows: a column that exists, PRIMARY KEY, UNIQUE, a new name taken. Each starts and
/// ends its line, so an error earlier in a line never skips it and the table model follows what ran.
/// </summary>
public sealed partial class ScriptGenerator
{
    Random? _alterRandomField;
    Random AlterRandom => _alterRandomField ??= new Random(unchecked(_seed * 49979687 + 13));
    /// <summary>Positions of the statements drawn from <see cref="AlterRandom"/> (laid out with it too).</summary>
    readonly HashSet<int> _alterStatements = [];
    static readonly string[] NewColumnNames = ["e", "f", "g", "h", "a", "b", "w", "friendCount"];

    void AddAlterConstructs(List<List<string>> list)
    {
        if (_tables.Count == 0 || AlterRandom.Next(100) >= 5) return;
        _alterStatements.Add(list.Count);
        _ownLine.Add(list.Count);
        list.Add(Alter());
    }

    List<string> Alter()
    {
        var r = AlterRandom;
        var tables = _tables.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
        var table = tables[r.Next(tables.Count)];
        var columns = _tables[table];
        // DROP COLUMN: decided by a stream of its own, so the other ALTERs stay as they were drawn when it is not.
        if (DropColumnRandom.Next(5) == 0 && DropColumn(table, columns) is { } drop) return drop;
        int roll = r.Next(10);
        if (roll < 5) return AddColumn(table, columns);
        if (roll < 8 && columns.Count > 0) return RenameColumn(table, columns);
        return RenameTable(table);
    }

    List<string> AddColumn(string table, List<Column> columns)
    {
        var r = AlterRandom;
        var tokens = new List<string> { "ALTER", "TABLE", table, "ADD" };
        if (r.Next(2) == 0) tokens.Add("COLUMN");
        int error = Clean ? 0 : r.Next(12);
        var free = FreeColumnNames(columns);
        bool duplicate = (error == 1 && columns.Count > 0) || free.Count == 0;
        var name = duplicate ? columns[r.Next(columns.Count)].Name : free[r.Next(free.Count)];
        var type = Pick(r, Types);
        tokens.Add(r.Next(5) == 0 ? "\"" + name + "\"" : name);
        if (type.Length > 0) tokens.AddRange(type.Replace("(", " ( ").Replace(")", " )").Split(' ', StringSplitOptions.RemoveEmptyEntries));
        bool notNull = r.Next(4) == 0;
        if (error == 2) tokens.AddRange(["PRIMARY", "KEY"]);
        if (error == 3) tokens.Add("UNIQUE");
        if (notNull) tokens.AddRange(["NOT", "NULL"]);
        if (notNull || r.Next(2) == 0)
        {
            tokens.Add("DEFAULT");
            tokens.AddRange(r.Next(7) switch
            {
                0 => [Pick(r, IntegerLiterals[..8])],
                1 => [Pick(r, StringLiterals)],
                2 => ["\"\""],
                3 => [Pick(r, RealLiterals)],
                4 => ["-", Pick(r, IntegerLiterals[1..8])],
                5 => ["(", "-", Pick(r, IntegerLiterals[1..8]), ")"],
                // DEFAULT NULL only where NOT NULL is not (it fails on a table with rows).
                _ => [notNull ? "0" : "NULL"],
            });
        }
        tokens.Add(";");
        if (!duplicate && error is not (2 or 3)) columns.Add(new Column(name, type, false, false, notNull));
        return tokens;
    }

    Random? _dropColumnRandom;
    Random DropColumnRandom => _dropColumnRandom ??= new Random(unchecked(_seed * 7368787 + 3));

    /// <summary>DROP [COLUMN] of a column: one that can go, or (unless <see cref="Clean"/>) a PRIMARY KEY, UNIQUE or
    /// indexed one, the last one, or no such column, which fail. Null when a clean script has none to drop.</summary>
    List<string>? DropColumn(string table, List<Column> columns)
    {
        var r = DropColumnRandom;
        bool CanGo(Column c) => !c.PrimaryKey && !c.Unique && !_indexed.Contains(c);
        var free = columns.Count > 1 ? columns.FindAll(CanGo) : [];
        int error = Clean ? 0 : r.Next(6);
        var tokens = new List<string> { "ALTER", "TABLE", table, "DROP" };
        if (r.Next(2) == 0) tokens.Add("COLUMN");
        if (error == 1)
        {
            tokens.AddRange([Quoted("nosuch", r), ";"]);
            return tokens;
        }
        if (error == 2 || free.Count == 0)
        {
            if (Clean || columns.Count == 0) return null;
            tokens.AddRange([Quoted(columns[r.Next(columns.Count)].Name, r), ";"]);
            return tokens; // it may go or fail: the model keeps it, a later statement naming it may then fail in both
        }
        var gone = free[r.Next(free.Count)];
        tokens.AddRange([Quoted(gone.Name, r), ";"]);
        columns.Remove(gone);
        return tokens;
    }

    List<string> RenameColumn(string table, List<Column> columns)
    {
        var r = AlterRandom;
        int index = r.Next(columns.Count);
        var old = columns[index];
        var tokens = new List<string> { "ALTER", "TABLE", table, "RENAME" };
        if (r.Next(2) == 0) tokens.Add("COLUMN");
        tokens.Add(Quoted(old.Name, r));
        tokens.Add("TO");
        var free = FreeColumnNames(columns);
        bool taken = (!Clean && columns.Count > 1 && r.Next(6) == 0) || free.Count == 0;
        var name = taken ? columns[(index + 1 + r.Next(columns.Count - 1)) % columns.Count].Name : free[r.Next(free.Count)];
        if (taken && columns.Count == 1) name = old.Name; // renaming to its own name
        tokens.Add(Quoted(name, r));
        tokens.Add(";");
        if (!taken)
        {
            var renamed = old with { Name = name };
            columns[index] = renamed;
            if (_indexed.Contains(old)) _indexed.Add(renamed);
        }
        return tokens;
    }

    List<string> RenameTable(string table)
    {
        var r = AlterRandom;
        var free = TableNames.Where(n => !_tables.ContainsKey(n)).ToList();
        bool taken = free.Count == 0 || (!Clean && r.Next(6) == 0);
        var existing = _tables.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
        var target = taken ? existing[r.Next(existing.Count)] : free[r.Next(free.Count)];
        var tokens = new List<string> { "ALTER", "TABLE", table, "RENAME", "TO", Quoted(target, r), ";" };
        if (!taken)
        {
            _tables[target] = _tables[table];
            _tables.Remove(table);
        }
        // Either name may hold either table from here on (the rename may fail, or be rolled back): what any version
        // of one had, the other may have had (see NoteSchema).
        ShareHistory(table, target);
        ShareHistory(target, table);
        return tokens;
    }

    void ShareHistory(string from, string to)
    {
        if (_everIndexed.Contains(from)) _everIndexed.Add(to);
        if (!_everRowid.TryGetValue(from, out var rowids)) return;
        if (!_everRowid.TryGetValue(to, out var names)) _everRowid[to] = names = new(StringComparer.OrdinalIgnoreCase);
        names.UnionWith(rowids);
    }

    List<string> FreeColumnNames(List<Column> columns) =>
        [.. NewColumnNames.Where(n => !columns.Exists(c => string.Equals(c.Name, n, StringComparison.OrdinalIgnoreCase)))];

    static string Quoted(string name, Random r) => r.Next(6) switch
    {
        0 => "\"" + name + "\"",
        1 => "[" + name + "]",
        _ => name,
    };
}
