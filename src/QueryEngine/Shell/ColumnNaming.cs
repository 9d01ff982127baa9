using FastDb.QueryEngine.Storage;
using FastDb.QueryEngine.Syntax;

namespace FastDb.QueryEngine.Shell;

/// <summary>SQLite's generateColumnNames with its default short column names: an AS name first; a column reference
/// is the column's declared name (the rowid, "rowid", or its INTEGER PRIMARY KEY column's name); anything else is the
/// expression's text as written.</summary>
public static class ColumnNaming
{
    /// <summary>The names of a bound SELECT's result columns, <c>*</c> and <c>t.*</c> expanded.</summary>
    public static string[] Of(IReadOnlyList<ResultColumn> columns, Table? table)
    {
        var names = new List<string>(columns.Count);
        foreach (var rc in columns)
        {
            if (rc.Expression is null)
            {
                if (table != null) foreach (var column in table.Columns) names.Add(column.Name);
                continue;
            }
            if (rc.Alias != null) names.Add(rc.Alias);
            else if (rc.Expression is ColumnExpr c && table != null) names.Add(ColumnName(table, c));
            else names.Add(rc.Span ?? "column" + (names.Count + 1));
        }
        return [.. names];
    }

    private static string ColumnName(Table table, ColumnExpr c)
    {
        int index = c.Index >= 0 ? c.Index : table.RowIdColumn;
        return index >= 0 ? table.Columns[index].Name : "rowid";
    }
}
