using System.Text;
using FastDb.QueryEngine.Syntax;

namespace FastDb.QueryEngine.Shell;

/// <summary>How the sqlite3 shell quotes text in its csv, json and insert modes (output_csv, output_json_string,
/// output_quoted_escaped_string, quoteChar).</summary>
public static class ShellQuoting
{
    /// <summary>needCsvQuote: control characters, space, '"', '\'', DEL and every byte of a non-ASCII character.</summary>
    private static bool NeedsCsvQuote(char c) => c < 0x20 || c == ' ' || c == '"' || c == '\'' || c >= 0x7f;

    /// <summary>output_csv for a non-NULL value: quoted when it is empty, holds a character that needs it, or the separator.</summary>
    public static void AppendCsv(StringBuilder output, string text, string separator)
    {
        bool quote = text.Length == 0 || text.Contains(separator, StringComparison.Ordinal);
        foreach (char c in text)
        {
            if (quote) break;
            quote = NeedsCsvQuote(c);
        }
        if (!quote)
        {
            output.Append(text);
            return;
        }
        output.Append('"').Append(text.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
    }

    /// <summary>output_json_string: backslash escapes for '\\', '"' and control characters, everything else as is.</summary>
    public static void AppendJsonString(StringBuilder output, string text)
    {
        output.Append('"');
        foreach (char c in text)
        {
            switch (c)
            {
                case '\\' or '"': output.Append('\\').Append(c); break;
                case '\b': output.Append("\\b"); break;
                case '\f': output.Append("\\f"); break;
                case '\n': output.Append("\\n"); break;
                case '\r': output.Append("\\r"); break;
                case '\t': output.Append("\\t"); break;
                case < ' ': output.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)); break;
                default: output.Append(c); break;
            }
        }
        output.Append('"');
    }

    /// <summary>output_quoted_escaped_string: a SQL literal; newlines and carriage returns are spelled through
    /// replace(...,'\n',char(10)) with a marker string that does not occur in the text.</summary>
    public static void AppendSqlString(StringBuilder output, string text)
    {
        if (text.IndexOfAny(['\'', '\n', '\r']) < 0)
        {
            output.Append('\'').Append(text).Append('\'');
            return;
        }
        bool hasNewline = text.Contains('\n'), hasReturn = text.Contains('\r');
        string? newline = null, carriageReturn = null;
        if (hasNewline)
        {
            output.Append("replace(");
            newline = UnusedString(text, "\\n", "\\012");
        }
        if (hasReturn)
        {
            output.Append("replace(");
            carriageReturn = UnusedString(text, "\\r", "\\015");
        }
        output.Append('\'');
        foreach (char c in text)
        {
            switch (c)
            {
                case '\'': output.Append("''"); break;
                case '\n': output.Append(newline); break;
                case '\r': output.Append(carriageReturn); break;
                default: output.Append(c); break;
            }
        }
        output.Append('\'');
        if (hasReturn) output.Append(",'").Append(carriageReturn).Append("',char(13))");
        if (hasNewline) output.Append(",'").Append(newline).Append("',char(10))");
    }

    /// <summary>unused_string: the first of two markers the text does not contain, else "(A0)", "(A1)", ...</summary>
    private static string UnusedString(string text, string first, string second)
    {
        if (!text.Contains(first, StringComparison.Ordinal)) return first;
        if (!text.Contains(second, StringComparison.Ordinal)) return second;
        for (uint i = 0; ; i++)
        {
            var candidate = "(" + first + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + ")";
            if (!text.Contains(candidate, StringComparison.Ordinal)) return candidate;
        }
    }

    /// <summary>quoteChar: a name needs double quotes unless it is a letter or '_' followed by letters, digits and '_',
    /// and not a keyword.</summary>
    public static bool NeedsQuotes(string name)
    {
        if (name.Length == 0 || !(IsAsciiLetter(name[0]) || name[0] == '_')) return true;
        foreach (char c in name)
            if (!(IsAsciiLetter(c) || char.IsAsciiDigit(c) || c == '_')) return true;
        return Keywords.IsKeyword(name.ToUpperInvariant());
    }

    private static bool IsAsciiLetter(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z');

    /// <summary>A name as the shell writes it into SQL: as is, or in double quotes with '"' doubled.</summary>
    public static string QuoteName(string name) =>
        NeedsQuotes(name) ? "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : name;
}
