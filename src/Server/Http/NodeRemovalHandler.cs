using System.Globalization;
using FastDb.Server.Cluster;
using FastDb.Server.Replication;
using Microsoft.AspNetCore.Http;
using static FastDb.Server.Http.HttpText;

namespace FastDb.Server.Http;

/// <summary>
/// DELETE /nodes/{node}: removes a member with a single-server configuration change through the Raft log (rqlite's
/// endpoint; permission "remove" under --auth). {node} is a member's id, address or name as /status lists them. Any
/// node takes it (a follower passes it to the leader); the answer waits, bounded, until this node's configuration no
/// longer has the member: 200 then, 503 when it could not be done now (no leader, another change in flight), 404 for
/// no such member, 409 for the last member, 504 if it did not take effect in time.
/// </summary>
public sealed class NodeRemovalHandler(IReplicator replicator)
{
    public const string PathPrefix = "/nodes/";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public async Task HandleAsync(HttpContext context, string node)
    {
        if (!HttpMethods.IsDelete(context.Request.Method))
        {
            await WriteTextAsync(context, StatusCodes.Status405MethodNotAllowed, "DELETE /nodes/{id} only\n", "DELETE").ConfigureAwait(false);
            return;
        }
        var status = replicator.Status;
        var member = status.Nodes.FirstOrDefault(n =>
            n.Id.ToString(CultureInfo.InvariantCulture) == node || n.Address == node || n.Name == node);
        if (member is null)
        {
            await WriteTextAsync(context, StatusCodes.Status404NotFound, $"no member '{node}' (use an id, address or name from GET /status)\n").ConfigureAwait(false);
            return;
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var outcome = await replicator.RemoveMemberAsync(member.Id, context.RequestAborted).ConfigureAwait(false);
            switch (outcome)
            {
                case RemoveOutcome.NotAMember:
                    await WriteTextAsync(context, StatusCodes.Status200OK, $"removed {member.Name} ({member.Id})\n").ConfigureAwait(false);
                    return;
                case RemoveOutcome.LastMember:
                    await WriteTextAsync(context, StatusCodes.Status409Conflict, $"{member.Name} is the only member; it cannot be removed\n").ConfigureAwait(false);
                    return;
            }
            // Proposed or forwarded: wait for our view to drop it; busy or no leader: ask again shortly.
            for (var i = 0; i < 10 && replicator.Status.Members.Contains(member.Id); i++)
                await Task.Delay(50, context.RequestAborted).ConfigureAwait(false);
            if (!replicator.Status.Members.Contains(member.Id)) continue; // answered by NotAMember next round
            if (clock.Elapsed > Patience)
            {
                var (code, why) = outcome is RemoveOutcome.NoLeader or RemoveOutcome.Busy
                    ? (StatusCodes.Status503ServiceUnavailable, outcome == RemoveOutcome.NoLeader ? "no leader is known" : "another membership change is in flight")
                    : (StatusCodes.Status504GatewayTimeout, "the change did not take effect in time");
                await WriteTextAsync(context, code, $"cannot remove {member.Name} now: {why}; try again\n").ConfigureAwait(false);
                return;
            }
        }
    }
}
