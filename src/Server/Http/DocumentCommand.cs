using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace FastDb.Server.Http;

public enum DocumentCommandKind : byte { Set, Get, Delete }

/// <summary>What a document command answers over HTTP.</summary>
public readonly record struct DocumentResult(int Status, string Text);

/// <summary>
/// A key/value document command (the fastdb shell's SET/GET/DELETE) turned into a short SQL script on a reserved table
/// that the script itself creates on first use. Going through SQL rather than a new kind of log entry keeps one
/// apply path: documents are replicated, ordered, deduplicated and snapshotted like everything else, and stay
/// visible to SQL (<c>SELECT * FROM fastdb_documents</c>). Each script reads before it writes, in one request, so
/// "Created" versus "Updated" is decided at the command's place in the global order.
/// </summary>
public sealed class DocumentCommand(DocumentCommandKind kind, string key, string? json)
{
    public const string Table = "fastdb_documents";
    public const string BadKeyMessage = FastDb.Shared.DocumentKey.BadKeyMessage;

    private const string CreateTable =
        "CREATE TABLE IF NOT EXISTS " + Table + " (key TEXT PRIMARY KEY, value TEXT NOT NULL);\n";

    public DocumentCommandKind Kind { get; } = kind;
    public string Key { get; } = key;
    public string? Json { get; } = json;

    /// <summary>A UUID version 4, either case, normalized to lower case (the shell checks with the same code).</summary>
    public static bool TryNormalizeKey(string text, out string key) => FastDb.Shared.DocumentKey.TryNormalize(text, out key);

    /// <summary>Whether the bytes are one complete JSON value (RFC 8259: no comments, no trailing commas).</summary>
    public static bool TryValidateJson(ReadOnlySpan<byte> utf8, out string error)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 256 });
            while (reader.Read())
            {
            }
            error = "";
            return true;
        }
        catch (JsonException e)
        {
            error = e.Message;
            return false;
        }
    }

    /// <summary>The SQL the state machine runs for this command (quoted with SQL's doubled single quote).</summary>
    public string ToScript()
    {
        var where = $" FROM {Table} WHERE key = '{Key}';\n";
        return Kind switch
        {
            DocumentCommandKind.Set => CreateTable + "SELECT count(*)" + where
                + $"INSERT OR REPLACE INTO {Table} (key, value) VALUES ('{Key}', '{Json!.Replace("'", "''", StringComparison.Ordinal)}');\n",
            DocumentCommandKind.Get => CreateTable + "SELECT count(*)" + where + "SELECT value" + where,
            _ => CreateTable + "SELECT count(*)" + where + $"DELETE FROM {Table} WHERE key = '{Key}';\n",
        };
    }

    /// <summary>
    /// Reads the script's output (sqlite3's text) back into an answer. The first line is the count of documents with
    /// the key before the command; anything else means the reserved table was changed by hand and the command failed.
    /// </summary>
    public DocumentResult Interpret(string output)
    {
        var existed = output.StartsWith("1\n", StringComparison.Ordinal) ? true
            : output.StartsWith("0\n", StringComparison.Ordinal) ? false
            : (bool?)null;
        var rest = existed is null ? output : output[2..];
        if (existed is null || (Kind != DocumentCommandKind.Get && rest.Length != 0) || (Kind == DocumentCommandKind.Get && existed != (rest.Length != 0)))
            return new(StatusCodes.Status409Conflict, $"Error: the reserved table {Table} did not take the command: {output.TrimEnd('\n')}\n");
        return Kind switch
        {
            DocumentCommandKind.Set => existed.Value ? new(StatusCodes.Status200OK, "Updated\n") : new(StatusCodes.Status201Created, "Created\n"),
            DocumentCommandKind.Get => existed.Value ? new(StatusCodes.Status200OK, rest) : new(StatusCodes.Status404NotFound, "Not found\n"),
            _ => existed.Value ? new(StatusCodes.Status200OK, "Deleted\n") : new(StatusCodes.Status404NotFound, "Not found\n"),
        };
    }
}
