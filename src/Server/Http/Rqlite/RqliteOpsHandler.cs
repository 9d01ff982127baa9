using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using FastDb.Server.Cluster;
using FastDb.Server.Replication;
using FastDb.Server.StateMachine;
using FastDb.Shell.Session;
using Microsoft.AspNetCore.Http;

namespace FastDb.Server.Http.Rqlite;

/// <summary>
/// rqlite's operations endpoints: GET /nodes, GET /readyz, GET /status?format=rqlite (FastDb's own /status stays the
/// default) and GET /db/backup?fmt=sql (sqlite3's .dump of this node's copy, once it has applied the leader's
/// commit index as a weak read does).
/// </summary>
public sealed class RqliteOpsHandler(IReplicator replicator, ReplicatedStateMachine stateMachine, string nodeName)
{
    private readonly DateTime _startedUtc = DateTime.UtcNow;

    /// <summary>The URL prefix of a member's API: rqlite clients follow it in Location and read it in api_addr.</summary>
    public static string ApiAddress(string endpoint) => "http://" + endpoint;

    public Task NodesAsync(HttpContext context)
    {
        var nodes = Nodes(replicator.Status);
        bool pretty = context.Request.Query.ContainsKey("pretty");
        if (context.Request.Query.TryGetValue("ver", out var ver) && ver == "2")
            return WriteJsonAsync(context, new RqliteNodeList(nodes), pretty ? RqlitePrettyJsonContext.Default.RqliteNodeList : RqliteJsonContext.Default.RqliteNodeList);
        var map = nodes.ToDictionary(n => n.Id);
        return WriteJsonAsync(context, map, pretty ? RqlitePrettyJsonContext.Default.DictionaryStringRqliteNode : RqliteJsonContext.Default.DictionaryStringRqliteNode);
    }

    public Task StatusAsync(HttpContext context)
    {
        var status = replicator.Status;
        var self = status.Nodes.FirstOrDefault(n => n.Self);
        var leader = status.Nodes.FirstOrDefault(n => n.Leader);
        var uptime = DateTime.UtcNow - _startedUtc;
        var report = new RqliteStatus(
            new RqliteBuild(RqliteResponse.Version, "FastDb"),
            new RqliteHttp(self?.Endpoint ?? ""),
            new RqliteNodeSection(_startedUtc.ToString("O", System.Globalization.CultureInfo.InvariantCulture), $"{uptime.TotalSeconds:F3}s"),
            new RqliteStore(nodeName, self?.Address ?? "", new RqliteLeader(leader?.Name ?? "", leader?.Address ?? ""),
                new RqliteRaft(RaftState(status.Role), status.Term, status.CommitIndex, status.AppliedIndex, status.LastLogIndex, status.SnapshotIndex,
                    Math.Max(0, status.Members.Count - 1), Voter: true),
                Nodes(status)));
        bool pretty = context.Request.Query.ContainsKey("pretty");
        return WriteJsonAsync(context, report, pretty ? RqlitePrettyJsonContext.Default.RqliteStatus : RqliteJsonContext.Default.RqliteStatus);
    }

    /// <summary>rqlite's readiness answers: 200 with node, leader and store ok; 503 without a leader (?noleader: the node alone).</summary>
    public Task ReadyAsync(HttpContext context)
    {
        RqliteResponse.AddVersionHeader(context.Response);
        if (context.Request.Query.ContainsKey("noleader")) return HttpText.WriteTextAsync(context, StatusCodes.Status200OK, "[+]node ok");
        var status = replicator.Status;
        if (!status.Nodes.Any(n => n.Leader))
            return HttpText.WriteTextAsync(context, StatusCodes.Status503ServiceUnavailable, "[+]node ok\n[+]leader does not exist");
        if (stateMachine.AppliedIndex == 0)
            return HttpText.WriteTextAsync(context, StatusCodes.Status503ServiceUnavailable, "[+]node ok\n[+]leader ok\n[+]store not ready");
        return HttpText.WriteTextAsync(context, StatusCodes.Status200OK, "[+]node ok\n[+]leader ok\n[+]store ok");
    }

    /// <summary>GET /db/backup?fmt=sql: the database as sqlite3 3.40.1's .dump prints it (the fastdb shell's code).</summary>
    public async Task BackupAsync(HttpContext context)
    {
        if (!context.Request.Query.TryGetValue("fmt", out var fmt) || fmt != "sql")
        {
            await RqliteResponse.WriteErrorAsync(context, StatusCodes.Status400BadRequest,
                "only GET /db/backup?fmt=sql: FastDb keeps its tables in memory, not in an SQLite file").ConfigureAwait(false);
            return;
        }
        using (var patience = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted))
        {
            patience.CancelAfter(TimeSpan.FromSeconds(5));
            ulong index = 0;
            try
            {
                index = await replicator.ReadIndexAsync(ReadConfirmation.Weak, patience.Token).ConfigureAwait(false);
                if (index > 0) await stateMachine.WaitForAppliedAsync(index, patience.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                index = 0;
            }
            if (index == 0)
            {
                if (context.RequestAborted.IsCancellationRequested) return;
                await RqliteResponse.WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "no leader could confirm this node is current; try again").ConfigureAwait(false);
                return;
            }
        }
        var dump = stateMachine.ReadLocal(db =>
        {
            var schema = db.Execute(".mode json\nSELECT type, name, tbl_name, sql FROM sqlite_master");
            if (schema.ExitCode != 0) return null;
            // Every step runs here, synchronously, under the read: the tasks are complete when made.
            return SchemaDump.DumpAsync(SchemaDump.ParseRows(schema.Stdout), _ => true, script =>
            {
                var rows = db.Execute(script);
                return Task.FromResult(rows.ExitCode == 0 ? rows.Stdout : null);
            }).GetAwaiter().GetResult();
        });
        if (dump is null)
        {
            await RqliteResponse.WriteErrorAsync(context, StatusCodes.Status500InternalServerError, "the dump failed").ConfigureAwait(false);
            return;
        }
        RqliteResponse.AddVersionHeader(context.Response);
        await HttpText.WriteTextAsync(context, StatusCodes.Status200OK, dump).ConfigureAwait(false);
    }

    private static List<RqliteNode> Nodes(ReplicatorStatus status) =>
        status.Nodes.Select(n => new RqliteNode(n.Name, ApiAddress(n.Endpoint), n.Address, Voter: true, n.Reachable ?? n.Self, n.Leader)).ToList();

    private static string RaftState(string role) => role switch
    {
        "leader" => "Leader", "follower" => "Follower", "candidate" or "precandidate" => "Candidate", _ => role,
    };

    private static async Task WriteJsonAsync<T>(HttpContext context, T value, JsonTypeInfo<T> type)
    {
        var response = context.Response;
        RqliteResponse.AddVersionHeader(response);
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, type);
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
    }
}
