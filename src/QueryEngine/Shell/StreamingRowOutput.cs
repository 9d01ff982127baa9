using System.Globalization;
using System.Text;
using FastDb.QueryEngine.Execution;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Shell;

/// <summary>The modes sqlite3's shell_callback prints a row at a time: list, csv, line, json and insert.</summary>
public sealed class StreamingRowOutput(OutputSettings settings) : RowOutput
{
    private readonly OutputSettings _settings = settings;
    private readonly StringBuilder _line = new();
    private string[]? _names;
    private long _count; // p->cnt: rows of this statement so far

    public override bool NeedsNames => _settings.Mode is OutputMode.Json or OutputMode.Line || _settings.Headers;

    public override void Begin(string[]? names)
    {
        _names = names;
        _count = 0;
    }

    public override void Row(ReadOnlySpan<SqlValue> values, StringBuilder stdout)
    {
        _line.Clear();
        switch (_settings.Mode)
        {
            case OutputMode.Csv: Csv(values); break;
            case OutputMode.Line: Line(values); break;
            case OutputMode.Json: Json(values); break;
            case OutputMode.Insert: Insert(values); break;
            default: List(values); break;
        }
        _count++;
        Write(stdout, _line);
    }

    public override void End(StringBuilder stdout)
    {
        if (_settings.Mode == OutputMode.Json && _count > 0)
        {
            _line.Clear().Append("]\n");
            Write(stdout, _line);
        }
        _count = 0;
    }

    private void List(ReadOnlySpan<SqlValue> values)
    {
        if (_count == 0 && _settings.Headers && _names is not null) _line.AppendJoin('|', _names).Append('\n');
        for (int i = 0; i < values.Length; i++)
        {
            if (i > 0) _line.Append('|');
            Executor.AppendValue(_line, values[i]);
        }
        _line.Append('\n');
    }

    private void Csv(ReadOnlySpan<SqlValue> values)
    {
        if (_count == 0 && _settings.Headers && _names is not null)
        {
            for (int i = 0; i < _names.Length; i++)
            {
                if (i > 0) _line.Append(',');
                ShellQuoting.AppendCsv(_line, _names[i], ",");
            }
            _line.Append("\r\n");
        }
        for (int i = 0; i < values.Length; i++)
        {
            if (i > 0) _line.Append(',');
            if (Text(values[i]) is { } text) ShellQuoting.AppendCsv(_line, text, ",");
        }
        _line.Append("\r\n");
    }

    /// <summary>MODE_Line: "name = value" per column, names right-aligned to the longest (in bytes, at least 5);
    /// a blank line between rows.</summary>
    private void Line(ReadOnlySpan<SqlValue> values)
    {
        var names = _names!;
        int width = 5;
        foreach (var name in names) width = Math.Max(width, Encoding.UTF8.GetByteCount(name));
        if (_count > 0) _line.Append('\n');
        for (int i = 0; i < values.Length; i++)
        {
            _line.Append(' ', width - Encoding.UTF8.GetByteCount(names[i])).Append(names[i]).Append(" = ");
            _line.Append(Text(values[i])).Append('\n');
        }
    }

    private void Json(ReadOnlySpan<SqlValue> values)
    {
        var names = _names!;
        _line.Append(_count == 0 ? "[{" : ",\n{");
        for (int i = 0; i < values.Length; i++)
        {
            ShellQuoting.AppendJsonString(_line, names[i]);
            _line.Append(':');
            var v = values[i];
            switch (v.Type)
            {
                case SqlType.Null: _line.Append("null"); break;
                case SqlType.Real: _line.Append(WideReal(v.Real)); break;
                case SqlType.Text: ShellQuoting.AppendJsonString(_line, UpToNul(v.Text!)); break;
                // A blob is written with its length, NULs and all (output_json_string(pBlob, nBlob)).
                case SqlType.Blob: ShellQuoting.AppendJsonString(_line, v.AsText()!); break;
                default: Executor.AppendValue(_line, v); break;
            }
            if (i < values.Length - 1) _line.Append(',');
        }
        _line.Append('}');
    }

    private void Insert(ReadOnlySpan<SqlValue> values)
    {
        _line.Append("INSERT INTO ").Append(_settings.InsertTable);
        if (_settings.Headers && _names is not null)
        {
            _line.Append('(');
            for (int i = 0; i < _names.Length; i++)
            {
                if (i > 0) _line.Append(',');
                _line.Append(ShellQuoting.QuoteName(_names[i]));
            }
            _line.Append(')');
        }
        for (int i = 0; i < values.Length; i++)
        {
            _line.Append(i > 0 ? "," : " VALUES(");
            var v = values[i];
            switch (v.Type)
            {
                case SqlType.Null: _line.Append("NULL"); break;
                case SqlType.Text: ShellQuoting.AppendSqlString(_line, UpToNul(v.Text!)); break;
                case SqlType.Blob: _line.Append(BlobText.Literal(v.Blob!, lowerCase: true)); break;
                case SqlType.Real: _line.Append(InsertReal(v.Real)); break;
                default: Executor.AppendValue(_line, v); break;
            }
        }
        _line.Append(");\n");
    }

    /// <summary>An integral REAL within int64 range as "%lld.0", else %!.20g (C's (sqlite3_int64) cast of a value out
    /// of range gives INT64_MIN on x86-64, which equals only -2^63 itself).</summary>
    private static string InsertReal(double r)
    {
        if (double.IsInfinity(r)) return WideReal(r);
        bool inRange = r >= -9223372036854775808.0 && r < 9223372036854775808.0;
        long ir = inRange ? (long)r : long.MinValue;
        return r == ir ? ir.ToString(CultureInfo.InvariantCulture) + ".0" : WideReal(r);
    }
}
