using FastDb.QueryEngine.Statements;
using FastDb.Server.Replication;
using FastDb.Server.StateMachine;
using Microsoft.AspNetCore.Http;

namespace FastDb.Server.Http.Rqlite;

/// <summary>
/// rqlite's HTTP API on the same listener as /sql: the paths it serves and where each goes
/// (<see cref="RqliteDataHandler"/>, <see cref="RqliteOpsHandler"/>).
/// </summary>
public sealed class RqliteRoutes(RequestInput input, ScriptSubmitter submitter, IReplicator replicator, ReplicatedStateMachine stateMachine, string nodeName)
{
    private readonly RqliteDataHandler _data = new(input, submitter, replicator, stateMachine);
    private readonly RqliteOpsHandler _ops = new(replicator, stateMachine, nodeName);

    public static bool Serves(string path) => path is "/db/execute" or "/db/query" or "/db/request" or "/db/load" or "/db/backup" or "/nodes" or "/readyz";

    /// <summary>rqlite's /status shape is asked for with ?format=rqlite; FastDb's own stays the default (its shell and tools read it).</summary>
    public static bool WantsRqliteStatus(HttpRequest request) =>
        request.Query.TryGetValue("format", out var format) && format == "rqlite";

    public Task StatusAsync(HttpContext context) => _ops.StatusAsync(context);

    public Task HandleAsync(HttpContext context, string path)
    {
        var method = context.Request.Method;
        switch (path)
        {
            case "/db/execute": return _data.HandleAsync(context, StatementsMode.Execute);
            case "/db/query": return _data.HandleAsync(context, StatementsMode.Query);
            case "/db/request": return _data.HandleAsync(context, StatementsMode.Request);
            case "/db/load": return _data.LoadAsync(context);
        }
        if (!HttpMethods.IsGet(method))
        {
            context.Response.Headers.Allow = "GET";
            return RqliteResponse.WriteErrorAsync(context, StatusCodes.Status405MethodNotAllowed, $"GET {path} only");
        }
        return path switch
        {
            "/db/backup" => _ops.BackupAsync(context),
            "/nodes" => _ops.NodesAsync(context),
            _ => _ops.ReadyAsync(context),
        };
    }
}
