using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Storage;

/// <summary>sqlite_sequence, the table SQLite keeps AUTOINCREMENT's high-water marks in: an ordinary table of the
/// catalog (so SELECT, INSERT, UPDATE, DELETE, ROLLBACK and snapshots treat it as any other), made by the first
/// AUTOINCREMENT table's CREATE (sqlite3EndTable's nested "CREATE TABLE sqlite_sequence(name,seq)") and never
/// dropped. Its rows are (table name, seq); SQLite matches the name byte for byte.</summary>
public static class SequenceTable
{
    public const string Name = "sqlite_sequence";
    public const string Sql = "CREATE TABLE sqlite_sequence(name,seq)";
    public const int NameColumn = 0, SeqColumn = 1;

    /// <summary>The empty table, columns "name" and "seq" without types (no affinity).</summary>
    public static Table New()
    {
        var table = new Table { Name = Name, Columns = [Col("name"), Col("seq")] };
        table.BuildColumnIndex();
        return table;
    }

    private static Column Col(string name) => new() { Name = name, Affinity = AffinityRules.FromDeclaredType(null) };

    /// <summary>True for the table <see cref="New"/> makes (what a snapshot may hold under that name).</summary>
    public static bool HasItsShape(Table t) =>
        t.Columns.Length == 2 && t.Columns[0].Name == "name" && t.Columns[1].Name == "seq"
        && t.Columns.All(c => c.DeclaredType == null && !c.NotNull && !c.PrimaryKey && !c.Unique && !c.HasDefault)
        && t.RowIdColumn < 0 && t.Indexes.Count == 0 && !t.Autoincrement;

    /// <summary>A name's row as sqlite3AutoincrementBegin finds it: the first, in rowid order, whose name equals it
    /// (OP_Ne without affinity or collation: only a text of the same bytes).</summary>
    public static Row? RowOf(Table sequence, string tableName)
    {
        foreach (var row in sequence.Rows)
            if (Matches(row, tableName)) return row;
        return null;
    }

    /// <summary>"name = 'tableName'" as DROP TABLE's and RENAME's nested statements test it (BINARY, no affinity).</summary>
    public static bool Matches(Row row, string tableName) =>
        row.Values[NameColumn] is { Type: SqlType.Text } v && string.Equals(v.Text, tableName, StringComparison.Ordinal);
}
