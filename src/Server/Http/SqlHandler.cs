using System.Text;
using FastDb.Server.StateMachine;
using Microsoft.AspNetCore.Http;
using static FastDb.Server.Http.HttpText;

namespace FastDb.Server.Http;

/// <summary>
/// POST /sql, the CTF API: the body is a SQL script; the answer is 200 "SequenceNumber: N\n" + what the sqlite3 shell
/// prints for it, once this node has applied it. A delivered answer is marked so, which tells a client's retry of a
/// lost answer (the original) from a repeat of the same script (a fresh answer): see DedupWindow.
/// </summary>
public sealed class SqlHandler(RequestInput input, ScriptSubmitter submitter, ReplicatedStateMachine stateMachine)
{
    private readonly RequestInput _input = input;
    private readonly ScriptSubmitter _submitter = submitter;
    private readonly ReplicatedStateMachine _stateMachine = stateMachine;

    public async Task HandleAsync(HttpContext context)
    {
        var body = await _input.ReadValidBodyAsync(context, "send the SQL script as the POST body").ConfigureAwait(false);
        if (body is null) return;
        if (!RequestInput.TryReadIdempotencyKey(context, out var idempotencyKey))
        {
            await RequestInput.RefuseIdempotencyKeyAsync(context).ConfigureAwait(false);
            return;
        }
        var request = _submitter.CreateRequest(StrictUtf8.GetString(body), idempotencyKey);
        var answer = await _submitter.SubmitAsync(context, request).ConfigureAwait(false);
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
        if (await WriteAnswerAsync(context, a).ConfigureAwait(false)) _stateMachine.MarkDelivered(request.Digest, a);
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
}
