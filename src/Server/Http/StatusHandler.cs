using FastDb.Server.Replication;
using FastDb.Server.StateMachine;
using Microsoft.AspNetCore.Http;

namespace FastDb.Server.Http;

/// <summary>GET /status: this node's view of itself and the cluster, as JSON. Never waits on the cluster.</summary>
public sealed class StatusHandler(IReplicator replicator, ReplicatedStateMachine stateMachine, string nodeName)
{
    private readonly IReplicator _replicator = replicator;
    private readonly ReplicatedStateMachine _stateMachine = stateMachine;
    private readonly string _nodeName = nodeName;
    private readonly DateTime _startedUtc = DateTime.UtcNow;

    public async Task HandleAsync(HttpContext context)
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
            status.Nodes, _replicator.PeerTraffic);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        await System.Text.Json.JsonSerializer.SerializeAsync(context.Response.Body, report, StatusJsonContext.Default.StatusReport, context.RequestAborted)
            .ConfigureAwait(false);
    }
}
