using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace FastDb.Server.Http.Rqlite;

/// <summary>
/// Writes rqlite's answer to a data request, <c>{"results": [...], "time": seconds}</c>, from the canonical results
/// array the engine produced (values form, see StatementRunner). Without ?pretty or ?associative the array is
/// copied as it is; with them it is re-read and re-written (<c>rows</c> objects keyed by column, <c>types</c> as an
/// object). ?timings adds the request's time, measured here (the replicated answer holds no clock readings).
/// </summary>
public static class RqliteResponse
{
    /// <summary>The version this API follows, in the header rqlite clients read to identify the server.</summary>
    public const string Version = "v8.0.0-fastdb";

    public static void AddVersionHeader(HttpResponse response) => response.Headers["X-RQLITE-VERSION"] = Version;

    public static Task WriteResultsAsync(HttpContext context, string resultsJson, RqliteFlags flags, TimeSpan elapsed)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        AddVersionHeader(response);
        byte[] bytes;
        if (!flags.Pretty && !flags.Associative)
        {
            var text = new StringBuilder(resultsJson.Length + 40).Append("{\"results\":").Append(resultsJson);
            if (flags.Timings) text.Append(",\"time\":").Append(elapsed.TotalSeconds.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
            bytes = Encoding.UTF8.GetBytes(text.Append('}').ToString());
        }
        else bytes = Rewrite(resultsJson, flags, elapsed);
        response.ContentLength = bytes.Length;
        return response.Body.WriteAsync(bytes, context.RequestAborted).AsTask();
    }

    private static byte[] Rewrite(string resultsJson, RqliteFlags flags, TimeSpan elapsed)
    {
        using var document = JsonDocument.Parse(resultsJson);
        var buffer = new ArrayBufferWriter<byte>(resultsJson.Length * 2 + 64);
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = flags.Pretty, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteStartArray("results");
            foreach (var result in document.RootElement.EnumerateArray())
            {
                if (!flags.Associative || !result.TryGetProperty("columns", out var columns)) { result.WriteTo(json); continue; }
                var names = columns.EnumerateArray().Select(c => c.GetString() ?? "").ToArray();
                json.WriteStartObject();
                json.WriteStartObject("types");
                var types = result.GetProperty("types").EnumerateArray().ToArray();
                for (int i = 0; i < names.Length; i++) json.WriteString(names[i], i < types.Length ? types[i].GetString() : "");
                json.WriteEndObject();
                json.WriteStartArray("rows");
                if (result.TryGetProperty("values", out var values))
                {
                    foreach (var row in values.EnumerateArray())
                    {
                        json.WriteStartObject();
                        int i = 0;
                        foreach (var value in row.EnumerateArray())
                        {
                            json.WritePropertyName(names[i++]);
                            value.WriteTo(json);
                        }
                        json.WriteEndObject();
                    }
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            if (flags.Timings) json.WriteNumber("time", elapsed.TotalSeconds);
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>An error about the request as a whole, as rqlite answers it: the status and the message as text.</summary>
    public static Task WriteErrorAsync(HttpContext context, int status, string message)
    {
        AddVersionHeader(context.Response);
        return HttpText.WriteTextAsync(context, status, message.EndsWith('\n') ? message : message + "\n");
    }
}
