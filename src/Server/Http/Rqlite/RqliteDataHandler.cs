using System.Diagnostics;
using FastDb.QueryEngine.Statements;
using FastDb.QueryEngine.Syntax;
using FastDb.Server.Cluster;
using FastDb.Server.Replication;
using FastDb.Server.StateMachine;
using Microsoft.AspNetCore.Http;

namespace FastDb.Server.Http.Rqlite;

/// <summary>
/// rqlite's data API: POST /db/execute, GET/POST /db/query, POST /db/request. Writes (and reads at level strong)
/// go through the log as one <see cref="StatementsCommand"/>, bound and run at apply on every node. Other reads
/// take no log entry and no sequence number: <c>linearizable</c> waits for a ReadIndex the leader confirmed with a
/// heartbeat round, <c>weak</c> (the default, and <c>auto</c>: every FastDb member votes) for the leader's commit
/// index while it may read locally, <c>none</c> reads this node's copy at once (refused when ?freshness is given and
/// the leader was last heard from longer ago). The first two are served from this node's copy once it has applied
/// that index, which is the leader's read, forwarded as an index. ?redirect answers 301 to the leader instead.
/// </summary>
public sealed class RqliteDataHandler(RequestInput input, ScriptSubmitter submitter, IReplicator replicator, ReplicatedStateMachine stateMachine)
{
    /// <summary>How long a read waits for an index from the leader and for this node to apply it.</summary>
    private static readonly TimeSpan ReadPatience = TimeSpan.FromSeconds(5);

    /// <summary>Asks for a read index at most this many times (each ask ends within ReadRouter.TimeoutTicks).</summary>
    private const int MaxReadAsks = 20;

