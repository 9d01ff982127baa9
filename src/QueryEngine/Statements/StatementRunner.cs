using System.Buffers;
using System.Text;
using System.Text.Json;
using FastDb.QueryEngine.Execution;
using FastDb.QueryEngine.Storage;
using FastDb.QueryEngine.Syntax;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Statements;

/// <summary>A statement list's answer: rqlite's "results" array as JSON, and whether any statement failed.</summary>
public readonly record struct StatementsOutcome(string ResultsJson, bool Failed);

/// <summary>
/// Runs an rqlite statement list on the tables and writes rqlite's per-statement results: for a query its
/// <c>columns</c>, <c>types</c> (the declared type, lower case, or the first row's value type when there is none)
/// and <c>values</c>; for anything else <c>last_insert_id</c> and <c>rows_affected</c> (left out when 0, as rqlite
/// does); for a failure <c>error</c> with the engine's message. Each statement is atomic (the executor's journal);
/// a failing statement ends a transaction's list (the caller rolls back what the list did before it). Read-only
/// runs (local reads) refuse anything but SELECT before it runs. Deterministic: the JSON depends only on the
/// database and the command, never on the clock, so it can be kept in the replicated dedup window.
/// </summary>
public sealed class StatementRunner(Catalog catalog)
{
    public const string ReadOnlyMessage = "attempt to write a readonly database";

    private readonly Catalog _catalog = catalog;
    private readonly Executor _executor = new(catalog);
    private readonly CollectedRows _rows = new();
    private readonly StringBuilder _ignored = new();

