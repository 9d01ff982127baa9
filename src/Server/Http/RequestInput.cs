using System.Buffers;
using System.Text;
using System.Text.Unicode;
using FastDb.Server.StateMachine;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using static FastDb.Server.Http.HttpText;

namespace FastDb.Server.Http;

/// <summary>
/// Reads what a client sends, checking it where it enters: the body (size limit, complete, well framed, non-empty,
/// UTF-8) and the Idempotency-Key header. On any problem it answers the client itself with a clear 4xx.
/// </summary>
public sealed class RequestInput(long maxBodyBytes, ILogger logger)
{
    private readonly long _maxBodyBytes = maxBodyBytes;
    private readonly ILogger _logger = logger;

    /// <summary>
    /// Reads and checks a request body: size limit, complete, non-empty, UTF-8. On any problem it answers the client
    /// (or sees that the client left) and returns null.
    /// </summary>
    public async Task<byte[]?> ReadValidBodyAsync(HttpContext context, string whatToSend)
    {
        if (context.Request.ContentLength > _maxBodyBytes)
        {
            await RefuseTooLargeAsync(context).ConfigureAwait(false);
            return null;
        }

        byte[] body;
        try
        {
            var read = await ReadBodyAsync(context).ConfigureAwait(false);
            if (read is null)
            {
                await RefuseTooLargeAsync(context).ConfigureAwait(false);
                return null;
            }
            body = read;
        }
        catch (Exception e) when (e is BadHttpRequestException or IOException or OperationCanceledException)
        {
            // Kestrel's limits and framing errors (a malformed or overflowing chunk size surfaces as an IOException),
            // or a client that left mid-body: answer unless the client is gone, and close the connection either way
            // (the rest of a broken body cannot be framed).
            _logger.LogDebug("bad request body: {Message}", e.Message);
            if (context.RequestAborted.IsCancellationRequested) return null;
            context.Response.Headers.Connection = "close";
            var status = e is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status400BadRequest;
            if (status == StatusCodes.Status413PayloadTooLarge) await RefuseTooLargeAsync(context).ConfigureAwait(false);
            else await WriteTextAsync(context, status, $"bad request body: {e.Message}\n").ConfigureAwait(false);
            return null;
        }

        if (body.Length == 0)
        {
            await WriteTextAsync(context, StatusCodes.Status400BadRequest, $"empty request body: {whatToSend}\n").ConfigureAwait(false);
            return null;
        }
        if (!Utf8.IsValid(body))
        {
            await WriteTextAsync(context, StatusCodes.Status400BadRequest, "request body is not valid UTF-8\n").ConfigureAwait(false);
            return null;
        }
        return body;
    }

    /// <summary>Reads the whole body; null when it exceeds the limit (chunked bodies have no Content-Length to check first).</summary>
    private async Task<byte[]?> ReadBodyAsync(HttpContext context)
    {
        var reader = context.Request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(context.RequestAborted).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.Length > _maxBodyBytes)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                return null;
            }
            if (result.IsCompleted)
            {
                var bytes = buffer.ToArray();
                reader.AdvanceTo(buffer.End);
                return bytes;
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private Task RefuseTooLargeAsync(HttpContext context)
    {
        // Do not drain a huge body: close the connection after answering.
        context.Response.Headers.Connection = "close";
        return WriteTextAsync(context, StatusCodes.Status413PayloadTooLarge,
            $"request body exceeds the limit of {_maxBodyBytes} bytes (--max-body-bytes)\n");
    }

    /// <summary>False when the header is present but unusable (several values, empty, too long).</summary>
    public static bool TryReadIdempotencyKey(HttpContext context, out string? idempotencyKey)
    {
        idempotencyKey = null;
        if (!context.Request.Headers.TryGetValue("Idempotency-Key", out var keyValues)) return true;
        idempotencyKey = keyValues.ToString();
        return keyValues.Count == 1 && idempotencyKey.Length > 0
            && Encoding.UTF8.GetByteCount(idempotencyKey) <= ClientRequest.MaxIdempotencyKeyBytes;
    }

    public static Task RefuseIdempotencyKeyAsync(HttpContext context) =>
        WriteTextAsync(context, StatusCodes.Status400BadRequest,
            $"Idempotency-Key must be one non-empty value of at most {ClientRequest.MaxIdempotencyKeyBytes} bytes\n");
}