    public async Task HandleAsync(HttpContext context, StatementsMode mode)
    {
        var started = Stopwatch.GetTimestamp();
        var request = context.Request;
        bool allowed = mode == StatementsMode.Query ? HttpMethods.IsGet(request.Method) || HttpMethods.IsPost(request.Method) : HttpMethods.IsPost(request.Method);
        if (!allowed)
        {
            context.Response.Headers.Allow = mode == StatementsMode.Query ? "GET, POST" : "POST";
            await RqliteResponse.WriteErrorAsync(context, StatusCodes.Status405MethodNotAllowed, $"{request.Method} is not allowed on {request.Path}").ConfigureAwait(false);
            return;
        }
        if (!RqliteFlags.TryParse(request.Query, out var flags, out var flagError))
        {
            await RqliteResponse.WriteErrorAsync(context, StatusCodes.Status400BadRequest, flagError).ConfigureAwait(false);
            return;
        }
        var statements = await ReadStatementsAsync(context).ConfigureAwait(false);
        if (statements is null) return;

        bool read = mode == StatementsMode.Query || (mode == StatementsMode.Request && statements.TrueForAll(IsRead));
        var level = flags.Level == ReadLevel.Auto ? ReadLevel.Weak : flags.Level;
        if (!read || level == ReadLevel.Strong)
        {
            if (flags.Redirect && await RedirectedAsync(context).ConfigureAwait(false)) return;
            await ThroughLogAsync(context, mode, flags, statements, started).ConfigureAwait(false);
            return;
        }
        if (level != ReadLevel.None && flags.Redirect && await RedirectedAsync(context).ConfigureAwait(false)) return;
        if (level == ReadLevel.None && flags.Freshness is { } freshness)
        {
            var age = replicator.LeaderContactAgeMs;
            if (age is null || age > freshness.TotalMilliseconds)
            {
                await RqliteResponse.WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "stale read").ConfigureAwait(false);
                return;
            }
        }
        if (level != ReadLevel.None)
        {
            var kind = level == ReadLevel.Linearizable ? ReadConfirmation.Linearizable : ReadConfirmation.Weak;
            if (!await WaitForReadIndexAsync(context, kind).ConfigureAwait(false)) return;
        }
        var readMode = mode == StatementsMode.Request ? StatementsMode.Request : StatementsMode.Query;
        var outcome = stateMachine.ReadLocal(db => db.RunStatements(readMode, false, statements, readOnly: true));
        await RqliteResponse.WriteResultsAsync(context, outcome.ResultsJson, flags, Stopwatch.GetElapsedTime(started)).ConfigureAwait(false);
    }

    /// <summary>
    /// POST /db/load with SQL text (a .dump, say): its statements run through the log as one all-or-nothing list.
    /// The dump's own PRAGMA foreign_keys, BEGIN TRANSACTION and COMMIT are dropped: the list is the transaction.
    /// </summary>
    public async Task LoadAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            context.Response.Headers.Allow = "POST";
            await RqliteResponse.WriteErrorAsync(context, StatusCodes.Status405MethodNotAllowed, "POST /db/load only").ConfigureAwait(false);
            return;
        }
        if (!RqliteFlags.TryParse(context.Request.Query, out var flags, out var flagError))
        {
            await RqliteResponse.WriteErrorAsync(context, StatusCodes.Status400BadRequest, flagError).ConfigureAwait(false);
            return;
        }
        var body = await input.ReadValidBodyAsync(context, "send SQL text (e.g. the output of .dump)").ConfigureAwait(false);
        if (body is null) return;
        var statements = SplitScript(HttpText.StrictUtf8.GetString(body));
        if (statements.Count == 0 || statements.Count > StatementListParser.MaxStatements)
        {
            await RqliteResponse.WriteErrorAsync(context, StatusCodes.Status400BadRequest,
                statements.Count == 0 ? "no SQL statements in the body" : $"too many statements: at most {StatementListParser.MaxStatements}").ConfigureAwait(false);
            return;
        }
        if (flags.Redirect && await RedirectedAsync(context).ConfigureAwait(false)) return;
        await ThroughLogAsync(context, StatementsMode.Execute, flags with { Transaction = true }, statements, started).ConfigureAwait(false);
    }

    /// <summary>The statements of an SQL text, cut at the semicolons the engine's tokenizer sees (not those in strings or comments).</summary>
    public static List<StatementRequest> SplitScript(string sql)
    {
        var statements = new List<StatementRequest>();
        var tokens = new Tokenizer(sql);
        int start = 0;
        Token first = default;
        bool empty = true;
        while (true)
        {
            var token = tokens.Next();
            if (token.Kind is TokenKind.Semicolon or TokenKind.End)
            {
                if (!empty && !IsDumpFraming(first, sql, start, token.Start)) statements.Add(StatementRequest.Plain(sql[start..token.Start].Trim()));
                if (token.Kind == TokenKind.End) return statements;
                start = token.Start + 1;
                empty = true;
                continue;
            }
            if (empty) first = token;
            empty = false;
        }
    }

    private static bool IsDumpFraming(Token first, string sql, int start, int end)
    {
        var word = first.Text.ToUpperInvariant();
        if (word is "COMMIT" or "END") return true;
        var text = sql[start..end].Trim().ToUpperInvariant();
        return text == "BEGIN TRANSACTION" || text == "BEGIN" || text.Replace(" ", "", StringComparison.Ordinal) == "PRAGMAFOREIGN_KEYS=OFF";
    }

    /// <summary>A statement that only reads (its first word is SELECT): at a read level it needs no log entry.</summary>
    public static bool IsRead(StatementRequest statement)
    {
        try
        {
            return new Tokenizer(statement.Sql).Next() is { Kind: TokenKind.Keyword, Text: "SELECT" };
        }
        catch (Exception e) when (e is SqlParseException or SqlRuntimeException)
        {
            return false;
        }
    }

    private async Task<List<StatementRequest>?> ReadStatementsAsync(HttpContext context)
    {
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method))
        {
            var q = request.Query["q"];
            if (q.Count == 0 || q.Any(string.IsNullOrEmpty))
            {
                await RqliteResponse.WriteErrorAsync(context, StatusCodes.Status400BadRequest, "GET /db/query needs the SQL in q=").ConfigureAwait(false);
                return null;
            }
            return q.Select(sql => StatementRequest.Plain(sql!)).ToList();
        }
        var body = await input.ReadValidBodyAsync(context, "send a JSON array of statements, e.g. [\"SELECT 1\"]").ConfigureAwait(false);
        if (body is null) return null;
        try
        {
            return StatementListParser.Parse(body);
        }
        catch (StatementListException e)
        {
            await RqliteResponse.WriteErrorAsync(context, StatusCodes.Status400BadRequest, "invalid JSON body: " + e.Message).ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>?redirect on a node that does not lead: 301 to the same path on the leader (503 when none is known).</summary>
    private async Task<bool> RedirectedAsync(HttpContext context)
    {
        var status = replicator.Status;
        if (status.Role == "leader") return false;
        var leader = status.Nodes.FirstOrDefault(n => n.Leader);
        if (leader is null)
        {
            await RqliteResponse.WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "leader not found").ConfigureAwait(false);
            return true;
        }
        RqliteResponse.AddVersionHeader(context.Response);
        context.Response.StatusCode = StatusCodes.Status301MovedPermanently;
        context.Response.Headers.Location = RqliteOpsHandler.ApiAddress(leader.Endpoint) + context.Request.Path + context.Request.QueryString;
        return true;
    }

    private async Task ThroughLogAsync(HttpContext context, StatementsMode mode, RqliteFlags flags, List<StatementRequest> statements, long started)
    {
        if (!RequestInput.TryReadIdempotencyKey(context, out var idempotencyKey))
        {
            await RequestInput.RefuseIdempotencyKeyAsync(context).ConfigureAwait(false);
            return;
        }
        var command = new StatementsCommand(mode, flags.Transaction, statements).ToBytes();
        // Without a client key each request is its own: the same INSERT sent twice on purpose must run twice.
        idempotencyKey ??= $"rqlite:{replicator.LocalNodeId:x}:{submitter.NextCounter():x}";
        var answer = await submitter.SubmitAsync(context, submitter.CreateRequest(command, idempotencyKey)).ConfigureAwait(false);
        if (answer is not { } a) return;
        context.Response.Headers["SequenceNumber"] = a.SequenceNumber.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!a.Held || !a.Body.StartsWith('['))
        {
            // A re-sent request whose answer was too long to keep, or a command the log could not read.
            await RqliteResponse.WriteErrorAsync(context, StatusCodes.Status500InternalServerError,
                a.Held ? a.Body : "the request ran, but its answer was too long to keep for a re-send").ConfigureAwait(false);
            return;
        }
        await RqliteResponse.WriteResultsAsync(context, a.Body, flags, Stopwatch.GetElapsedTime(started)).ConfigureAwait(false);
    }

    /// <summary>Gets a read index from the leader and waits until this node applied it; false after answering an error.</summary>
    private async Task<bool> WaitForReadIndexAsync(HttpContext context, ReadConfirmation kind)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        patience.CancelAfter(ReadPatience);
        try
        {
            for (int ask = 0; ask < MaxReadAsks; ask++)
            {
                var index = await replicator.ReadIndexAsync(kind, patience.Token).ConfigureAwait(false);
                if (index > 0)
                {
                    await stateMachine.WaitForAppliedAsync(index, patience.Token).ConfigureAwait(false);
                    return true;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(20 * (ask + 1)), patience.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
        }
        await RqliteResponse.WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable,
            kind == ReadConfirmation.Linearizable ? "no leader confirmed the read (ReadIndex); try again" : "not leader: no leader could serve a weak read; try again")
            .ConfigureAwait(false);
        return false;
    }
}