    public StatementsOutcome Run(StatementsMode mode, bool transaction, IReadOnlyList<StatementRequest> statements, bool readOnly)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        bool failed = false;
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartArray();
            _executor.Rows = _rows;
            _rows.AnswerBytes = 0;
            long lastInsertId = 0;
            foreach (var statement in statements)
            {
                var error = RunOne(statement, mode, readOnly, ref lastInsertId, json);
                if (error is null) continue;
                failed = true;
                if (transaction) break;
            }
            json.WriteEndArray();
        }
        return new StatementsOutcome(Encoding.UTF8.GetString(buffer.WrittenSpan), failed);
    }

    /// <summary>Runs one entry (its text may hold several statements; the last one's result is reported).</summary>
    private string? RunOne(StatementRequest request, StatementsMode mode, bool readOnly, ref long lastInsertId, Utf8JsonWriter json)
    {
        _rows.Reset();
        _executor.Changes = _executor.TotalChanges = 0;
        long insertIdBefore = _executor.LastInsertRowId;
        SelectStatement? lastSelect = null;
        bool any = false;
        try
        {
            var sql = ParameterBinder.Bind(request);
            int pos = 0;
            while (true)
            {
                while (pos < sql.Length && char.IsWhiteSpace(sql[pos])) pos++;
                if (pos >= sql.Length) break;
                var stmt = Parser.ParseOne(sql, pos, _catalog.Exists, _catalog.IndexExists, _catalog.ColumnExists, out int next);
                if (stmt is not null)
                {
                    if (readOnly && stmt is not SelectStatement) throw new SqlRuntimeException(ReadOnlyMessage, 8);
                    // rqlite's query results are a SELECT's; a pragma's rows would be lost.
                    if (stmt is PragmaStatement) throw new SqlParseException("FastDb does not support PRAGMA in rqlite's API");
                    if (stmt is TransactionStatement) throw new SqlParseException("FastDb does not support BEGIN/COMMIT/ROLLBACK/SAVEPOINT/RELEASE in rqlite's API (use ?transaction)");
                    // rqlite's execute results carry no rows; RETURNING's would be lost (or mistaken for a query's).
                    if (stmt is InsertStatement { Returning: not null } or UpdateStatement { Returning: not null } or DeleteStatement { Returning: not null })
                        throw new SqlParseException("FastDb does not support RETURNING in rqlite's API");
                    _executor.Run(stmt, _ignored);
                    _ignored.Clear();
                    if (stmt is SelectStatement select) lastSelect = select;
                    any = true;
                }
                if (next <= pos) break;
                pos = next;
            }
        }
        catch (Exception e) when (e is SqlParseException or SqlRuntimeException or ParameterBindException)
        {
            _executor.LastInsertRowId = insertIdBefore;
            json.WriteStartObject();
            json.WriteString("error", e.Message);
            json.WriteEndObject();
            return e.Message;
        }
        if (!any)
        {
            const string message = "empty statement";
            json.WriteStartObject();
            json.WriteString("error", message);
            json.WriteEndObject();
            return message;
        }
        bool asQuery = mode == StatementsMode.Query || (mode == StatementsMode.Request && lastSelect is not null);
        json.WriteStartObject();
        if (asQuery) WriteRows(json, lastSelect);
        else
        {
            if (_executor.LastInsertRowId != insertIdBefore) lastInsertId = _executor.LastInsertRowId;
            if (lastInsertId != 0) json.WriteNumber("last_insert_id", lastInsertId);
            if (_executor.TotalChanges != 0) json.WriteNumber("rows_affected", _executor.TotalChanges);
        }
        json.WriteEndObject();
        return null;
    }

    private void WriteRows(Utf8JsonWriter json, SelectStatement? select)
    {
        var names = _rows.Names;
        json.WriteStartArray("columns");
        foreach (var name in names) json.WriteStringValue(name);
        json.WriteEndArray();
        var declared = DeclaredTypes(select, names.Length);
        json.WriteStartArray("types");
        for (int c = 0; c < names.Length; c++)
        {
            var type = declared[c];
            if (string.IsNullOrEmpty(type) && _rows.Values.Count > 0)
                type = _rows.Values[0][c].Type switch { SqlType.Integer => "integer", SqlType.Real => "real", SqlType.Text => "text", SqlType.Blob => "blob", _ => "" };
            json.WriteStringValue(type?.ToLowerInvariant() ?? "");
        }
        json.WriteEndArray();
        if (_rows.Values.Count == 0) return;
        json.WriteStartArray("values");
        foreach (var row in _rows.Values)
        {
            json.WriteStartArray();
            foreach (var value in row) WriteValue(json, value);
            json.WriteEndArray();
        }
        json.WriteEndArray();
    }

    /// <summary>sqlite3_column_decltype: a result column that is a table column has that column's declared type.</summary>
    private string?[] DeclaredTypes(SelectStatement? select, int count)
    {
        var types = new string?[count];
        if (select?.From is not { } from || _catalog.Find(from) is not { } table) return types;
        var list = new List<string?>();
        foreach (var column in select.Columns)
        {
            if (column.Expression is null) foreach (var c in table.Columns) list.Add(c.DeclaredType);
            else if (column.Expression is ColumnExpr { Index: >= 0 } ce && ce.Index < table.Columns.Length) list.Add(table.Columns[ce.Index].DeclaredType);
            else if (column.Expression is ColumnExpr { IsRowId: true } rowid && table.RowIdColumn >= 0) list.Add(table.Columns[table.RowIdColumn].DeclaredType);
            else list.Add(null);
        }
        return list.Count == count ? list.ToArray() : types;
    }

    /// <summary>A value as rqlite writes it: numbers as JSON numbers (infinities as ±1e999), text as strings, blobs as base64 strings, NULL as null.</summary>
    public static void WriteValue(Utf8JsonWriter json, SqlValue value)
    {
        switch (value.Type)
        {
            case SqlType.Integer: json.WriteNumberValue(value.Integer); break;
            case SqlType.Real:
                if (double.IsFinite(value.Real)) json.WriteNumberValue(value.Real);
                else json.WriteRawValue(value.Real > 0 ? "1e999" : "-1e999", skipInputValidation: true);
                break;
            case SqlType.Text: json.WriteStringValue(value.Text); break;
            case SqlType.Blob: json.WriteBase64StringValue(value.Blob); break; // as rqlite writes a blob
            default: json.WriteNullValue(); break;
        }
    }
}
