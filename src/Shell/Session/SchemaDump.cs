using System.Text;
using System.Text.Json;
using FastDb.QueryEngine.Shell;

namespace FastDb.Shell.Session;

/// <summary>One row of sqlite_master.</summary>
public sealed record SchemaRow(string Type, string Name, string TableName, string? Sql);

/// <summary>
/// The text of sqlite3 3.40.1's .schema and .dump, built from the server's answers: sqlite_master read in JSON mode
/// (so a CREATE text keeps its newlines), each table's rows rendered by the server in insert mode (so every value
/// keeps its type and a REAL its 20 digits, exactly as sqlite3's dump_callback has them printed).
/// </summary>
public static class SchemaDump
{
    /// <summary>The rows of a JSON-mode answer to "SELECT type, name, tbl_name, sql FROM sqlite_master" (none: empty).</summary>
    public static List<SchemaRow> ParseRows(string json)
    {
        var rows = new List<SchemaRow>();
        if (json.Trim().Length == 0) return rows;
        using var document = JsonDocument.Parse(json);
        foreach (var row in document.RootElement.EnumerateArray())
        {
            var sql = row.GetProperty("sql");
            rows.Add(new SchemaRow(row.GetProperty("type").GetString() ?? "", row.GetProperty("name").GetString() ?? "",
                row.GetProperty("tbl_name").GetString() ?? "", sql.ValueKind == JsonValueKind.Null ? null : sql.GetString()));
        }
        return rows;
    }

    /// <summary>The script that has the server print a table's rows as dump_callback does: insert mode into the
    /// table's (quoted) name, no headers, every column in rowid order.</summary>
    public static string TableRowsScript(string table)
    {
        char quote = table.Contains('\'') ? '"' : '\'';
        return $".mode insert {quote}{table}{quote}\nSELECT * FROM {ShellQuoting.QuoteName(table)}";
    }

    /// <summary>
    /// printSchemaLine(sql, ";\n"): a text ending in a comment is first closed so that the ';' is not swallowed, and
    /// a CREATE TABLE of a quoted name is written as CREATE TABLE IF NOT EXISTS.
    /// </summary>
    public static void AppendSchemaLine(StringBuilder output, string sql)
    {
        if (sql.Contains("/*", StringComparison.Ordinal) || sql.Contains("--", StringComparison.Ordinal))
        {
            foreach (var terminator in new[] { "", "*/", "\n" })
            {
                if (FastDb.QueryEngine.Shell.SqliteComplete.IsComplete(sql + terminator + ";"))
                {
                    sql += terminator;
                    break;
                }
            }
        }
        if (sql.Length > 13 && sql.StartsWith("CREATE TABLE ", StringComparison.Ordinal) && sql[13] is '\'' or '"')
            output.Append("CREATE TABLE IF NOT EXISTS ").Append(sql, 13, sql.Length - 13).Append(";\n");
        else
            output.Append(sql).Append(";\n");
    }

    /// <summary>run_table_dump_query for indexes, triggers and views: the text, then ";" on a line of its own when
    /// the text holds a "--" comment.</summary>
    public static void AppendOtherLine(StringBuilder output, string sql) =>
        output.Append(sql).Append(sql.Contains("--", StringComparison.Ordinal) ? "\n;\n" : ";\n");

    /// <summary>
    /// sqlite3's .dump of the schema rows that <paramref name="include"/> keeps: each table's CREATE and its rows (as
    /// <paramref name="tableRows"/> renders <see cref="TableRowsScript"/>, null: give up), then indexes, triggers and
    /// views, inside BEGIN/COMMIT. The fastdb shell and the server's GET /db/backup?fmt=sql share it.
    /// </summary>
    public static async Task<string?> DumpAsync(IReadOnlyList<SchemaRow> rows, Func<SchemaRow, bool> include, Func<string, Task<string?>> tableRows)
    {
        var text = new StringBuilder("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n");
        foreach (var row in rows.Where(r => r.Type == "table" && r.Sql is not null && include(r)))
        {
            AppendSchemaLine(text, row.Sql!);
            var inserts = await tableRows(TableRowsScript(row.Name)).ConfigureAwait(false);
            if (inserts is null) return null;
            text.Append(inserts);
        }
        foreach (var row in rows.Where(r => r.Type is "index" or "trigger" or "view" && r.Sql is not null && include(r)))
            AppendOtherLine(text, row.Sql!);
        return text.Append("COMMIT;\n").ToString();
    }
}
