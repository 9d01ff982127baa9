using System.Text;
using FastDb.QueryEngine.Storage;
using FastDb.QueryEngine.Syntax;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Execution;

/// <summary>PRAGMA table_info as pragma.c's PragTyp_TABLE_INFO prints it: per column its number, name, declared
/// type (sqlite3ColumnType: one of the standard names INT, INTEGER, REAL, TEXT, BLOB, ANY in capitals, else the type
/// as written, dequoted), notnull, the DEFAULT's text and its place in the primary key (FastDb's are one column: 1).
/// A name that finds no table (sqlite3LocateTable with LOCATE_NOERR), or none given, prints nothing.</summary>
public sealed partial class Executor
{
    private static readonly string[] TableInfoNames = ["cid", "name", "type", "notnull", "dflt_value", "pk"];

    private static readonly string[] StandardTypes = ["INT", "INTEGER", "REAL", "TEXT", "BLOB", "ANY"];

    private void Pragma(PragmaStatement p, StringBuilder stdout)
    {
        if (p.Argument == null) return;
        var (rows, names) = p.Kind switch
        {
            PragmaKind.TableInfo => (TableInfoRows(p.Argument, p.Schema), TableInfoNames),
            PragmaKind.IndexList => (IndexListRows(p.Argument, p.Schema), IndexListNames),
            PragmaKind.IndexInfo => (IndexInfoRows(p.Argument, p.Schema, extended: false), IndexInfoNames),
            _ => (IndexInfoRows(p.Argument, p.Schema, extended: true), IndexXinfoNames),
        };
        if (rows == null || rows.Count == 0) return;
        Rows.Begin(Rows.NeedsNames ? names : null);
        foreach (var row in rows) Rows.Row(row, stdout);
    }

    /// <summary>The rows, or null when the name finds no table in that schema (temp holds only its sqlite_master).</summary>
    private List<SqlValue[]>? TableInfoRows(string name, string? schema)
    {
        bool temp = string.Equals(schema, "temp", StringComparison.OrdinalIgnoreCase);
        if (SchemaTable.CanonicalName(name) is { } master)
        {
            // sqlite3FindTable: sqlite_temp_master is temp's (found when no schema is named), and in temp
            // sqlite_master and sqlite_schema name it too; the columns are the same.
            if (schema != null && !temp && master == SchemaTable.TempMasterName) return null;
            return Describe(SchemaTable.Build(master, []), null);
        }
        if (temp) return null;
        var table = _catalog.Find(name);
        if (table == null) return null;
        string[]? defaults = null;
        if (table.Columns.Any(c => c.HasDefault)) defaults = DefaultTexts(table);
        return Describe(table, defaults, table.Columns.Count(c => c.PrimaryKey) > 1 ? PrimaryKeyColumns(table) : null);
    }

    /// <summary>A PRIMARY KEY of several columns, from the CREATE text (table_info's pk is a column's place in it).</summary>
    private int[] PrimaryKeyColumns(Table table)
    {
        var entry = _catalog.Schema.Find(e => e.Type == "table" && string.Equals(e.Name, table.Name, StringComparison.OrdinalIgnoreCase));
        if (entry is not { SqlKnown: true, Sql: { } sql } || Parser.ParseOne(sql, 0, _ => false, out _) is not CreateTableStatement create
            || create.IndexConstraints.Find(k => k.PrimaryKey) is not { } key)
            throw new InvalidOperationException("sqlite_master's CREATE text does not give table " + table.Name + "'s PRIMARY KEY");
        return Array.ConvertAll(key.Columns, table.ColumnIndex);
    }

    private static List<SqlValue[]> Describe(Table table, string[]? defaults, int[]? primaryKey = null)
    {
        var rows = new List<SqlValue[]>(table.Columns.Length);
        for (int i = 0; i < table.Columns.Length; i++)
        {
            var c = table.Columns[i];
            rows.Add(
            [
                SqlValue.FromInteger(i), SqlValue.FromText(c.Name), SqlValue.FromText(ColumnType(c.DeclaredType)),
                SqlValue.FromInteger(c.NotNull ? 1 : 0),
                defaults?[i] is { } text ? SqlValue.FromText(text) : SqlValue.Null,
                SqlValue.FromInteger(!c.PrimaryKey ? 0 : primaryKey == null ? 1 : Array.IndexOf(primaryKey, i) + 1),
            ]);
        }
        return rows;
    }

    /// <summary>sqlite3ColumnType: a type spelled exactly as a standard one (eCType) reads as its capitals; any
    /// other is the text as written, dequoted (sqlite3Dequote, which stops at the closing quote).</summary>
    private static string ColumnType(string? declared)
    {
        if (declared == null) return "";
        foreach (var standard in StandardTypes)
            if (declared.Equals(standard, StringComparison.OrdinalIgnoreCase)) return standard;
        return Dequote(declared);
    }

    private static string Dequote(string s)
    {
        if (s.Length == 0 || s[0] is not ('"' or '\'' or '`' or '[')) return s;
        char quote = s[0] == '[' ? ']' : s[0];
        var text = new StringBuilder();
        for (int i = 1; i < s.Length; i++)
        {
            if (s[i] != quote) { text.Append(s[i]); continue; }
            if (i + 1 < s.Length && s[i + 1] == quote) { text.Append(quote); i++; continue; }
            break;
        }
        return text.ToString();
    }

    /// <summary>The DEFAULT texts, as SQLite reads them back from the CREATE text sqlite_master keeps (ALTER TABLE
    /// rewrites it, snapshots carry it); null for a column without one.</summary>
    private string[] DefaultTexts(Table table)
    {
        var entry = _catalog.Schema.Find(e => e.Type == "table" && string.Equals(e.Name, table.Name, StringComparison.OrdinalIgnoreCase));
        if (entry is not { SqlKnown: true, Sql: { } sql })
            throw new SqlParseException("FastDb does not support PRAGMA table_info on tables restored from a version-1 snapshot");
        var columns = Parser.ParseOne(sql, 0, _ => false, out _) is CreateTableStatement c ? c.Columns : null;
        if (columns == null || columns.Count != table.Columns.Length)
            throw new InvalidOperationException("sqlite_master's CREATE text does not match table " + table.Name);
        var texts = new string[table.Columns.Length];
        for (int i = 0; i < texts.Length; i++) texts[i] = columns[i].DefaultText!;
        return texts;
    }
}
