using System.Text;
using FastDb.QueryEngine.Shell;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Statements;

/// <summary>
/// The executor's row sink for rqlite answers: keeps the column names and each row's values instead of rendering
/// sqlite3 text. Every value counts against the answer limit as its text would (the same count on every node).
/// </summary>
public sealed class CollectedRows : RowOutput
{
    public string[] Names { get; private set; } = [];
    public List<SqlValue[]> Values { get; } = [];
    public bool Began { get; private set; }

    public override bool NeedsNames => true;

    public void Reset()
    {
        Names = [];
        Values.Clear();
        Began = false;
    }

    public override void Begin(string[]? names)
    {
        Names = names ?? [];
        Values.Clear();
        Began = true;
    }

    public override void Row(ReadOnlySpan<SqlValue> values, StringBuilder stdout)
    {
        long n = 2;
        foreach (var v in values) n += 1 + (v.Type == SqlType.Text ? Encoding.UTF8.GetByteCount(v.Text!) : v.Type == SqlType.Blob ? v.Blob!.Length : 24);
        if (AnswerBytes + n > EngineLimits.MaxAnswerBytes)
        {
            AnswerBytes = EngineLimits.MaxAnswerBytes + 1;
            throw new FastDb.QueryEngine.Syntax.SqlRuntimeException(EngineLimits.AnswerTooLargeMessage, EngineLimits.AnswerTooLargeCode);
        }
        AnswerBytes += n;
        Values.Add(values.ToArray());
    }

    public override void End(StringBuilder stdout) { }
}
