using System.Buffers;
using System.Text;
using System.Text.Unicode;
using FastDb.QueryEngine;
using FastDb.Server.Replication;
using FastDb.Server.StateMachine;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FastDb.Server.Http;

/// <summary>
/// The node's HTTP surface, dispatched by hand (no routing middleware: three fixed paths do not need it).
/// POST /sql → 200 "SequenceNumber: N\n" + body; GET /healthcheck; GET /status; clear 4xx for everything else.
/// </summary>
public sealed class SqlEndpoint
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly IReplicator _replicator;
    private readonly ReplicatedStateMachine _stateMachine;
    private readonly string _nodeName;
    private readonly long _maxBodyBytes;
    private readonly ILogger _logger;
    private readonly DateTime _startedUtc = DateTime.UtcNow;
    // Seeded from the clock so request ids stay unique across restarts of this node (the dedup window remembers ids).
    private long _requestCounter = DateTime.UtcNow.Ticks;

    public SqlEndpoint(IReplicator replicator, ReplicatedStateMachine stateMachine, string nodeName, long maxBodyBytes, ILogger logger)
    {
        _replicator = replicator;
        _stateMachine = stateMachine;
        _nodeName = nodeName;
        _maxBodyBytes = maxBodyBytes;
        _logger = logger;
    }

    public Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        switch (request.Path.Value)
        {
            case "/sql":
                return HttpMethods.IsPost(request.Method)
                    ? HandleSqlAsync(context)
                    : WriteTextAsync(context, StatusCodes.Status405MethodNotAllowed, "POST /sql only: send the SQL script as the request body\n", "POST");
            case "/healthcheck":
                return HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)
                    ? WriteTextAsync(context, StatusCodes.Status200OK, "OK\n")
                    : WriteTextAsync(context, StatusCodes.Status405MethodNotAllowed, "GET /healthcheck only\n", "GET, HEAD");
            case "/status":
                return HttpMethods.IsGet(request.Method)
                    ? WriteStatusAsync(context)
                    : WriteTextAsync(context, StatusCodes.Status405MethodNotAllowed, "GET /status only\n", "GET");
            default:
                return WriteTextAsync(context, StatusCodes.Status404NotFound,
                    $"no such path: {request.Path.Value}; use POST /sql, GET /healthcheck or GET /status\n");
        }
    }

    private async Task HandleSqlAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.ContentLength > _maxBodyBytes)
        {
            await RefuseTooLargeAsync(context).ConfigureAwait(false);
            return;
        }

        byte[] body;
        try
        {
            var read = await ReadBodyAsync(context).ConfigureAwait(false);
            if (read is null)
            {
                await RefuseTooLargeAsync(context).ConfigureAwait(false);
                return;
            }
            body = read;
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own limits and framing errors (a client that stopped mid-body lands here or in the catch below).
            _logger.LogDebug("bad request body: {Message}", e.Message);
            if (context.RequestAborted.IsCancellationRequested) return;
            if (e.StatusCode == StatusCodes.Status413PayloadTooLarge) await RefuseTooLargeAsync(context).ConfigureAwait(false);
            else await WriteTextAsync(context, e.StatusCode, $"bad request body: {e.Message}\n").ConfigureAwait(false);
            return;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            _logger.LogDebug("client went away while sending its body: {Message}", e.Message);
            return;
        }

        if (body.Length == 0)
        {
            await WriteTextAsync(context, StatusCodes.Status400BadRequest, "empty request body: send the SQL script as the POST body\n").ConfigureAwait(false);
            return;
        }
        if (!Utf8.IsValid(body))
        {
            await WriteTextAsync(context, StatusCodes.Status400BadRequest, "request body is not valid UTF-8\n").ConfigureAwait(false);
            return;
        }
        string? idempotencyKey = null;
        if (request.Headers.TryGetValue("Idempotency-Key", out var keyValues))
        {
            idempotencyKey = keyValues.ToString();
            if (keyValues.Count != 1 || idempotencyKey.Length == 0
                || Encoding.UTF8.GetByteCount(idempotencyKey) > ClientRequest.MaxIdempotencyKeyBytes)
            {
                await WriteTextAsync(context, StatusCodes.Status400BadRequest,
                    $"Idempotency-Key must be one non-empty value of at most {ClientRequest.MaxIdempotencyKeyBytes} bytes\n").ConfigureAwait(false);
                return;
            }
        }

        var clientRequest = new ClientRequest(
            new RequestId(_replicator.LocalNodeId, (ulong)Interlocked.Increment(ref _requestCounter)),
            idempotencyKey,
            BodyDigest.Of(body),
            DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            EncodeCommand(StrictUtf8.GetString(body)));

        Answer answer;
        try
        {
            answer = await _replicator.SubmitAsync(clientRequest, context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client left; the request (if proposed) still commits and a re-send gets its original answer.
            return;
        }
        catch (ObjectDisposedException)
        {
            await WriteTextAsync(context, StatusCodes.Status503ServiceUnavailable, "the node is shutting down\n").ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException)
        {
            await WriteTextAsync(context, StatusCodes.Status500InternalServerError, "the request could not be written to the log\n").ConfigureAwait(false);
            return;
        }
        await WriteAnswerAsync(context, answer).ConfigureAwait(false);
    }

    /// <summary>What octopus's oracle runs is the body plus ";" on the sqlite3 shell's stdin.</summary>
    private static byte[] EncodeCommand(string script)
    {
        var command = SqlCommand.Recognize(script + ";");
        var buffer = new ArrayBufferWriter<byte>(64);
        command.WriteTo(buffer);
        return buffer.WrittenSpan.ToArray();
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

    private static Task WriteAnswerAsync(HttpContext context, Answer answer)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/plain; charset=utf-8";
        var prefix = $"SequenceNumber: {answer.SequenceNumber}\n";
        var length = Encoding.UTF8.GetByteCount(prefix) + Encoding.UTF8.GetByteCount(answer.Body);
        response.ContentLength = length;
        var writer = response.BodyWriter;
        var span = writer.GetSpan(length);
        var written = Encoding.UTF8.GetBytes(prefix, span);
        written += Encoding.UTF8.GetBytes(answer.Body, span[written..]);
        writer.Advance(written);
        return FlushAsync(writer, context.RequestAborted);
    }

    private async Task WriteStatusAsync(HttpContext context)
    {
        var status = _replicator.Status;
        var next = _stateMachine.NextSequenceNumber;
        var report = new StatusReport(
            _nodeName, _replicator.LocalNodeId, status.Role, status.Term, status.LeaderId, status.Members,
            status.CommitIndex, status.AppliedIndex, status.LastLogIndex, status.SnapshotIndex,
            next == 0 ? null : (long)(next - 1),
            _stateMachine.DedupCount, _stateMachine.PendingCount,
            Math.Round((DateTime.UtcNow - _startedUtc).TotalSeconds, 3));
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        await System.Text.Json.JsonSerializer.SerializeAsync(context.Response.Body, report, StatusJsonContext.Default.StatusReport, context.RequestAborted)
            .ConfigureAwait(false);
    }

    private static Task WriteTextAsync(HttpContext context, int status, string text, string? allow = null)
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

    private static async Task FlushAsync(System.IO.Pipelines.PipeWriter writer, CancellationToken cancellationToken)
    {
        try
        {
            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Client gone: nothing to do, the answer stays in the dedup window for its re-send.
        }
    }
}
