using System.Text;
using FastDb.QueryEngine.Execution;
using FastDb.QueryEngine.Storage;
using FastDb.QueryEngine.Syntax;

namespace FastDb.QueryEngine.Shell;

/// <summary>The sqlite3 shell's main loop for a script on stdin: chunks (process_input), statements of a chunk
/// prepared and run one after another (shell_exec), the first failure ends the chunk and is reported as
/// runOneSqlLine does, and any failure makes the exit status 1.</summary>
public sealed class ShellRunner(Catalog catalog)
{
    private readonly Catalog _catalog = catalog;
    private readonly Executor _executor = new(catalog);
    private readonly RowOutput _listRows = RowOutput.For(new OutputSettings());

    public ExecutionResult Run(string script)
    {
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        // Each script starts in sqlite3's default output (list mode, no headers), as a fresh sqlite3 process does;
        // the shared list-mode output serves every script that has no dot-command (nearly all: no allocation).
        OutputSettings? settings = null;
        _executor.Rows = _listRows;
        _listRows.AnswerBytes = 0;
        _executor.Changes = _executor.TotalChanges = 0;
        _executor.LastInsertRowId = 0; // a fresh sqlite3 process: last_insert_rowid() starts at 0
        int errors = 0;
        try
        {
            RunChunks(script, ref settings, ref errors, stdout, stderr);
        }
        finally
        {
            _executor.EndScript();
        }
        return new ExecutionResult(stdout.ToString(), stderr.ToString(), errors > 0 ? 1 : 0);
    }

    private void RunChunks(string script, ref OutputSettings? settings, ref int errors, StringBuilder stdout, StringBuilder stderr)
    {
        foreach (var chunk in InputChunker.Split(script))
        {
            if (chunk.StartLine < 0)
            {
                settings ??= new OutputSettings();
                if (!ScriptDotCommand.Run(chunk.Text, settings, stdout, stderr)) errors++;
                var answered = _executor.Rows.AnswerBytes;
                _executor.Rows = RowOutput.For(settings);
                _executor.Rows.AnswerBytes = answered;
                continue;
            }
            if (!RunChunk(chunk, stdout, stderr)) errors++;
            else if (settings is { CountChanges: true })
                stdout.Append("changes: ").Append(_executor.Changes).Append("   total_changes: ").Append(_executor.TotalChanges).Append('\n');
        }
    }

    private static bool IsCSpace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';

    private bool RunChunk(Chunk chunk, StringBuilder stdout, StringBuilder stderr)
    {
        string sql = chunk.Text;
        int pos = 0;
        while (true)
        {
            while (pos < sql.Length && IsCSpace(sql[pos])) pos++;
            if (pos >= sql.Length) return true;
            try
            {
                bool reprepared = _executor.StaleSchema is { } stale && PrepareOnStaleSchema(sql, pos, stale);
                int next;
                try
                {
                    Statement? stmt;
                    try { stmt = Parser.ParseOne(sql, pos, _catalog.Exists, _catalog.IndexExists, _catalog.ColumnExists, out next); }
                    catch (SqlParseException e) when (e.Code == 1 && CodedPrefix(sql, pos, e, _catalog) is { } coded)
                    {
                        int code = _executor.CodeBeforeSyntaxError(coded);
                        if (code == 1) throw;
                        throw new SqlParseException(e.Message, e.Offset, code);
                    }
                    if (stmt != null) RunStatement(stmt, stdout);
                }
                catch (SqlParseException e) when (reprepared && !e.Message.StartsWith("FastDb does not support", StringComparison.Ordinal))
                {
                    // sqlite3_step's re-prepare failed: its error is the step's, a runtime error.
                    throw new SqlRuntimeException(e.Message, e.Code);
                }
                if (next <= pos) return true; // defensive: never loop without progress
                pos = next;
            }
            catch (SqlParseException e)
            {
                stderr.Append("Parse error near line ").Append(chunk.StartLine).Append(": ").Append(e.Message);
                if (e.Code > 1) stderr.Append(" (").Append(e.Code).Append(')');
                if (e.Offset >= 0) AppendErrorContext(stderr, sql, pos, e.Offset);
                stderr.Append('\n');
                return false;
            }
            catch (SqlRuntimeException e)
            {
                stderr.Append("Runtime error near line ").Append(chunk.StartLine).Append(": ").Append(e.Message);
                if (e.Code > 1) stderr.Append(" (").Append(e.Code).Append(')');
                stderr.Append('\n');
                return false;
            }
        }
    }

