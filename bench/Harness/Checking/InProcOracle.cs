using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace FastDb.Harness.Checking;

/// <summary>
/// --checker inproc: the same checks against one in-process SQLite database (Microsoft.Data.Sqlite), with each row
/// printed as the sqlite3 shell prints it in its default list mode (columns joined by '|', NULL as nothing, one line
/// per row). It costs microseconds instead of a process per answer, so it measures the cluster beyond octopus's
/// checker cap. Errors are approximated: the first error of the script is rendered as the 3.40 shell's
/// "Runtime error near line 1: MESSAGE (CODE)" for constraint failures and "Parse error near line 1: MESSAGE"
/// otherwise, without the shell's context lines (Microsoft.Data.Sqlite does not expose the error offset). The
/// workload only errs if a boot query is answered twice, which a correct cluster never does.
/// </summary>
public sealed class InProcOracle : IAnswerOracle
{
    private readonly SqliteConnection _connection;

    public InProcOracle()
    {
        _connection = new SqliteConnection("Data Source=:memory:");
        _connection.Open();
    }

    public Task<byte[]> ExpectedAsync(string query, CancellationToken token) => Task.FromResult(Execute(query));

    public byte[] Execute(string query)
    {
        var output = new StringBuilder();
        try
        {
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = query + ";";
            using SqliteDataReader reader = command.ExecuteReader();
            do
            {
                while (reader.Read())
                {
                    for (int i = 0; i < reader.FieldCount; i++)
                    {
                        if (i > 0) output.Append('|');
                        output.Append(Render(reader.GetValue(i)));
                    }
                    output.Append('\n');
                }
            } while (reader.NextResult());
        }
        catch (SqliteException e)
        {
            string message = e.Message;
            // Microsoft.Data.Sqlite says "SQLite Error 1: 'no such table: x'."; the shell prints the inner text.
            int open = message.IndexOf('\'');
            int close = message.LastIndexOf('\'');
            if (open >= 0 && close > open) message = message[(open + 1)..close];
            bool runtime = e.SqliteErrorCode == 19 /* SQLITE_CONSTRAINT */ || message.Contains("overflow", StringComparison.Ordinal);
            return Encoding.UTF8.GetBytes(runtime
                ? $"Runtime error near line 1: {message} ({e.SqliteExtendedErrorCode})\n"
                : $"Parse error near line 1: {message}\n");
        }
        return Encoding.UTF8.GetBytes(output.ToString());
    }

    private static string Render(object value) => value switch
    {
        DBNull => "",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        byte[] b => Encoding.UTF8.GetString(b),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    public void Dispose() => _connection.Dispose();
}
