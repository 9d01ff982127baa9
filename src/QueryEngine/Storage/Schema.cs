using FastDb.QueryEngine.Syntax;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Storage;

/// <summary>One row of sqlite_master: a table or an index, with the root page SQLite would have given it and the
/// CREATE text it stores (NULL for the automatic indexes of PRIMARY KEY and UNIQUE).</summary>
public sealed class SchemaEntry
{
    public required string Type;
    public required string Name;
    public required string TableName;
    /// <summary>The b-tree root page, or -1 when FastDb cannot know it (see <see cref="PageAllocator"/>).</summary>
    public int RootPage;
    public string? Sql;
    /// <summary>False for entries restored from a version-1 snapshot, which did not keep the CREATE text.</summary>
    public bool SqlKnown = true;
    public long RowId;

    public SchemaEntry Clone() => (SchemaEntry)MemberwiseClone();
}

/// <summary>
/// Root page numbers as SQLite's pager hands them out in a fresh database with 4096-byte pages and no autovacuum:
/// page 1 is sqlite_master; a new b-tree takes a page from the freelist if there is one (a leaf of the first trunk,
/// the one closest to page 1, else the trunk page itself), or the next page at the end of the file; a dropped
/// table frees its pages, its indexes' and its own, highest first (the first page freed into an empty freelist
/// becomes a trunk, later ones its leaves).
/// FastDb does not model pages inside a b-tree, so once a table (or sqlite_master) may have outgrown its root page
/// (split, or an overflow page), the numbers SQLite would hand out from then on are unknown: they become -1, and a
/// query that reads them is refused rather than answered wrongly.
/// </summary>
public sealed class PageAllocator
{
    /// <summary>Leaves one trunk page holds before the next freed page becomes a new trunk (usable/4 - 8).</summary>
    private const int LeavesPerTrunk = 4096 / 4 - 8;

    public int PageCount { get; private set; } = 1;
    /// <summary>Freelist trunks, the first (head) last.</summary>
    private readonly List<(int Trunk, List<int> Leaves)> _trunks = [];
    /// <summary>Sticky: page numbers are no longer known.</summary>
    public bool Unknown { get; private set; }

    public void MarkUnknown() => Unknown = true;

    public PageAllocator Clone()
    {
        var copy = new PageAllocator { PageCount = PageCount, Unknown = Unknown };
        foreach (var (trunk, leaves) in _trunks) copy._trunks.Add((trunk, [.. leaves]));
        return copy;
    }

    public int Allocate()
    {
        if (Unknown) return -1;
        if (_trunks.Count == 0) return ++PageCount;
        var (trunk, leaves) = _trunks[^1];
        if (leaves.Count == 0)
        {
            _trunks.RemoveAt(_trunks.Count - 1);
            return trunk;
        }
        int closest = 0;
        for (int i = 1; i < leaves.Count; i++) if (leaves[i] < leaves[closest]) closest = i;
        int page = leaves[closest];
        // SQLite moves the last leaf into the slot it took.
        leaves[closest] = leaves[^1];
        leaves.RemoveAt(leaves.Count - 1);
        return page;
    }

    public void Free(int page)
    {
        if (Unknown) return;
        if (page < 2) { Unknown = true; return; }
        if (_trunks.Count > 0 && _trunks[^1].Leaves.Count < LeavesPerTrunk) _trunks[^1].Leaves.Add(page);
        else _trunks.Add((page, []));
    }

    // ---- snapshot ----

    public void Write(BinaryWriter w)
    {
        w.Write(Unknown);
        w.Write7BitEncodedInt(PageCount);
        w.Write7BitEncodedInt(_trunks.Count);
        foreach (var (trunk, leaves) in _trunks)
        {
            w.Write7BitEncodedInt(trunk);
            w.Write7BitEncodedInt(leaves.Count);
            foreach (var l in leaves) w.Write7BitEncodedInt(l);
        }
    }

