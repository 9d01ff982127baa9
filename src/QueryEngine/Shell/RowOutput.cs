using System.Text;
using FastDb.QueryEngine.Syntax;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Shell;

/// <summary>
/// Where a statement's result rows go: the sqlite3 shell's rendering of them in the script's current output mode.
/// The executor calls <see cref="Begin"/> once a SELECT is prepared, <see cref="Row"/> for each row, and the script
/// runner calls <see cref="End"/> when the statement is done. Every byte written counts against the script's answer
/// limit (the same count on every node).
/// </summary>
public abstract class RowOutput
{
    /// <summary>UTF-8 bytes written by the current script, against <see cref="EngineLimits.MaxAnswerBytes"/>.</summary>
    public long AnswerBytes;

    /// <summary>The mode shows column names (so the executor computes them).</summary>
    public abstract bool NeedsNames { get; }

    /// <summary>A statement with result columns starts; <paramref name="names"/> is null unless <see cref="NeedsNames"/>.</summary>
    public abstract void Begin(string[]? names);

    public abstract void Row(ReadOnlySpan<SqlValue> values, StringBuilder stdout);

    /// <summary>The statement is done (or failed while running): whatever the mode holds back is written.</summary>
    public abstract void End(StringBuilder stdout);

    public static RowOutput For(OutputSettings settings) => settings.Mode switch
    {
        OutputMode.Column or OutputMode.Table or OutputMode.Box or OutputMode.Markdown => new ColumnarRowOutput(settings),
        _ => new StreamingRowOutput(settings),
    };

    /// <summary>Appends text to stdout after counting it against the answer limit.</summary>
    protected void Write(StringBuilder stdout, StringBuilder text)
    {
        long n = 0;
        foreach (var chunk in text.GetChunks()) n += Encoding.UTF8.GetByteCount(chunk.Span);
        if (AnswerBytes + n > EngineLimits.MaxAnswerBytes)
        {
            AnswerBytes = EngineLimits.MaxAnswerBytes + 1;
            throw new SqlRuntimeException(EngineLimits.AnswerTooLargeMessage, EngineLimits.AnswerTooLargeCode);
        }
        AnswerBytes += n;
        stdout.Append(text);
    }

    /// <summary>sqlite3_column_text as the shell prints it with %s: integers in decimal, reals as %!.15g, text and a
    /// blob's bytes up to the first NUL; null for NULL.</summary>
    protected static string? Text(SqlValue value) => value.Type switch
    {
        SqlType.Null => null,
        SqlType.Text => UpToNul(value.Text!),
        SqlType.Blob => UpToNul(value.AsText()!),
        _ => value.AsText(),
    };

    /// <summary>What C's %s prints of a text: up to its first NUL.</summary>
    public static string UpToNul(string text)
    {
        int nul = text.AsSpan().IndexOf('\0');
        return nul < 0 ? text : text[..nul];
    }

    /// <summary>A REAL as the insert and json modes write it: %!.20g, infinities as ±1e999.</summary>
    protected static string WideReal(double r) =>
        double.IsPositiveInfinity(r) ? "1e999" : double.IsNegativeInfinity(r) ? "-1e999" : ExtendedPrecisionReal.Format20(r);
}
