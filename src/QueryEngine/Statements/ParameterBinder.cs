using System.Text;
using FastDb.QueryEngine.Syntax;

namespace FastDb.QueryEngine.Statements;

/// <summary>A statement whose parameters cannot be bound (too many values): reported as that statement's error.</summary>
public sealed class ParameterBindException(string message) : Exception(message);

/// <summary>
/// Binds parameters the way sqlite3_bind does, but by text: the engine's own tokenizer finds the placeholders
/// (<c>?</c>, <c>?NNN</c>, <c>:name</c>, <c>@name</c>, <c>$name</c>) outside strings and comments, and each is
/// replaced by its value's SQL literal. It runs at apply, on every node, from the values in the log entry, so the
/// bound text is identical everywhere. Numbering follows SQLite: a bare <c>?</c> takes one more than the largest
/// index so far, <c>?NNN</c> takes NNN, a named placeholder takes the next index the first time its name appears
/// (so positional values fill named placeholders too, as sqlite3_bind_* by index does). A placeholder without a
/// value is NULL, as in SQLite; more positional values than placeholders is an error.
/// </summary>
public static class ParameterBinder
{
    /// <summary>SQLITE_MAX_VARIABLE_NUMBER's default.</summary>
    public const int MaxParameterIndex = 32766;

    public static string Bind(StatementRequest statement)
    {
        var sql = statement.Sql;
        if (statement.Positional.Count == 0 && statement.Named.Count == 0 && sql.AsSpan().IndexOfAny('?', ':', '@') < 0 && !sql.Contains('$'))
            return sql;
        var tokens = new Tokenizer(sql);
        var output = new StringBuilder(sql.Length + 16);
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        int copied = 0, largest = 0;
        while (true)
        {
            var token = tokens.Next();
            if (token.Kind == TokenKind.End) break;
            if (token.Kind != TokenKind.Variable) continue;
            var text = sql.Substring(token.Start, token.Length);
            var value = ValueFor(text, statement, names, ref largest);
            output.Append(sql, copied, token.Start - copied);
            var literal = value.ToSqlLiteral();
            // Keep token boundaries: "x-?" with -5 must not become the comment "x--5", "LIMIT?" not "LIMIT5".
            if (token.Start > 0 && NeedsGap(sql[token.Start - 1])) output.Append(' ');
            output.Append(literal);
            int end = token.Start + token.Length;
            if (end < sql.Length && NeedsGap(sql[end])) output.Append(' ');
            copied = end;
        }
        if (statement.Positional.Count > largest)
            throw new ParameterBindException($"too many parameter values: {statement.Positional.Count} given, the statement has {largest} placeholders");
        output.Append(sql, copied, sql.Length - copied);
        return output.ToString();
    }

    private static bool NeedsGap(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '$' or '-' or '\'' or '"' or '.' or '`' or '[' || c >= 0x80;

    private static ParameterValue ValueFor(string placeholder, StatementRequest statement, Dictionary<string, int> names, ref int largest)
    {
        int index;
        if (placeholder[0] == '?')
        {
            if (placeholder.Length == 1) index = largest + 1;
            else if (!int.TryParse(placeholder.AsSpan(1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out index)
                     || index < 1 || index > MaxParameterIndex)
                throw new ParameterBindException($"variable number must be between ?1 and ?{MaxParameterIndex}");
        }
        else
        {
            if (!names.TryGetValue(placeholder, out index)) names[placeholder] = index = largest + 1;
            foreach (var (name, value) in statement.Named)
            {
                // rqlite clients name parameters without the prefix; a name given with it matches too.
                if (string.Equals(name, placeholder[1..], StringComparison.Ordinal) || string.Equals(name, placeholder, StringComparison.Ordinal))
                {
                    largest = Math.Max(largest, index);
                    return value;
                }
            }
        }
        if (index > MaxParameterIndex) throw new ParameterBindException("too many SQL variables");
        largest = Math.Max(largest, index);
        return index <= statement.Positional.Count ? statement.Positional[index - 1] : ParameterValue.Null;
    }
}
