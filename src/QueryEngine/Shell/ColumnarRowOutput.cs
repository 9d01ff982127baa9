using System.Text;
using FastDb.QueryEngine.Syntax;
using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Shell;

/// <summary>
/// The modes sqlite3 3.40.1 lays out after it has every row (exec_prepared_stmt_columnar): column, table, box and
/// markdown. Each cell is made displayable (tabs to the next multiple of 8, a control character or the 60th
/// character ends a line and the rest goes on the next), each column is as wide as its widest line (in characters),
/// and a row that spans several lines makes every row be followed by a divider.
/// </summary>
public sealed class ColumnarRowOutput(OutputSettings settings) : RowOutput
{
    private readonly OutputSettings _settings = settings;
    private string[]? _names;
    private readonly List<string[]> _lines = []; // display lines of the rows, nColumn cells each
    private readonly List<bool> _endsRow = [];   // abRowDiv: the line is the last of its row
    private bool _multiLine;
    private long _heldBytes;

    public override bool NeedsNames => true;

    public override void Begin(string[]? names)
    {
        _names = names;
        _lines.Clear();
        _endsRow.Clear();
        _multiLine = false;
        _heldBytes = 0;
    }

    public override void Row(ReadOnlySpan<SqlValue> values, StringBuilder stdout)
    {
        var rest = new string?[values.Length];
        for (int i = 0; i < values.Length; i++) rest[i] = Text(values[i]) ?? "";
        bool more = true;
        while (more)
        {
            more = false;
            var line = new string[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                line[i] = Displayable(rest[i], out rest[i]);
                _heldBytes += line[i].Length;
                more |= rest[i] is not null;
            }
            _lines.Add(line);
            _endsRow.Add(!more);
            _multiLine |= more;
        }
        // The rows are held until the statement ends: they count against the answer limit as they come.
        if (_heldBytes > EngineLimits.MaxAnswerBytes)
            throw new SqlRuntimeException(EngineLimits.AnswerTooLargeMessage, EngineLimits.AnswerTooLargeCode);
    }

    public override void End(StringBuilder stdout)
    {
        if (_lines.Count == 0 || _names is null) return;
        int columns = _names.Length;
        var header = new string[columns];
        var width = new int[columns];
        for (int i = 0; i < columns; i++)
        {
            header[i] = Displayable(_names[i], out _);
            width[i] = Characters(header[i]);
        }
        foreach (var line in _lines)
            for (int i = 0; i < columns; i++) width[i] = Math.Max(width[i], Characters(line[i]));

        var text = new StringBuilder();
        var mode = _settings.Mode;
        string columnSeparator = mode switch { OutputMode.Column => "  ", OutputMode.Box => " │ ", _ => " | " };
        string rowEnd = mode switch { OutputMode.Column => "\n", OutputMode.Box => " │\n", _ => " |\n" };
        switch (mode)
        {
            case OutputMode.Column:
                if (_settings.Headers)
                {
                    for (int i = 0; i < columns; i++) Pad(text, header[i], width[i]).Append(i == columns - 1 ? "\n" : "  ");
                    for (int i = 0; i < columns; i++) text.Append('-', width[i]).Append(i == columns - 1 ? "\n" : "  ");
                }
                break;
            case OutputMode.Table:
                Divider(text, width, "+");
                CenteredHeader(text, header, width, "| ", " | ", " |\n");
                Divider(text, width, "+");
                break;
            case OutputMode.Markdown:
                CenteredHeader(text, header, width, "| ", " | ", " |\n");
                Divider(text, width, "|");
                break;
            case OutputMode.Box:
                BoxDivider(text, width, "┌", "┬", "┐");
                CenteredHeader(text, header, width, "│ ", " │ ", " │\n");
                BoxDivider(text, width, "├", "┼", "┤");
                break;
        }
        for (int r = 0; r < _lines.Count; r++)
        {
            if (mode != OutputMode.Column) text.Append(mode == OutputMode.Box ? "│ " : "| ");
            for (int i = 0; i < columns; i++)
            {
                Pad(text, _lines[r][i], width[i]);
                text.Append(i == columns - 1 ? rowEnd : columnSeparator);
            }
            if (_multiLine && _endsRow[r] && r + 1 < _lines.Count)
            {
                if (mode == OutputMode.Table) Divider(text, width, "+");
                else if (mode == OutputMode.Box) BoxDivider(text, width, "├", "┼", "┤");
                else if (mode == OutputMode.Column) text.Append('\n');
            }
        }
        if (mode == OutputMode.Table) Divider(text, width, "+");
        else if (mode == OutputMode.Box) BoxDivider(text, width, "└", "┴", "┘");
        _lines.Clear();
        _endsRow.Clear();
        Write(stdout, text);
    }

