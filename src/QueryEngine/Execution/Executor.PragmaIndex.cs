using FastDb.QueryEngine.Storage;
using FastDb.QueryEngine.Syntax;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Execution;

/// <summary>PRAGMA index_list, index_info and index_xinfo as pragma.c's PragTyp_INDEX_LIST and PragTyp_INDEX_INFO
/// print them. A table's indexes are listed as SQLite links them (pTab->pIndex): newest first, so the CREATE INDEX
/// ones (in sqlite_master's rowid order, which is their creation order and the order a schema reload reads them
/// in) before the automatic ones, which sqlite3CreateIndex made while the CREATE TABLE was parsed. Those are
/// replayed from the CREATE text sqlite_master keeps (ALTER TABLE rewrites it, snapshots carry it): one per PRIMARY
/// KEY or UNIQUE constraint in declaration order, named sqlite_autoindex_T_N, except the rowid's PRIMARY KEY (no
/// index) and a constraint on a column that already has one (dropped as identical; a PRIMARY KEY makes the kept one
/// origin 'pk'); its sort order is the first constraint's. FastDb's indexes are on columns, BINARY, DESC only in a
/// one-column constraint, never partial or ON CONFLICT REPLACE (refused when declared), so index_xinfo lists the key
/// columns then the rowid.
/// A name that finds no table (or no index), or none given, prints nothing; so does temp, which holds none.</summary>
public sealed partial class Executor
{
    private static readonly string[] IndexListNames = ["seq", "name", "unique", "origin", "partial"];
    private static readonly string[] IndexInfoNames = ["seqno", "cid", "name"];
    private static readonly string[] IndexXinfoNames = ["seqno", "cid", "name", "desc", "coll", "key"];

    /// <summary>One of a table's indexes as pragma.c reads its Index: the key column, onError, idxType, sort order.</summary>
    private sealed record IndexDescription(string Name, int[] Columns, bool Unique, string Origin, bool Descending);

    private List<SqlValue[]>? IndexListRows(string name, string? schema)
    {
        if (string.Equals(schema, "temp", StringComparison.OrdinalIgnoreCase) || SchemaTable.CanonicalName(name) != null) return null;
        var table = _catalog.Find(name);
        if (table == null) return null;
        var rows = new List<SqlValue[]>();
        foreach (var ix in IndexesOf(table, "index_list"))
            rows.Add([SqlValue.FromInteger(rows.Count), SqlValue.FromText(ix.Name), SqlValue.FromInteger(ix.Unique ? 1 : 0), SqlValue.FromText(ix.Origin), SqlValue.FromInteger(0)]);
        return rows;
    }

    /// <summary>sqlite3FindIndex by name; failing that a WITHOUT ROWID table's primary key would do, but FastDb has
    /// none (a rowid table's name prints nothing). index_xinfo adds desc, coll, key and the rowid column.</summary>
    private List<SqlValue[]>? IndexInfoRows(string name, string? schema, bool extended)
    {
        if (string.Equals(schema, "temp", StringComparison.OrdinalIgnoreCase)) return null;
        var entry = _catalog.FindIndex(name);
        if (entry == null) return null;
        var table = _catalog.Find(entry.TableName) ?? throw new InvalidOperationException("index " + entry.Name + " of a missing table");
        var ix = IndexesOf(table, extended ? "index_xinfo" : "index_info").Find(x => string.Equals(x.Name, entry.Name, StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException("sqlite_master's index " + entry.Name + " is not one of table " + table.Name + "'s");
        var rows = new List<SqlValue[]>();
        var binary = SqlValue.FromText("BINARY");
        for (int i = 0; i < ix.Columns.Length; i++)
        {
            var key = SqlValue.FromInteger(ix.Columns[i]);
            var column = SqlValue.FromText(table.Columns[ix.Columns[i]].Name);
            rows.Add(extended
                ? [SqlValue.FromInteger(i), key, column, SqlValue.FromInteger(i == 0 && ix.Descending ? 1 : 0), binary, SqlValue.FromInteger(1)]
                : [SqlValue.FromInteger(i), key, column]);
        }
        if (extended)
            rows.Add([SqlValue.FromInteger(ix.Columns.Length), SqlValue.FromInteger(-1), SqlValue.Null, SqlValue.FromInteger(0), binary, SqlValue.FromInteger(0)]);
        return rows;
    }

    /// <summary>The table's indexes in pTab->pIndex order (see the class summary).</summary>
    private List<IndexDescription> IndexesOf(Table table, string pragma)
    {
        var list = new List<IndexDescription>();
        foreach (var e in _catalog.Schema)
        {
            if (e.Type != "index" || e.Sql == null || !string.Equals(e.TableName, table.Name, StringComparison.OrdinalIgnoreCase)) continue;
            var ix = table.Indexes.Find(x => x.Name != null && string.Equals(x.Name, e.Name, StringComparison.OrdinalIgnoreCase))
                ?? throw new InvalidOperationException("sqlite_master's index " + e.Name + " is not one of table " + table.Name + "'s");
            list.Add(new IndexDescription(e.Name, ix.Columns, ix.Unique, "c", ix.Descending));
        }
        list.Reverse();
        int automatic = table.Indexes.Count(x => x.Name == null) + table.RedundantRowIdIndexes;
        if (automatic == 0) return list;
        var constraints = AutomaticIndexes(table, pragma);
        if (constraints.Count != automatic)
            throw new InvalidOperationException("sqlite_master's CREATE text does not match table " + table.Name + "'s indexes");
        constraints.Reverse();
        list.AddRange(constraints);
        return list;
    }

    /// <summary>The automatic indexes in creation order, replayed from the CREATE TABLE text.</summary>
    private List<IndexDescription> AutomaticIndexes(Table table, string pragma)
    {
        var entry = _catalog.Schema.Find(e => e.Type == "table" && string.Equals(e.Name, table.Name, StringComparison.OrdinalIgnoreCase));
        if (entry is not { SqlKnown: true, Sql: { } sql })
            throw new SqlParseException("FastDb does not support PRAGMA " + pragma + " on tables restored from a version-1 snapshot");
        var create = Parser.ParseOne(sql, 0, _ => false, out _) as CreateTableStatement
            ?? throw new InvalidOperationException("sqlite_master's CREATE text of table " + table.Name + " is no CREATE TABLE");
        var made = new List<IndexDescription>();
        foreach (var c in create.IndexConstraints)
        {
            var columns = Array.ConvertAll(c.Columns, table.ColumnIndex);
            if (Array.IndexOf(columns, -1) >= 0) throw new InvalidOperationException("sqlite_master's CREATE text does not match table " + table.Name);
            if (c.PrimaryKey && columns.Length == 1 && columns[0] == table.RowIdColumn) continue;
            int same = made.FindIndex(x => x.Columns.AsSpan().SequenceEqual(columns));
            if (same >= 0)
            {
                if (c.PrimaryKey) made[same] = made[same] with { Origin = "pk" };
                continue;
            }
            made.Add(new IndexDescription("sqlite_autoindex_" + table.Name + "_" + (made.Count + 1), columns, true, c.PrimaryKey ? "pk" : "u", c.Descending));
        }
        return made;
    }
}
