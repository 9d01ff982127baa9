using System.Text;
using Microsoft.AspNetCore.Http;

namespace FastDb.Server.Http;

/// <summary>Writing plain-text answers, shared by every handler.</summary>
public static class HttpText
{
    /// <summary>UTF-8 that throws on invalid bytes (bodies are checked with Utf8.IsValid first).</summary>
    public static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static Task WriteTextAsync(HttpContext context, int status, string text, string? allow = null)
    {
        var response = context.Response;
        if (response.HasStarted) return Task.CompletedTask;
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        if (allow is not null) response.Headers.Allow = allow;
        var bytes = Encoding.UTF8.GetBytes(text);
        response.ContentLength = bytes.Length;
        if (HttpMethods.IsHead(context.Request.Method)) return Task.CompletedTask;
        return response.Body.WriteAsync(bytes, context.RequestAborted).AsTask();
    }

    public static async Task<bool> FlushAsync(System.IO.Pipelines.PipeWriter writer, CancellationToken cancellationToken)
    {
        try
        {
            var result = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            return !result.IsCanceled && !result.IsCompleted && !cancellationToken.IsCancellationRequested;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // Client gone: the answer stays in the dedup window, undelivered, for its re-send.
            return false;
        }
    }
}