    public static PageAllocator Read(BinaryReader r)
    {
        var a = new PageAllocator { Unknown = r.ReadBoolean(), PageCount = r.Read7BitEncodedInt() };
        if (a.PageCount < 1) throw new FormatException("bad page count in snapshot");
        int trunks = r.Read7BitEncodedInt();
        if (trunks < 0 || trunks > a.PageCount) throw new FormatException("bad freelist in snapshot");
        var seen = new HashSet<int>();
        for (int i = 0; i < trunks; i++)
        {
            int trunk = r.Read7BitEncodedInt();
            int n = r.Read7BitEncodedInt();
            if (n < 0 || n > LeavesPerTrunk || !Valid(trunk)) throw new FormatException("bad freelist in snapshot");
            var leaves = new List<int>(n);
            for (int j = 0; j < n; j++)
            {
                int l = r.Read7BitEncodedInt();
                if (!Valid(l)) throw new FormatException("bad freelist in snapshot");
                leaves.Add(l);
            }
            a._trunks.Add((trunk, leaves));
        }
        return a;

        bool Valid(int page) => page >= 2 && page <= a.PageCount && seen.Add(page);
    }
}

/// <summary>Builds the read-only sqlite_master table a query scans, from the catalog's entries.</summary>
public static class SchemaTable
{
    public const string MasterName = "sqlite_master";
    public const string TempMasterName = "sqlite_temp_master";
    public const int RootPageColumn = 3, SqlColumn = 4;

    /// <summary>sqlite_master / sqlite_schema (and the temp ones) as SQLite names the table they stand for.</summary>
    public static string? CanonicalName(string name)
    {
        if (name.Equals("sqlite_master", StringComparison.OrdinalIgnoreCase) || name.Equals("sqlite_schema", StringComparison.OrdinalIgnoreCase))
            return MasterName;
        if (name.Equals("sqlite_temp_master", StringComparison.OrdinalIgnoreCase) || name.Equals("sqlite_temp_schema", StringComparison.OrdinalIgnoreCase))
            return TempMasterName;
        return null;
    }

    /// <summary>A snapshot of the schema as the table "CREATE TABLE sqlite_master(type text, name text, tbl_name
    /// text, rootpage int, sql text)"; the temp schema is always empty (FastDb has no TEMP tables).</summary>
    public static Table Build(string canonicalName, IReadOnlyList<SchemaEntry> entries)
    {
        var columns = new[]
        {
            Col("type", "text"), Col("name", "text"), Col("tbl_name", "text"), Col("rootpage", "int"), Col("sql", "text"),
        };
        var table = new Table { Name = canonicalName, Columns = columns };
        table.BuildColumnIndex();
        if (canonicalName == MasterName)
            foreach (var e in entries)
                table.Add(new Row(e.RowId,
                [
                    SqlValue.FromText(e.Type), SqlValue.FromText(e.Name), SqlValue.FromText(e.TableName),
                    SqlValue.FromInteger(e.RootPage), e.Sql == null ? SqlValue.Null : SqlValue.FromText(e.Sql),
                ]));
        return table;
    }

    private static Column Col(string name, string type) =>
        new() { Name = name, DeclaredType = type, Affinity = AffinityRules.FromDeclaredType(type) };

    /// <summary>Refuses a query that reads what FastDb does not know (a root page after a b-tree may have split,
    /// or the text of a table restored from an old snapshot).</summary>
    public static void CheckKnown(Catalog catalog, HashSet<int> usedColumns)
    {
        if (catalog.SchemaRowsUnknown)
            throw new SqlParseException("FastDb does not support sqlite_master for tables restored from a version-1 snapshot");
        var entries = catalog.Schema;
        foreach (var e in entries)
        {
            if (e.RootPage < 0 && usedColumns.Contains(RootPageColumn))
                throw new SqlParseException("FastDb does not support sqlite_master.rootpage once a table may have outgrown its first page");
            if (!e.SqlKnown && usedColumns.Contains(SqlColumn))
                throw new SqlParseException("FastDb does not support sqlite_master.sql for tables restored from a version-1 snapshot");
        }
    }
}
