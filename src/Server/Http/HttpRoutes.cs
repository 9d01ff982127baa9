using FastDb.Server.Replication;
using FastDb.Server.StateMachine;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using static FastDb.Server.Http.HttpText;

namespace FastDb.Server.Http;

/// <summary>
/// The node's HTTP surface, dispatched by hand (no routing middleware: a few fixed paths do not need it):
/// POST /sql (<see cref="SqlHandler"/>), PUT/GET/DELETE /doc/{uuid4} (<see cref="DocumentHandler"/>), GET /status
/// (<see cref="StatusHandler"/>), GET /healthcheck, rqlite's API (<see cref="Rqlite.RqliteRoutes"/>); a clear 4xx for
/// everything else.
/// </summary>
public sealed class HttpRoutes
{
    private const string DocumentPathPrefix = "/doc/";

    private readonly SqlHandler _sql;
    private readonly DocumentHandler _documents;
    private readonly StatusHandler _status;
    private readonly NodeRemovalHandler _removal;
    private readonly Rqlite.RqliteRoutes _rqlite;

    public HttpRoutes(IReplicator replicator, ReplicatedStateMachine stateMachine, string nodeName, long maxBodyBytes, ILogger logger)
    {
        var input = new RequestInput(maxBodyBytes, logger);
        var submitter = new ScriptSubmitter(replicator, logger);
        _sql = new SqlHandler(input, submitter, stateMachine);
        _documents = new DocumentHandler(input, submitter, replicator, stateMachine);
        _status = new StatusHandler(replicator, stateMachine, nodeName);
        _removal = new NodeRemovalHandler(replicator);
        _rqlite = new Rqlite.RqliteRoutes(input, submitter, replicator, stateMachine, nodeName);
    }

    public Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        switch (request.Path.Value)
        {
            case "/sql":
                return HttpMethods.IsPost(request.Method)
                    ? _sql.HandleAsync(context)
                    : WriteTextAsync(context, StatusCodes.Status405MethodNotAllowed, "POST /sql only: send the SQL script as the request body\n", "POST");
            case "/healthcheck":
                return HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)
                    ? WriteTextAsync(context, StatusCodes.Status200OK, "OK\n")
                    : WriteTextAsync(context, StatusCodes.Status405MethodNotAllowed, "GET /healthcheck only\n", "GET, HEAD");
            case "/status":
                return HttpMethods.IsGet(request.Method)
                    ? (Rqlite.RqliteRoutes.WantsRqliteStatus(request) ? _rqlite.StatusAsync(context) : _status.HandleAsync(context))
                    : WriteTextAsync(context, StatusCodes.Status405MethodNotAllowed, "GET /status only\n", "GET");
            case { } path when path.StartsWith(DocumentPathPrefix, StringComparison.Ordinal):
                return _documents.HandleAsync(context, path[DocumentPathPrefix.Length..]);
            case { } path when path.StartsWith(NodeRemovalHandler.PathPrefix, StringComparison.Ordinal):
                return _removal.HandleAsync(context, Uri.UnescapeDataString(path[NodeRemovalHandler.PathPrefix.Length..]));
            case { } path when Rqlite.RqliteRoutes.Serves(path):
                return _rqlite.HandleAsync(context, path);
            default:
                return WriteTextAsync(context, StatusCodes.Status404NotFound,
                    $"no such path: {request.Path.Value}; use POST /sql, PUT/GET/DELETE /doc/{{uuid4}}, GET /healthcheck or GET /status\n");
        }
    }
}
