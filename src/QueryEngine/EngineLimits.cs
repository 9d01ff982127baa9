// Contract: the engine's resource limits, all in one place. They are compile-time constants on purpose: a limit
// changes results (a statement fails or succeeds), so every node must apply the same one or the replicas fork. Never
// turn any of them into a local setting. Each is counted in bytes, never in time, so the verdict is deterministic.
using System.Text;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine;

/// <summary>
/// Budget: five nodes share one 24 GiB machine, so a node must stay well under ~4.8 GiB whatever the log holds.
/// Counted bytes are UTF-8 bytes (what SQLite counts); .NET holds text as UTF-16 plus object headers, so the heap
/// cost is about 2-3x the counted figure.
/// <list type="bullet">
/// <item><see cref="MaxValueBytes"/> 4 MiB (sqlite3's default is 1,000,000,000): an expression like <c>v||v</c>
/// holds its two operands and its result, 12 MiB counted, ~24 MiB of heap; it is still 4x the default HTTP body
/// limit (1 MiB), so anything a client can send fits in a value.</item>
/// <item><see cref="MaxAnswerBytes"/> 16 MiB: one script's shell output; the server keeps answers (dedup window,
/// pending replies), so one answer must stay small beside the 4.8 GiB.</item>
/// <item><see cref="MaxStatementMemoryBytes"/> 64 MiB: values a statement materializes beyond the stored rows
/// (today: ORDER BY's sorter, result columns and keys of every row).</item>
/// <item><see cref="MaxDatabaseBytes"/> 256 MiB: all tables' rows and schemas, ~0.6-0.8 GiB of heap, plus a
/// snapshot of it being written or restored at the same time.</item>
/// </list>
/// </summary>
public static class EngineLimits
{
    /// <summary>Longest text value, in UTF-8 bytes, as SQLITE_LIMIT_LENGTH. Past it: sqlite3's own
    /// <c>string or blob too big (18)</c>, where sqlite3 with <c>.limit length 4194304</c> says it.</summary>
    public const int MaxValueBytes = 4 * 1024 * 1024;

    /// <summary>Most shell output (stdout, UTF-8 bytes) one script may produce. Past it the statement printing the
    /// row that would cross it fails with <see cref="AnswerTooLargeMessage"/> (code 18).</summary>
    public const long MaxAnswerBytes = 16 * 1024 * 1024;

    /// <summary>Most bytes one statement may materialize (sort buffers). Past it: <see cref="StatementTooLargeMessage"/> (code 7).</summary>
    public const long MaxStatementMemoryBytes = 64 * 1024 * 1024;

    /// <summary>Largest database (see <see cref="StorageSize"/>). Past it the statement fails with sqlite3's
    /// <c>database or disk is full (13)</c>, as sqlite3 past max_page_count, and rolls back.</summary>
    public const long MaxDatabaseBytes = 256L * 1024 * 1024;

    public const string TooBigMessage = "string or blob too big";
    public const int TooBigCode = 18;
    public const string DatabaseFullMessage = "database or disk is full";
    public const int DatabaseFullCode = 13;
    public static readonly string AnswerTooLargeMessage =
        $"FastDb limit: the answer would exceed {MaxAnswerBytes} bytes";
    public const int AnswerTooLargeCode = 18;
    public static readonly string StatementTooLargeMessage =
        $"FastDb limit: the statement would hold more than {MaxStatementMemoryBytes} bytes";
    public const int StatementTooLargeCode = 7;

    /// <summary>True when <paramref name="text"/> is longer than <see cref="MaxValueBytes"/> in UTF-8. Cheap for
    /// the usual short text: a UTF-16 char is 1-3 UTF-8 bytes, so only a string within a factor 3 of the limit is
    /// counted.</summary>
    public static bool IsTooBig(string text)
    {
        if (text.Length <= MaxValueBytes / 3) return false;
        if (text.Length > MaxValueBytes) return true;
        return Encoding.UTF8.GetByteCount(text) > MaxValueBytes;
    }

    /// <summary>Throws sqlite3's runtime TOOBIG when a text value is over the limit; returns it otherwise.</summary>
    public static string CheckValue(string text)
    {
        if (IsTooBig(text)) throw new Syntax.SqlRuntimeException(TooBigMessage, TooBigCode);
        return text;
    }

    /// <summary>Does a string of <paramref name="length"/> UTF-8 bytes exceed the value limit.</summary>
    public static bool IsTooBig(long length) => length > MaxValueBytes;

