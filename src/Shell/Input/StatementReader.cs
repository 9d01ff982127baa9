using System.Text;

namespace FastDb.Shell.Input;

/// <summary>What one complete piece of input is.</summary>
public enum InputKind { Sql, Dot, Document }

/// <summary>One complete piece of input: a SQL chunk, a dot command line, or a document command.</summary>
public sealed record InputUnit(InputKind Kind, string Text, int FirstLine);

/// <summary>
/// Groups input lines the way the sqlite3 shell does: a line starting with '.' (when nothing is pending) is a dot
/// command; otherwise lines accumulate until the text so far ends with ';' outside any string, quoted identifier or
/// comment, and that whole chunk is one unit (several statements on a line travel together). FastDb's document
/// commands (SET/GET/DELETE &lt;uuid&gt;) are complete at the end of their line once their quotes are closed.
/// </summary>
public sealed class StatementReader
{
    private readonly StringBuilder _pending = new();
    private int _line, _firstLine;

    /// <summary>True while a statement has started but is not complete (the shell shows the continuation prompt).</summary>
    public bool HasPending => _pending.Length > 0;

    /// <summary>Feeds one line (without its newline); returns the unit it completes, or null.</summary>
    public InputUnit? Add(string line)
    {
        _line++;
        if (_pending.Length == 0)
        {
            if (string.IsNullOrWhiteSpace(line)) return null;
            var trimmed = line.TrimStart();
            if (trimmed.StartsWith('.')) return new InputUnit(InputKind.Dot, trimmed.TrimEnd(), _line);
            _firstLine = _line;
        }
        else _pending.Append('\n');
        _pending.Append(line);
        var text = _pending.ToString();
        if (DocumentCommand.LooksLikeOne(text))
        {
            if (!Scan(text).InsideQuote)
            {
                _pending.Clear();
                return new InputUnit(InputKind.Document, text.Trim(), _firstLine);
            }
            return null;
        }
        if (!IsComplete(text)) return null;
        _pending.Clear();
        return IsOnlyCommentsAndSpace(text) ? null : new InputUnit(InputKind.Sql, text, _firstLine);
    }

    /// <summary>Drops the statement being typed (Ctrl-C at the prompt).</summary>
    public void Reset() => _pending.Clear();

    /// <summary>What is left at end of input (an unfinished statement), as the shell would still run it.</summary>
    public InputUnit? Flush()
    {
        if (_pending.Length == 0) return null;
        var text = _pending.ToString();
        _pending.Clear();
        if (IsOnlyCommentsAndSpace(text)) return null;
        return new InputUnit(DocumentCommand.LooksLikeOne(text) ? InputKind.Document : InputKind.Sql, text, _firstLine);
    }

    /// <summary>sqlite3_complete's question: does the text end with ';' outside strings and comments?</summary>
    public static bool IsComplete(string text) => Scan(text).EndsWithSemicolon;

    private static bool IsOnlyCommentsAndSpace(string text) => !Scan(text).HasToken;

    private readonly record struct ScanResult(bool EndsWithSemicolon, bool InsideQuote, bool HasToken);

    private static ScanResult Scan(string text)
    {
        var lastWasSemicolon = false;
        var hasToken = false;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c == '-' && i + 1 < text.Length && text[i + 1] == '-')
            {
                var end = text.IndexOf('\n', i);
                i = end < 0 ? text.Length : end + 1;
                continue;
            }
            if (c == '/' && i + 1 < text.Length && text[i + 1] == '*')
            {
                var end = text.IndexOf("*/", i + 2, StringComparison.Ordinal);
                if (end < 0) return new ScanResult(false, true, hasToken);
                i = end + 2;
                continue;
            }
            hasToken = true;
            char close = c switch { '\'' => '\'', '"' => '"', '`' => '`', '[' => ']', _ => '\0' };
            if (close != '\0')
            {
                // A quoted string or identifier; a doubled quote inside is an escaped one (there is no escape in [...]).
                var j = i + 1;
                while (true)
                {
                    if (j >= text.Length) return new ScanResult(false, true, true);
                    if (text[j] == close)
                    {
                        if (close != ']' && j + 1 < text.Length && text[j + 1] == close) { j += 2; continue; }
                        break;
                    }
                    j++;
                }
                i = j + 1;
                lastWasSemicolon = false;
                continue;
            }
            lastWasSemicolon = c == ';';
            i++;
        }
        return new ScanResult(lastWasSemicolon, false, hasToken);
    }
}
