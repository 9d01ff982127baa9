using System.Text;
using FastDb.Server.Replication;
using FastDb.Server.StateMachine;
using Microsoft.AspNetCore.Http;
using static FastDb.Server.Http.HttpText;

namespace FastDb.Server.Http;

/// <summary>PUT/GET/DELETE /doc/{uuid4}: JSON documents kept through the log (see <see cref="DocumentCommand"/>).</summary>
public sealed class DocumentHandler(RequestInput input, ScriptSubmitter submitter, IReplicator replicator, ReplicatedStateMachine stateMachine)
{
    private readonly RequestInput _input = input;
    private readonly ScriptSubmitter _submitter = submitter;
    private readonly IReplicator _replicator = replicator;
    private readonly ReplicatedStateMachine _stateMachine = stateMachine;

    /// <summary>
    /// PUT/GET/DELETE /doc/{uuid4}: a key/value document store on top of the log. Each command is a short SQL script
    /// on a reserved table (see <see cref="DocumentCommand"/>), so it is ordered, replicated, deduplicated and
    /// snapshotted exactly like any other request, and it costs a sequence number.
    /// </summary>
    public async Task HandleAsync(HttpContext context, string key)
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
            var body = await _input.ReadValidBodyAsync(context, "send the JSON document as the PUT body").ConfigureAwait(false);
            if (body is null) return;
            if (!DocumentCommand.TryValidateJson(body, out var error))
            {
                await WriteTextAsync(context, StatusCodes.Status400BadRequest, $"Error: value is not valid JSON: {error}\n").ConfigureAwait(false);
                return;
            }
            json = StrictUtf8.GetString(body);
        }
        if (!RequestInput.TryReadIdempotencyKey(context, out var idempotencyKey))
        {
            await RequestInput.RefuseIdempotencyKeyAsync(context).ConfigureAwait(false);
            return;
        }
        var command = new DocumentCommand(kind.Value, normalizedKey, json);
        var script = command.ToScript();
        // Without a client key every document command is its own request: body matching would answer a second
        // GET or PUT of the same thing with the first one's (stale) answer.
        idempotencyKey ??= $"doc:{_replicator.LocalNodeId:x}:{_submitter.NextCounter():x}";
        var answer = await _submitter.SubmitAsync(context, _submitter.CreateRequest(script, idempotencyKey)).ConfigureAwait(false);
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
}