    /// <summary>
    /// Prepares the statement at <paramref name="pos"/> against the stale schema the connection holds (see
    /// Executor.SchemaReset.cs), on a throwaway catalog built from its CREATE texts: a prepare error other than a
    /// name error is thrown as sqlite3 reports it, the schema left stale. A name error has schemaIsValid reset the
    /// schema and prepare again (false: run as usual). A statement that prepared and reads a table resets it at
    /// OP_Transaction and is prepared again by sqlite3_step (true: the caller reports that prepare's errors as runtime
    /// errors); one that reads none (SELECT 1, BEGIN) runs as usual, the schema still stale.
    /// </summary>
    private bool PrepareOnStaleSchema(string sql, int pos, IReadOnlyList<string?> stale)
    {
        var catalog = new Catalog();
        var executor = new Executor(catalog);
        var discard = new StringBuilder();
        try
        {
            foreach (var text in stale)
                // sqlite_sequence's text is reserved to its maker: the AUTOINCREMENT table's CREATE before it.
                if (text != null && text != SequenceTable.Sql && Parser.ParseOne(text, 0, catalog.Exists, catalog.IndexExists, catalog.ColumnExists, out _) is { } create)
                    executor.Run(create, discard);
        }
        catch (Exception e) when (e is SqlParseException or SqlRuntimeException)
        {
            _executor.ResetStaleSchema(); // a schema FastDb cannot rebuild: answer from the database's own
            return false;
        }
        executor.ReadSchema = false;
        // The trial run must not draw from the script's seeded random() stream: the real run draws what it would have.
        var seeded = RandomFunction.Seeded;
        RandomFunction.Seeded = seeded == null ? null : new SplitMix64(0);
        SqlParseException? syntaxError = null;
        try
        {
            Statement? stmt;
            try { stmt = Parser.ParseOne(sql, pos, catalog.Exists, catalog.IndexExists, catalog.ColumnExists, out _); }
            catch (SqlParseException e) when (e.Code == 1 && CodedPrefix(sql, pos, e, catalog) is { } coded)
            {
                // The statement before the syntax error was coded (Executor.CodeBeforeSyntaxError): a name error in
                // it resets the schema as one in a whole statement does; otherwise the syntax error is the answer.
                syntaxError = e;
                stmt = coded;
            }
            if (stmt != null) executor.Run(stmt, discard);
        }
        catch (SqlParseException e) when (SetsCheckSchema(e.Message))
        {
            _executor.ResetStaleSchema();
            return false;
        }
        catch (SqlRuntimeException) { } // prepared: the error came from running it
        catch (Exception e) when (e is not SqlParseException)
        {
            // A trial FastDb cannot make (not sqlite3's behaviour): answer from the database's own schema.
            _executor.ResetStaleSchema();
            return false;
        }
        finally { RandomFunction.Seeded = seeded; }
        if (syntaxError != null) throw syntaxError;
        if (!executor.ReadSchema) return false;
        _executor.ResetStaleSchema();
        return true;
    }

    /// <summary>The complete statement before a parser's syntax error, which sqlite3's parser reduces and codes before
    /// it finds the error (see <see cref="Executor.CodeBeforeSyntaxError"/>); null when the text before the error
    /// token is no whole statement, or not one FastDb parses.</summary>
    private static Statement? CodedPrefix(string sql, int pos, SqlParseException e, Catalog catalog)
    {
        if (e.Offset <= 0 || !e.Message.StartsWith("near \"", StringComparison.Ordinal) || !e.Message.EndsWith("\": syntax error", StringComparison.Ordinal))
            return null;
        var prefix = sql.Substring(pos, Math.Min(e.Offset, sql.Length - pos));
        try
        {
            var stmt = Parser.ParseOne(prefix, 0, catalog.Exists, catalog.IndexExists, catalog.ColumnExists, out int next);
            return next >= prefix.Length ? stmt : null;
        }
        catch (Exception ex) when (ex is SqlParseException or SqlRuntimeException) { return null; }
    }

    /// <summary>The prepare errors after which sqlite3 checks the schema cookie (pParse->checkSchema): a table, column
    /// or index not found (build.c, resolve.c, update.c) and insert.c's unknown column of an INSERT column list.</summary>
    private static bool SetsCheckSchema(string message) =>
        message.StartsWith("no such ", StringComparison.Ordinal) || message.Contains(" has no column named ", StringComparison.Ordinal);

    /// <summary>Runs one statement; the output mode writes what it held back (a column mode's table) when the
    /// statement ends, also when it failed while running, as exec_prepared_stmt_columnar prints the rows it got.</summary>
    private void RunStatement(Statement stmt, StringBuilder stdout)
    {
        try
        {
            _executor.Run(stmt, stdout);
        }
        catch (SqlRuntimeException)
        {
            try { _executor.Rows.End(stdout); }
            catch (SqlRuntimeException) { } // the answer limit: the first error is the one reported
            throw;
        }
        _executor.Rows.End(stdout);
    }

    /// <summary>shell_error_context: the statement (from where prepare started) with whitespace turned into spaces,
    /// shifted so the offset is at most 50 bytes in, clipped to 78 bytes, and a caret line. Works on UTF-8 bytes.</summary>
    public static void AppendErrorContext(StringBuilder output, string sql, int start, int charOffset)
    {
        var bytes = Encoding.UTF8.GetBytes(sql[start..]);
        int offset = Encoding.UTF8.GetByteCount(sql.AsSpan(start, Math.Min(charOffset, sql.Length - start)));
        int begin = 0;
        while (offset > 50)
        {
            offset--;
            begin++;
            while (begin < bytes.Length && (bytes[begin] & 0xc0) == 0x80) { begin++; offset--; }
        }
        int len = bytes.Length - begin;
        if (len > 78)
        {
            len = 78;
            while (begin + len < bytes.Length && (bytes[begin + len] & 0xc0) == 0x80) len--;
        }
        var code = new byte[len];
        for (int i = 0; i < len; i++)
        {
            byte b = bytes[begin + i];
            code[i] = b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r' ? (byte)' ' : b;
        }
        output.Append("\n  ").Append(Encoding.UTF8.GetString(code)).Append("\n  ");
        if (offset < 25) output.Append(' ', Math.Max(0, offset)).Append("^--- error here");
        else output.Append(' ', offset - 14).Append("error here ---^");
    }
}
