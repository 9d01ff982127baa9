using FastDb.QueryEngine.Syntax;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Storage;

/// <summary>The schema: tables by case-insensitive name, in creation order.</summary>
public sealed class Catalog
{
    private readonly Dictionary<string, Table> _byName = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<Table> _ordered = [];

    public IReadOnlyList<Table> Tables => _ordered;
    public Table? Find(string name) => _byName.TryGetValue(name, out var t) ? t : null;
    public bool Exists(string name) => _byName.ContainsKey(name);
    public void Add(Table t) { _byName.Add(t.Name, t); _ordered.Add(t); Version++; t.Owner = this; Bytes += t.Bytes; }
    public void Remove(Table t) { _byName.Remove(t.Name); _ordered.Remove(t); Version++; t.Owner = null; Bytes -= t.Bytes; }

    /// <summary>Everything stored, as counted against <see cref="EngineLimits.MaxDatabaseBytes"/>.</summary>
    public long Bytes { get; internal set; }

    /// <summary>The database limit: sqlite3's "database or disk is full" once the stored size is over it.</summary>
    public void CheckSize()
    {
        if (Bytes > EngineLimits.MaxDatabaseBytes)
            throw new SqlRuntimeException(EngineLimits.DatabaseFullMessage, EngineLimits.DatabaseFullCode);
    }

    /// <summary>Changes whenever a table is created or dropped (schemas are immutable otherwise), so derived facts
    /// about the schema can be cached against it.</summary>
    public long Version { get; private set; } = 1;

    /// <summary>The CTF fast path's verdict on ctf3 for <see cref="CtfTableVersion"/> (null: not applicable).</summary>
    internal Table? CtfTable;
    internal long CtfTableVersion;
}

public static class TableFactory
{
    public static Table Create(CreateTableStatement c)
    {
        var columns = new Column[c.Columns.Count];
        var table = new Table { Name = c.Name, Columns = columns };
        for (int i = 0; i < columns.Length; i++)
        {
            var d = c.Columns[i];
            var affinity = AffinityRules.FromDeclaredType(d.DeclaredType);
            columns[i] = new Column
            {
                Name = d.Name, DeclaredType = d.DeclaredType, Affinity = affinity, NotNull = d.NotNull,
                PrimaryKey = d.PrimaryKey, Unique = d.Unique, DefaultExpr = d.Default,
                Default = d.Default == null ? SqlValue.Null : AffinityRules.Apply(affinity, d.Default.Eval(new RowContext())),
            };
            if (d.PrimaryKey && !d.PrimaryKeyDescending && string.Equals(d.DeclaredType, "INTEGER", StringComparison.OrdinalIgnoreCase))
                table.RowIdColumn = i;
        }
        // Indexes in declaration order: column PRIMARY KEY/UNIQUE in column order; the planner and the constraint
        // checks walk them as SQLite links them (newest first).
        table.BuildColumnIndex();
        foreach (var name in c.IndexColumns)
        {
            int i = table.ColumnIndex(name);
            if (i < 0 || i == table.RowIdColumn || table.IndexOn(i) != null) continue;
            table.Indexes.Add(new UniqueIndex(i, c.Name + "." + columns[i].Name));
        }
        return table;
    }
}
