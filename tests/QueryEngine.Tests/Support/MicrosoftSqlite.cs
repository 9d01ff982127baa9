using System.Text;
using Microsoft.Data.Sqlite;

namespace FastDb.QueryEngine.Tests.Support;

/// <summary>
/// The second oracle: SQLite in-process through Microsoft.Data.Sqlite. It cannot reproduce the shell's error texts
/// or chunking, so it is used for values: an error-free script's rows, formatted as the shell would print them.
/// </summary>
public static class MicrosoftSqlite
{
    /// <summary>All rows of all statements of a script on a fresh in-memory database, as list-mode text; null if any statement failed.</summary>
    public static string? RowsOf(string script)
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = script;
        var text = new StringBuilder();
        try
        {
            using var reader = command.ExecuteReader();
            do
            {
                while (reader.Read())
                {
                    for (var i = 0; i < reader.FieldCount; i++)
                    {
                        if (i > 0) text.Append('|');
                        text.Append(SqliteText.FormatValue(reader.GetValue(i)));
                    }
                    text.Append('\n');
                }
            } while (reader.NextResult());
        }
        catch (SqliteException)
        {
            return null;
        }
        return text.ToString();
    }

    public static string Version
    {
        get
        {
            using var connection = new SqliteConnection("Data Source=:memory:");
            connection.Open();
            return connection.ServerVersion;
        }
    }
}
