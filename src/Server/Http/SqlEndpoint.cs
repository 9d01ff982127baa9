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
/// POST /sql → 200 "SequenceNumber: N\n" + body; PUT/GET/DELETE /doc/{uuid4}; GET /healthcheck; GET /status; clear
/// 4xx for everything else.
/// </summary>
public sealed class SqlEndpoint
{
    private const string DocumentPathPrefix = "/doc/";
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
            case { } path when path.StartsWith(DocumentPathPrefix, StringComparison.Ordinal):
                return HandleDocumentAsync(context, path[DocumentPathPrefix.Length..]);
            default:
                return WriteTextAsync(context, StatusCodes.Status404NotFound,
                    $"no such path: {request.Path.Value}; use POST /sql, PUT/GET/DELETE /doc/{{uuid4}}, GET /healthcheck or GET /status\n");
        }
    }

    private async Task HandleSqlAsync(HttpContext context)
    {
        var body = await ReadValidBodyAsync(context, "send the SQL script as the POST body").ConfigureAwait(false);
        if (body is null) return;
        if (!TryReadIdempotencyKey(context, out var idempotencyKey))
        {
            await RefuseIdempotencyKeyAsync(context).ConfigureAwait(false);
            return;
        }
        var digest = BodyDigest.Of(body);
        var answer = await SubmitAsync(context, StrictUtf8.GetString(body), idempotencyKey, digest).ConfigureAwait(false);
        if (answer is not { } a) return;
        if (!a.Held)
        {
            await WriteTextAsync(context, StatusCodes.Status409Conflict,
                $"this request was already applied (sequence number {a.SequenceNumber}), but its answer was longer than " +
                $"{DedupWindow.MaxKeptAnswerChars} characters and is not kept for re-sends; send a new request to read the current state\n")
                .ConfigureAwait(false);
            return;
        }
        // Delivered: the same body sent again is a new request (a fresh answer), not a retry of a lost one.
        if (await WriteAnswerAsync(context, a).ConfigureAwait(false)) _stateMachine.MarkDelivered(digest, a);
    }

    /// <summary>
    /// PUT/GET/DELETE /doc/{uuid4}: a key/value document store on top of the log. Each command is a short SQL script
    /// on a reserved table (see <see cref="DocumentCommand"/>), so it is ordered, replicated, deduplicated and
    /// snapshotted exactly like any other request, and it costs a sequence number.
    /// </summary>
    private async Task HandleDocumentAsync(HttpContext context, string key)
    {
        var method = context.Request.Method;
        var kind = HttpMethods.IsPut(method) ? DocumentCommandKind.Set
            : HttpMethods.IsGet(method) ? DocumentCommandKind.Get
            : HttpMethods.IsDelete(method) ? DocumentCommandKind.Delete
            : (DocumentCommandKind?)null;
        if (kind is null)
        {
            await WriteTextAsync(context, StatusCodes.Status405MethodNotAllowed, "PUT, GET or DELETE /doc/{uuid4} only\n", "PUT, GET, DELETE").ConfigureAwait(false);
            return;
        }
        if (!DocumentCommand.TryNormalizeKey(key, out var normalizedKey))
        {
            await WriteTextAsync(context, StatusCodes.Status400BadRequest, DocumentCommand.BadKeyMessage + "\n").ConfigureAwait(false);
            return;
        }
        string? json = null;
        if (kind == DocumentCommandKind.Set)
        {
            var body = await ReadValidBodyAsync(context, "send the JSON document as the PUT body").ConfigureAwait(false);
            if (body is null) return;
            if (!DocumentCommand.TryValidateJson(body, out var error))
            {
                await WriteTextAsync(context, StatusCodes.Status400BadRequest, $"Error: value is not valid JSON: {error}\n").ConfigureAwait(false);
                return;
            }
            json = StrictUtf8.GetString(body);
        }
        if (!TryReadIdempotencyKey(context, out var idempotencyKey))
        {
            await RefuseIdempotencyKeyAsync(context).ConfigureAwait(false);
            return;
        }
        var command = new DocumentCommand(kind.Value, normalizedKey, json);
        var script = command.ToScript();
        // Without a client key every document command is its own request: body matching would answer a second
        // GET or PUT of the same thing with the first one's (stale) answer.
        idempotencyKey ??= $"doc:{_replicator.LocalNodeId:x}:{Interlocked.Increment(ref _requestCounter):x}";
        var scriptBytes = Encoding.UTF8.GetBytes(script);
        var answer = await SubmitAsync(context, script, idempotencyKey, BodyDigest.Of(scriptBytes)).ConfigureAwait(false);
        if (answer is not { } a) return;

        var result = command.Interpret(a.Body);
        var response = context.Response;
        response.Headers["SequenceNumber"] = a.SequenceNumber.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (result.Status != StatusCodes.Status409Conflict)
        {
            // How widely the command's entry is stored: counted for the entry this node applied last, which is this
            // one or a later one, so a lower bound.
            var replicas = await CountReplicasAsync(context).ConfigureAwait(false);
            response.Headers["FastDb-Replicas"] = replicas.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        response.Headers["FastDb-Members"] = _replicator.Status.Members.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await WriteTextAsync(context, result.Status, result.Text).ConfigureAwait(false);
    }

    private async Task<int> CountReplicasAsync(HttpContext context)
    {
        try
        {
            return await _replicator.CountReplicasAsync(_stateMachine.AppliedIndex, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            return 0;
        }
    }

    /// <summary>
    /// Reads and checks a request body: size limit, complete, non-empty, UTF-8. On any problem it answers the client
    /// (or sees that the client left) and returns null.
    /// </summary>
    private async Task<byte[]?> ReadValidBodyAsync(HttpContext context, string whatToSend)
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

    /// <summary>False when the header is present but unusable (several values, empty, too long).</summary>
    private static bool TryReadIdempotencyKey(HttpContext context, out string? idempotencyKey)
    {
        idempotencyKey = null;
        if (!context.Request.Headers.TryGetValue("Idempotency-Key", out var keyValues)) return true;
        idempotencyKey = keyValues.ToString();
        return keyValues.Count == 1 && idempotencyKey.Length > 0
            && Encoding.UTF8.GetByteCount(idempotencyKey) <= ClientRequest.MaxIdempotencyKeyBytes;
    }

    private static Task RefuseIdempotencyKeyAsync(HttpContext context) =>
        WriteTextAsync(context, StatusCodes.Status400BadRequest,
            $"Idempotency-Key must be one non-empty value of at most {ClientRequest.MaxIdempotencyKeyBytes} bytes\n");

    /// <summary>
    /// Stamps the script with a request id and waits for its answer from this node's state machine. Null when the
    /// client left or the node could not take it (an error answer has then been written where possible).
    /// </summary>
    private async Task<Answer?> SubmitAsync(HttpContext context, string script, string? idempotencyKey, BodyDigest digest)
    {
        var clientRequest = new ClientRequest(
            new RequestId(_replicator.LocalNodeId, (ulong)Interlocked.Increment(ref _requestCounter)),
            idempotencyKey,
            digest,
            DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            EncodeCommand(script));
        try
        {
            return await _replicator.SubmitAsync(clientRequest, context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client left; the request (if proposed) still commits and a re-send gets its original answer.
            _logger.LogDebug("client left before its answer to request {Id}", clientRequest.Id);
            return null;
        }
        catch (ObjectDisposedException)
        {
            await WriteTextAsync(context, StatusCodes.Status503ServiceUnavailable, "the node is shutting down\n").ConfigureAwait(false);
            return null;
        }
        catch (OperationCanceledException)
        {
            await WriteTextAsync(context, StatusCodes.Status500InternalServerError, "the request could not be written to the log\n").ConfigureAwait(false);
            return null;
        }
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

    /// <summary>Writes the CTF answer; true when it reached the client's connection (it was still there).</summary>
    private static Task<bool> WriteAnswerAsync(HttpContext context, Answer answer)
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
            _nodeName, _replicator.LocalNodeId, status.Role, status.Term, status.LeaderId,
            status.Nodes.FirstOrDefault(n => n.Leader)?.Name, status.Members,
            status.CommitIndex, status.AppliedIndex, status.LastLogIndex, status.SnapshotIndex,
            next == 0 ? null : (long)(next - 1),
            _stateMachine.DedupCount, _stateMachine.DedupAnswerChars, _replicator.RequestsInFlight,
            Math.Round((DateTime.UtcNow - _startedUtc).TotalSeconds, 3),
            GC.GetGCMemoryInfo().HeapSizeBytes, Environment.WorkingSet,
            status.Nodes);
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

    private static async Task<bool> FlushAsync(System.IO.Pipelines.PipeWriter writer, CancellationToken cancellationToken)
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
