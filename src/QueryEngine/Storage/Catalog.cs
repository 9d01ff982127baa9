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
    public bool ColumnExists(string table, string column) => Find(table)?.ColumnIndex(column) >= 0;
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

    /// <summary>sqlite_master's rows in rowid order (tables and their automatic indexes).</summary>
    public List<SchemaEntry> Schema { get; } = [];
    public PageAllocator Pages { get; internal set; } = new();
    /// <summary>Sticky: sqlite_master (page 1) may have outgrown its page, so later page numbers are unknown.</summary>
    public bool MasterMayHaveSplit { get; internal set; }
    /// <summary>sqlite_master's counted size; page 1 holds 3,988 bytes of cells, this stays well under.</summary>
    public long MasterBytes { get; internal set; }
    private const long MasterSplitBytes = 2500;
    /// <summary>Set by a version-1 snapshot that cannot tell how many automatic indexes a table has.</summary>
    public bool SchemaRowsUnknown { get; internal set; }

    /// <summary>Adds a created table with its sqlite_master rows: the table, then an automatic index per PRIMARY KEY
    /// or UNIQUE constraint, in declaration order, each with the next root page.</summary>
    public void Create(Table t, string sql)
    {
        var entries = new List<SchemaEntry> { new() { Type = "table", Name = t.Name, TableName = t.Name, Sql = sql } };
        for (int i = 0; i < t.Indexes.Count + t.RedundantRowIdIndexes; i++)
            entries.Add(new SchemaEntry { Type = "index", Name = "sqlite_autoindex_" + t.Name + "_" + (i + 1), TableName = t.Name });
        foreach (var e in entries) MasterBytes += EntryBytes(e);
        if (MasterBytes > MasterSplitBytes) MasterMayHaveSplit = true;
        // Pages of a b-tree that may have split (or of sqlite_master) are not modelled: from then on, unknown.
        if (MasterMayHaveSplit) Pages.MarkUnknown();
        foreach (var other in _ordered) if (other.MayHaveSplit) Pages.MarkUnknown();
        long rowId = Schema.Count == 0 ? 0 : Schema[^1].RowId;
        foreach (var e in entries)
        {
            e.RootPage = Pages.Allocate();
            e.RowId = ++rowId;
            Schema.Add(e);
        }
        Add(t);
    }

    /// <summary>Drops a table and its indexes, freeing their root pages highest first as SQLite's destroyTable does.</summary>
    public void Drop(Table t)
    {
        var mine = Schema.Where(e => string.Equals(e.TableName, t.Name, StringComparison.OrdinalIgnoreCase)).ToList();
        if (t.MayHaveSplit) Pages.MarkUnknown();
        foreach (var e in mine.OrderByDescending(e => e.RootPage))
        {
            if (e.RootPage < 0) Pages.MarkUnknown();
            Pages.Free(e.RootPage);
            Schema.Remove(e);
            MasterBytes -= EntryBytes(e);
        }
        Remove(t);
    }

    /// <summary>The sqlite_master row of an index, by name (tables and indexes share one namespace).</summary>
    public SchemaEntry? FindIndex(string name) =>
        Schema.Find(e => e.Type == "index" && string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase));

    public bool IndexExists(string name) => FindIndex(name) != null;

    /// <summary>CREATE INDEX: the index joins its table (checked first by constraint checks, as SQLite links a new
    /// index at the head of the table's list) and gets a root page and a sqlite_master row.</summary>
    public void CreateIndex(Table t, UniqueIndex index, string sql)
    {
        var entry = new SchemaEntry { Type = "index", Name = index.Name!, TableName = t.Name, Sql = sql };
        MasterBytes += EntryBytes(entry);
        if (MasterBytes > MasterSplitBytes) MasterMayHaveSplit = true;
        if (MasterMayHaveSplit) Pages.MarkUnknown();
        foreach (var other in _ordered) if (other.MayHaveSplit) Pages.MarkUnknown();
        entry.RootPage = Pages.Allocate();
        entry.RowId = (Schema.Count == 0 ? 0 : Schema[^1].RowId) + 1;
        Schema.Add(entry);
        t.Indexes.Add(index);
        Version++;
    }

    public void DropIndex(Table t, SchemaEntry entry)
    {
        if (t.MayHaveSplit || entry.RootPage < 0) Pages.MarkUnknown();
        Pages.Free(entry.RootPage);
        Schema.Remove(entry);
        MasterBytes -= EntryBytes(entry);
        t.Indexes.RemoveAll(ix => ix.Name != null && string.Equals(ix.Name, entry.Name, StringComparison.OrdinalIgnoreCase));
        Version++;
    }

    /// <summary>ALTER TABLE changed a table's columns or indexes (new arrays and objects, never the old ones in place,
    /// so a transaction's checkpoint still holds the old ones) or its name.</summary>
    internal void Altered(Table t, string? newName = null)
    {
        if (newName != null)
        {
            _byName.Remove(t.Name);
            t.Name = newName;
            _byName.Add(newName, t);
        }
        t.BuildColumnIndex();
        CtfTable = null;
        Version++;
    }

    /// <summary>ALTER TABLE rewrote a sqlite_master row in place (the journal keeps copies of the rows).</summary>
    internal void RewriteEntry(SchemaEntry e, string name, string tableName, string? sql)
    {
        MasterBytes -= EntryBytes(e);
        e.Name = name;
        e.TableName = tableName;
        e.Sql = sql;
        MasterBytes += EntryBytes(e);
        if (MasterBytes > MasterSplitBytes) MasterMayHaveSplit = true;
    }

    /// <summary>ROLLBACK: the tables, sqlite_master's rows and the pages become what they were at BEGIN (see
    /// <see cref="TransactionJournal"/>); the tables' rows are already restored.</summary>
    internal void Restore(List<Table> tables, List<SchemaEntry> schema, PageAllocator pages, bool masterMayHaveSplit, long masterBytes)
    {
        foreach (var t in _ordered) t.Owner = null;
        _byName.Clear();
        _ordered.Clear();
        Bytes = 0;
        foreach (var t in tables) Add(t);
        Schema.Clear();
        Schema.AddRange(schema);
        Pages = pages;
        MasterMayHaveSplit = masterMayHaveSplit;
        MasterBytes = masterBytes;
        CtfTable = null;
        Version++;
    }

    internal static long EntryBytes(SchemaEntry e) =>
        24 + StorageSize.Utf8Length(e.Type) + StorageSize.Utf8Length(e.Name) + StorageSize.Utf8Length(e.TableName)
        + (e.Sql == null ? 0 : StorageSize.Utf8Length(e.Sql));

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
        var table = new Table { Name = c.Name, Columns = columns, Autoincrement = c.Autoincrement };
        // A PRIMARY KEY of several columns is a UNIQUE index like any other: no column becomes the rowid.
        bool singleKey = !c.IndexConstraints.Exists(k => k.PrimaryKey && k.Columns.Length > 1);
        for (int i = 0; i < columns.Length; i++)
        {
            var d = c.Columns[i];
            columns[i] = CreateColumn(d);
            if (singleKey && d.PrimaryKey && !d.PrimaryKeyDescending && string.Equals(d.DeclaredType, "INTEGER", StringComparison.OrdinalIgnoreCase))
                table.RowIdColumn = i;
        }
        // Indexes in declaration order: column PRIMARY KEY/UNIQUE in column order; the planner and the constraint
        // checks walk them as SQLite links them (newest first).
        table.BuildColumnIndex();
        int rowIdMentions = 0;
        foreach (var constraint in c.IndexConstraints)
        {
            if (constraint.Columns.Length > 1)
            {
                var key = Array.ConvertAll(constraint.Columns, table.ColumnIndex);
                // sqlite3CreateIndex drops a constraint's index identical to one the table already has.
                if (table.Indexes.Exists(ix => ix.Columns.AsSpan().SequenceEqual(key))) continue;
                table.Indexes.Add(new UniqueIndex(key, UniqueIndex.ConstraintNameOf(table, key), unique: true, name: null));
                continue;
            }
            int i = table.ColumnIndex(constraint.Column);
            if (i >= 0 && i == table.RowIdColumn && ++rowIdMentions == 2) table.RedundantRowIdIndexes = 1;
            // A second constraint on the column is dropped as identical whatever its order (sqlite3CreateIndex).
            if (i < 0 || i == table.RowIdColumn || table.Indexes.Exists(ix => !ix.IsComposite && ix.Column == i)) continue;
            table.Indexes.Add(new UniqueIndex(i, c.Name + "." + columns[i].Name, descending: constraint.Descending));
        }
        table.Checks = BindChecks(table, c);
        return table;
    }

    /// <summary>The CHECK constraints of a CREATE TABLE statement (or its text parsed again) bound to the table.</summary>
    public static List<TableCheck> BindChecks(Table table, CreateTableStatement create) =>
        create.Checks.ConvertAll(check => new TableCheck(BindCheck(table, check.Expr), check.Label));

    /// <summary>A CHECK expression resolved against its table, as sqlite3EndTable does (sqlite3ResolveSelfReference,
    /// NC_IsCheck): no subquery, no aggregate, names of the table only. random() and the clock are refused: a
    /// replica must test what every other one tests.</summary>
    public static Syntax.Expr BindCheck(Table table, Syntax.Expr check)
    {
        if (ContainsSubquery(check)) throw new Syntax.SqlParseException("subqueries prohibited in CHECK constraints");
        var bound = Syntax.Expr.BindWhole(check, new Syntax.Scope { Table = table });
        if (Syntax.Parser.ReadsClockOrRandom(bound)) throw new Syntax.SqlParseException("FastDb does not support random() or the current time in CHECK constraints yet");
        return bound;
    }

    private static bool ContainsSubquery(Syntax.Expr e) =>
        e is Syntax.SubqueryExpr || Syntax.Expr.OperandsOf(e).Any(ContainsSubquery);

    /// <summary>A column as declared (CREATE TABLE, ALTER TABLE ADD): its affinity and its DEFAULT's value.</summary>
    public static Column CreateColumn(ColumnDefinition d)
    {
        var affinity = AffinityRules.FromDeclaredType(d.DeclaredType);
        return new Column
        {
            Name = d.Name, DeclaredType = d.DeclaredType, Affinity = affinity, NotNull = d.NotNull,
            PrimaryKey = d.PrimaryKey, Unique = d.Unique, DefaultExpr = d.Default, HasDefault = d.Default != null,
            Default = d.Default == null || d.DefaultPerRow ? SqlValue.Null : AffinityRules.Apply(affinity, d.Default.Eval(new RowContext())),
            PerRowDefault = d.DefaultPerRow ? d.Default : null,
        };
    }
}
