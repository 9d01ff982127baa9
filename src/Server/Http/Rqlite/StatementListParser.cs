using System.Globalization;
using System.Text.Json;
using FastDb.QueryEngine.Statements;

namespace FastDb.Server.Http.Rqlite;

/// <summary>A request body that is not an rqlite statement list; the message is ours, safe to send to the client.</summary>
public sealed class StatementListException(string message) : Exception(message);

/// <summary>
/// Reads rqlite's request body: a JSON array whose elements are an SQL string, or an array of the SQL string and
/// its parameters, either positional values or one object of named values (<c>["... :name", {"name": 1}]</c>).
/// A value is a number (an integer when written without fraction or exponent and within 64 bits, else a real),
/// a string, true/false (1/0, as SQLite stores them), null, or an array of byte values 0-255 (a blob).
/// Strict and bounded: RFC 8259 JSON only (no comments, no trailing commas), nesting at most 4 deep, at most
/// <see cref="MaxStatements"/> statements and <see cref="ParameterBinder.MaxParameterIndex"/> values each. Every
/// defect is a <see cref="StatementListException"/> with a message of ours (no parser internals reach the client).
/// </summary>
public static class StatementListParser
{
    public const int MaxStatements = 10_000;
    private const int MaxDepth = 4;

    public static List<StatementRequest> Parse(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = MaxDepth, CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false });
        try
        {
            var statements = new List<StatementRequest>();
            Next(ref reader);
            if (reader.TokenType != JsonTokenType.StartArray) throw new StatementListException("the body must be a JSON array of statements");
            while (true)
            {
                Next(ref reader);
                if (reader.TokenType == JsonTokenType.EndArray) break;
                if (statements.Count == MaxStatements) throw new StatementListException($"too many statements: at most {MaxStatements} per request");
                statements.Add(ReadStatement(ref reader, statements.Count));
            }
            if (reader.Read()) throw new StatementListException("unexpected data after the statement array");
            if (statements.Count == 0) throw new StatementListException("the statement array is empty");
            return statements;
        }
        catch (JsonException e)
        {
            // JsonException's own text names .NET internals: say where, in our words.
            throw new StatementListException($"malformed JSON at line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}");
        }
    }

    private static void Next(ref Utf8JsonReader reader)
    {
        if (!reader.Read()) throw new StatementListException("the JSON body ends early");
    }

    private static StatementRequest ReadStatement(ref Utf8JsonReader reader, int number)
    {
        if (reader.TokenType == JsonTokenType.String) return StatementRequest.Plain(reader.GetString()!);
        if (reader.TokenType != JsonTokenType.StartArray)
            throw new StatementListException($"statement {number + 1}: must be an SQL string or an array [sql, parameters...]");
        Next(ref reader);
        if (reader.TokenType != JsonTokenType.String)
            throw new StatementListException($"statement {number + 1}: the first element must be the SQL string");
        var sql = reader.GetString()!;
        var positional = new List<ParameterValue>();
        var named = new List<KeyValuePair<string, ParameterValue>>();
        bool sawNamed = false;
        while (true)
        {
            Next(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray) break;
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                if (sawNamed) throw new StatementListException($"statement {number + 1}: at most one object of named parameters");
                sawNamed = true;
                while (true)
                {
                    Next(ref reader);
                    if (reader.TokenType == JsonTokenType.EndObject) break;
                    var name = reader.GetString()!;
                    if (name.Length == 0) throw new StatementListException($"statement {number + 1}: a named parameter needs a name");
                    if (named.Exists(p => p.Key == name)) throw new StatementListException($"statement {number + 1}: parameter \"{name}\" is named twice");
                    Next(ref reader);
                    named.Add(new(name, ReadValue(ref reader, number)));
                    if (named.Count > ParameterBinder.MaxParameterIndex) throw new StatementListException($"statement {number + 1}: too many parameters");
                }
                continue;
            }
            positional.Add(ReadValue(ref reader, number));
            if (positional.Count > ParameterBinder.MaxParameterIndex) throw new StatementListException($"statement {number + 1}: too many parameters");
        }
        return new StatementRequest(sql, positional, named);
    }

    private static ParameterValue ReadValue(ref Utf8JsonReader reader, int number)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null: return ParameterValue.Null;
            case JsonTokenType.True: return ParameterValue.FromInteger(1);
            case JsonTokenType.False: return ParameterValue.FromInteger(0);
            case JsonTokenType.String: return ParameterValue.FromText(reader.GetString()!);
            case JsonTokenType.Number:
                var raw = reader.ValueSpan;
                if (raw.IndexOfAny((byte)'.', (byte)'e', (byte)'E') < 0 && reader.TryGetInt64(out var integer)) return ParameterValue.FromInteger(integer);
                if (!double.TryParse(System.Text.Encoding.UTF8.GetString(raw), NumberStyles.Float, CultureInfo.InvariantCulture, out var real) || !double.IsFinite(real))
                    throw new StatementListException($"statement {number + 1}: number out of range");
                return ParameterValue.FromReal(real);
            case JsonTokenType.StartArray:
                var bytes = new List<byte>();
                while (true)
                {
                    Next(ref reader);
                    if (reader.TokenType == JsonTokenType.EndArray) return ParameterValue.FromBlob(bytes.ToArray());
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetByte(out var b))
                        throw new StatementListException($"statement {number + 1}: a blob parameter is an array of byte values 0-255");
                    bytes.Add(b);
                }
            default:
                throw new StatementListException($"statement {number + 1}: unsupported parameter value");
        }
    }
}
