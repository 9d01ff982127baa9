using System.Buffers;
using FastDb.QueryEngine;
using FastDb.Server.Replication;
using FastDb.Server.StateMachine;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using static FastDb.Server.Http.HttpText;

namespace FastDb.Server.Http;

/// <summary>
/// Turns a script into a log command (recognition), stamps it with a request id of this node, hands it to the
/// replicator and waits for this node's answer. Step 2 and 3 of design.md's "one request, end to end".
/// </summary>
public sealed class ScriptSubmitter(IReplicator replicator, ILogger logger)
{
    private readonly IReplicator _replicator = replicator;
    private readonly ILogger _logger = logger;
    // Counters follow the clock (ClientRequest.NextCounter) so request ids stay unique across restarts of this node
    // (the dedup window remembers ids) and the timestamp travels in the counter.
    private long _requestCounter;

    /// <summary>A fresh number of this node's counter (also for keys that must never repeat).</summary>
    public ulong NextCounter()
    {
        while (true)
        {
            var previous = Interlocked.Read(ref _requestCounter);
            var next = ClientRequest.NextCounter((ulong)previous, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            if (Interlocked.CompareExchange(ref _requestCounter, (long)next, previous) == previous) return next;
        }
    }

    /// <summary>The log request for <paramref name="script"/>: recognized into its command, stamped with an id of this node.</summary>
    public ClientRequest CreateRequest(string script, string? idempotencyKey) => CreateRequest(EncodeCommand(script), idempotencyKey);

    /// <summary>The log request for a command already encoded (an rqlite statement list), stamped with an id of this node.</summary>
    public ClientRequest CreateRequest(byte[] command, string? idempotencyKey)
    {
        return ClientRequest.Stamped(new RequestId(_replicator.LocalNodeId, NextCounter()), idempotencyKey, command);
    }

    /// <summary>
    /// Hands the request to the replicator and waits for its answer from this node's state machine. Null when the
    /// client left or the node could not take it (an error answer has then been written where possible).
    /// </summary>
    public async Task<Answer?> SubmitAsync(HttpContext context, ClientRequest clientRequest)
    {
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
        catch (NodeRemovedException)
        {
            await WriteTextAsync(context, StatusCodes.Status503ServiceUnavailable,
                "this node was removed from the cluster; send requests to a member (GET /status on one lists them)\n").ConfigureAwait(false);
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

    /// <summary>
    /// What octopus's oracle runs is the body plus ";" on the sqlite3 shell's stdin: RecognizeRequest, the entry point
    /// bench/Benchmarks measures.
    /// </summary>
    public static byte[] EncodeCommand(string script)
    {
        var command = SqlCommand.RecognizeRequest(script);
        var buffer = new ArrayBufferWriter<byte>(64);
        command.WriteTo(buffer);
        return buffer.WrittenSpan.ToArray();
    }
}
