using System.Text;
using System.Text.RegularExpressions;

namespace FastDb.Shell.Input;

public enum DocumentVerb { Set, Get, Delete }

/// <summary>
/// The shell's key/value commands on top of SQL: <c>SET &lt;uuid4&gt; '&lt;json&gt;'</c>, <c>GET &lt;uuid4&gt;</c>,
/// <c>DELETE &lt;uuid4&gt;</c> (a trailing ';' is allowed). The server stores them in a reserved table; the key is
/// checked here too so a typo costs no round trip.
/// </summary>
public sealed partial record DocumentCommand(DocumentVerb Verb, string Key, string? Json)
{
    public const string BadKey = FastDb.Shared.DocumentKey.BadKeyMessage;

    /// <summary>SET/GET/DELETE followed by an argument; "DELETE FROM ..." stays SQL.</summary>
    public static bool LooksLikeOne(string text) => Shape().IsMatch(text);

    [GeneratedRegex(@"^\s*(SET|GET|DELETE)\s+(?!FROM\b)\S", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Shape();


    /// <summary>Parses a document command; on a mistake returns null with the message to print.</summary>
    public static DocumentCommand? TryParse(string text, out string error)
    {
        error = "";
        var body = text.Trim();
        if (body.EndsWith(';')) body = body[..^1].TrimEnd();
        var space = body.IndexOfAny([' ', '\t', '\n']);
        var verbText = space < 0 ? body : body[..space];
        var rest = space < 0 ? "" : body[space..].TrimStart();
        DocumentVerb verb = verbText.ToUpperInvariant() switch
        {
            "SET" => DocumentVerb.Set,
            "GET" => DocumentVerb.Get,
            _ => DocumentVerb.Delete,
        };
        var keyEnd = rest.IndexOfAny([' ', '\t', '\n']);
        var keyText = keyEnd < 0 ? rest : rest[..keyEnd];
        var argument = keyEnd < 0 ? "" : rest[keyEnd..].Trim();
        // The server's own rule (src/Shared/DocumentKey.cs), so a key the shell lets through is never refused there.
        if (!FastDb.Shared.DocumentKey.TryNormalize(keyText, out var key))
        {
            error = BadKey;
            return null;
        }
        if (verb != DocumentVerb.Set)
        {
            if (argument.Length == 0) return new DocumentCommand(verb, key, null);
            error = $"Error: usage: {verbText.ToUpperInvariant()} <uuid4>";
            return null;
        }
        if (argument.Length == 0)
        {
            error = "Error: usage: SET <uuid4> '<json>'";
            return null;
        }
        var json = argument.StartsWith('\'') ? Unquote(argument) : argument;
        if (json is null)
        {
            error = "Error: the value must be one '...'-quoted string ('' for a quote inside it)";
            return null;
        }
        if (JsonProblem(json) is { } problem)
        {
            error = "Error: the value is not valid JSON: " + problem;
            return null;
        }
        return new DocumentCommand(verb, key, json);
    }

    /// <summary>
    /// Why the text is not one JSON value, in FastDb's words (the server would refuse it too, but with .NET's parser
    /// message); null when it is fine.
    /// </summary>
    public static string? JsonProblem(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var reader = new System.Text.Json.Utf8JsonReader(bytes, new System.Text.Json.JsonReaderOptions { MaxDepth = 64 });
        try
        {
            if (!reader.Read()) return "it is empty";
            reader.Skip();
            if (reader.Read()) return $"there is more after the value, at character {Characters(bytes, reader.TokenStartIndex) + 1}";
            return null;
        }
        catch (System.Text.Json.JsonException)
        {
            var at = Characters(bytes, reader.BytesConsumed);
            return at >= json.Length
                ? "it ends before the value is complete (a missing quote, bracket or brace?)"
                : $"unexpected '{json[at]}' at character {at + 1}";
        }
    }

    private static int Characters(byte[] utf8, long byteCount) => Encoding.UTF8.GetCharCount(utf8, 0, (int)Math.Min(byteCount, utf8.Length));

    /// <summary>'it''s' → it's; null if the text is not exactly one quoted string.</summary>
    private static string? Unquote(string quoted)
    {
        var value = new StringBuilder();
        var i = 1;
        while (i < quoted.Length)
        {
            if (quoted[i] == '\'')
            {
                if (i + 1 < quoted.Length && quoted[i + 1] == '\'') { value.Append('\''); i += 2; continue; }
                return i == quoted.Length - 1 ? value.ToString() : null;
            }
            value.Append(quoted[i++]);
        }
        return null;
    }
}