    /// <summary>OP_MakeRecord's check: a row (or index entry) whose SQLite record would exceed the limit cannot be
    /// stored, so a value of exactly the limit can be computed and printed but not inserted. Only rows with a
    /// long text are measured.</summary>
    public static void CheckRecord(Storage.Table table, SqlValue[] values)
    {
        long textChars = 0;
        foreach (var v in values) textChars += v.Type == SqlType.Text ? v.Text!.Length : v.Type == SqlType.Blob ? v.Blob!.Length : 0;
        if (textChars <= MaxValueBytes / 3 - 1024) return;
        if (IsTooBig(StorageSize.Record(table, values))) throw new Syntax.SqlRuntimeException(TooBigMessage, TooBigCode);
    }

    /// <summary>The same check for a UNIQUE index entry (the key, then the rowid), made before its conflict check.</summary>
    public static void CheckIndexRecord(SqlValue key, long rowId)
    {
        if (key.Type == SqlType.Blob ? key.Blob!.Length <= MaxValueBytes / 3 - 1024 : key.Type != SqlType.Text || key.Text!.Length <= MaxValueBytes / 3 - 1024) return;
        long text = key.Type == SqlType.Blob ? key.Blob!.Length : StorageSize.Utf8Length(key.Text!);
        long rowIdBytes = StorageSize.IntegerBytes(rowId);
        long header = StorageSize.VarintLength(2 * text + (key.Type == SqlType.Blob ? 12 : 13)) + 1 + 1;
        if (IsTooBig(header + text + rowIdBytes)) throw new Syntax.SqlRuntimeException(TooBigMessage, TooBigCode);
    }
}

/// <summary>How many bytes a value, row or table counts against <see cref="EngineLimits.MaxDatabaseBytes"/>: close
/// to SQLite's record format (a type byte, 8 for a number, the UTF-8 bytes of text) plus a fixed per-row overhead
/// for the rowid and the b-tree cell. Deterministic and cheap: numbers never change a row's size.</summary>
public static class StorageSize
{
    public const int RowOverhead = 16;
    public const int TableOverhead = 512;
    public const int ColumnOverhead = 64;

    public static long Of(in SqlValue v) => v.Type switch
    {
        SqlType.Text => 1 + Utf8Length(v.Text!),
        SqlType.Blob => 1 + v.Blob!.Length,
        SqlType.Null => 1,
        _ => 9,
    };

    public static long OfRow(SqlValue[] values)
    {
        long n = RowOverhead;
        for (int i = 0; i < values.Length; i++) n += Of(values[i]);
        return n;
    }

    /// <summary>Bytes of the row's SQLite record (header of serial types, then the data; file format 4, where 0 and
    /// 1 take no data, the rowid alias is stored as NULL, and a REAL column's integral value within 48 bits is
    /// stored as an integer).</summary>
    public static long Record(Storage.Table table, SqlValue[] values)
    {
        long header = 0, data = 0;
        for (int i = 0; i < values.Length; i++)
        {
            var v = values[i];
            long type, size;
            if (i == table.RowIdColumn || v.Type == SqlType.Null) { type = 0; size = 0; }
            else if (v.Type == SqlType.Text) { size = Utf8Length(v.Text!); type = 2 * size + 13; }
            else if (v.Type == SqlType.Blob) { size = v.Blob!.Length; type = 2 * size + 12; }
            else if (v.Type == SqlType.Integer) { size = IntegerBytes(v.Integer); type = size == 0 ? 8 : 1; }
            else if (table.Columns[i].Affinity == Affinity.Real && v.Real == Math.Floor(v.Real) && Math.Abs(v.Real) <= 140737488355327.0)
            { size = IntegerBytes((long)v.Real); type = 1; }
            else { size = 8; type = 7; }
            header += VarintLength(type);
            data += size;
        }
        // The header's size counts itself, as a varint.
        long h = header + 1;
        while (VarintLength(h) + header > h) h = header + VarintLength(h);
        return h + data;
    }

    /// <summary>Data bytes of an integer in a record: 0 for 0 and 1, then 1, 2, 3, 4, 6 or 8.</summary>
    public static long IntegerBytes(long i)
    {
        if (i is 0 or 1) return 0;
        if (i >= -128 && i <= 127) return 1;
        if (i >= -32768 && i <= 32767) return 2;
        if (i >= -8388608 && i <= 8388607) return 3;
        if (i >= int.MinValue && i <= int.MaxValue) return 4;
        if (i >= -140737488355328L && i <= 140737488355327L) return 6;
        return 8;
    }

    public static int VarintLength(long v)
    {
        ulong u = (ulong)v;
        int n = 1;
        while (u > 0x7f && n < 9) { u >>= 7; n++; }
        return n;
    }

    public static long Utf8Length(string s) => Encoding.UTF8.GetByteCount(s);
}