    private static void CenteredHeader(StringBuilder text, string[] header, int[] width, string start, string between, string end)
    {
        text.Append(start);
        for (int i = 0; i < header.Length; i++)
        {
            int n = Characters(header[i]);
            text.Append(' ', (width[i] - n) / 2).Append(header[i]).Append(' ', (width[i] - n + 1) / 2);
            text.Append(i == header.Length - 1 ? end : between);
        }
    }

    /// <summary>print_row_separator: the joint, then dashes over each column and its two spaces.</summary>
    private static void Divider(StringBuilder text, int[] width, string joint)
    {
        text.Append(joint);
        foreach (int w in width) text.Append('-', w + 2).Append(joint);
        text.Append('\n');
    }

    private static void BoxDivider(StringBuilder text, int[] width, string left, string middle, string right)
    {
        text.Append(left);
        for (int i = 0; i < width.Length; i++)
        {
            if (i > 0) text.Append(middle);
            text.Append('─', width[i] + 2);
        }
        text.Append(right).Append('\n');
    }

    /// <summary>utf8_width_print, left-justified: the text, then spaces up to the width in characters.</summary>
    private static StringBuilder Pad(StringBuilder text, string cell, int width) =>
        text.Append(cell).Append(' ', Math.Max(0, width - Characters(cell)));

    /// <summary>strlenChar: characters (code points), not UTF-16 units.</summary>
    private static int Characters(string s)
    {
        int n = 0;
        foreach (char c in s) if (!char.IsLowSurrogate(c)) n++;
        return n;
    }

    /// <summary>
    /// translateForDisplayAndDup with the default --wrap 60 and no word wrap: the first display line of
    /// <paramref name="text"/>, and in <paramref name="rest"/> what goes on the next line (null when nothing).
    /// A tab becomes spaces up to the next multiple of 8; a control character ends the line and is dropped (CR LF
    /// counts as one); the 60th character ends it too. A NUL ends the text, as it ends a C string.
    /// </summary>
    public static string Displayable(string? text, out string? rest)
    {
        rest = null;
        if (text is null) return "";
        int nul = text.IndexOf('\0');
        if (nul >= 0) text = text[..nul];
        var line = new StringBuilder();
        int n = 0, i = 0;
        while (n < OutputSettings.Wrap && i < text.Length)
        {
            char c = text[i];
            if (c >= ' ')
            {
                n++;
                line.Append(c);
                i++;
                if (char.IsHighSurrogate(c) && i < text.Length && char.IsLowSurrogate(text[i])) line.Append(text[i++]);
                continue;
            }
            if (c == '\t')
            {
                do { n++; line.Append(' '); } while ((n & 7) != 0 && n < OutputSettings.Wrap);
                i++;
                continue;
            }
            break;
        }
        if (i >= text.Length) return line.ToString();
        if (text[i] < ' ' && text[i] != '\t')
        {
            i += text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n' ? 2 : 1;
            if (i >= text.Length) return line.ToString();
        }
        rest = text[i..];
        return line.ToString();
    }
}
