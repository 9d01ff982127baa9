using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using FastDb.Shell.Cluster;
using FastDb.Shell.Input;

namespace FastDb.Shell.Session;

/// <summary>How the shell watches its node.</summary>
public sealed record SessionOptions(NodeEndpoint Start, TimeSpan Heartbeat, TimeSpan NodeTimeout);

/// <summary>
/// One connection to a cluster: runs input units on the current node and rides out its failure. Every statement
/// carries an Idempotency-Key; while it waits, the node's /status is polled, and if the node stops answering
/// (connect error, or no /status answer within the node timeout) the statement is re-sent, with the same key, to
/// the next node that answers, so it runs at most once. Between statements a heartbeat does the same and warns when
/// the cluster's reachability changes. Notices (reconnects, warnings) go to the error writer.
/// </summary>
public sealed class ShellSession : IAsyncDisposable
{
    private readonly SessionOptions _options;
    private readonly TextWriter _out, _err;
    private readonly FastDbClient _client = new();
    private readonly SortedDictionary<string, NodeEndpoint> _known = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _notices = new();
    private readonly SemaphoreSlim _turn = new(1, 1); // one of: a statement, a heartbeat
    private readonly CancellationTokenSource _stop = new();
    private NodeEndpoint _current;
    private ClusterStatus? _status;
    private Reachability? _reachability;
    private Task? _heartbeat;

    public ShellSession(SessionOptions options, TextWriter stdout, TextWriter stderr)
    {
        _options = options;
        _out = stdout;
        _err = stderr;
        _current = options.Start;
    }

    /// <summary>Print notices as they happen (non-interactive), or hold them for <see cref="FlushNotices"/> (a prompt is showing).</summary>
    public bool HoldNotices { get; set; }

    public bool ShowSequenceNumbers { get; set; }

    public bool ShowTimer { get; set; }

    public NodeEndpoint Current => _current;

    private const int ConnectAttempts = 3;

    public IReadOnlyDictionary<string, NodeEndpoint> KnownNodes => _known;

    /// <summary>
    /// Connects to the start node and learns the cluster; false (after printing why) if it does not answer. The
    /// "Connected to ..." banner is for people at a terminal (<paramref name="announce"/>), not for scripts.
    /// </summary>
    public async Task<bool> ConnectAsync(bool announce)
    {
        // A few tries: a node that just started (or a loaded machine) can miss one timeout; a missing socket fails fast.
        ClusterStatus? status = null;
        for (var attempt = 0; status is null && attempt < ConnectAttempts; attempt++)
            status = await TryStatusAsync(_current, CancellationToken.None).ConfigureAwait(false);
        if (status is null)
        {
            Notice($"Error: no FastDb node is reachable (tried: {_current})");
            FlushNotices();
            return false;
        }
        Learn(status);
        _status = status;
        if (announce)
        {
            Notice($"Connected to FastDb at {_current} ({LeaderText(status)})");
            Notice("Known nodes: " + string.Join(", ", status.Members.Select(m => m.Leader ? $"{m.Name} (leader)" : m.Name)));
            FlushNotices();
        }
        return true;
    }

    /// <summary>Starts the background heartbeat (between statements).</summary>
    public void StartHeartbeat() => _heartbeat ??= Task.Run(HeartbeatLoopAsync);

    // ------------------------------------------------------------------------------------------- running input

    /// <summary>Runs one unit; false when it failed (an error line, a refused command, no node reachable).</summary>
    public async Task<bool> RunAsync(InputUnit unit, Func<string, Task<bool>>? readFile = null)
    {
        try
        {
            return unit.Kind switch
            {
                InputKind.Dot => await RunDotAsync(unit.Text, readFile).ConfigureAwait(false),
                InputKind.Document => await RunDocumentAsync(unit.Text).ConfigureAwait(false),
                _ => await RunSqlAsync(unit.Text).ConfigureAwait(false),
            };
        }
        finally
        {
            FlushNotices();
        }
    }

    private async Task<bool> RunSqlAsync(string sql)
    {
        var clock = Stopwatch.StartNew();
        var answer = await SendWithFailoverAsync((node, key, token) => _client.PostSqlAsync(node, sql, key, token)).ConfigureAwait(false);
        if (answer is null) return false;
        if (answer.Status != 200)
        {
            _err.WriteLine("Error: " + answer.Body.TrimEnd());
            return false;
        }
        var newline = answer.Body.IndexOf('\n', StringComparison.Ordinal);
        var header = newline < 0 ? answer.Body : answer.Body[..newline];
        var output = newline < 0 ? "" : answer.Body[(newline + 1)..];
        if (ShowSequenceNumbers) _out.WriteLine(header);
        _out.Write(output);
        _out.Flush();
        PrintTimer(clock);
        return !HasErrorLine(output);
    }

    /// <summary>The sqlite3 shell exits 1 when a statement failed: its error lines start like these.</summary>
    public static bool HasErrorLine(string output) =>
        output.Split('\n').Any(l => l.StartsWith("Parse error", StringComparison.Ordinal)
            || l.StartsWith("Runtime error", StringComparison.Ordinal) || l.StartsWith("Error:", StringComparison.Ordinal));

    private async Task<bool> RunDocumentAsync(string text)
    {
        var command = DocumentCommand.TryParse(text, out var error);
        if (command is null)
        {
            _err.WriteLine(error);
            return false;
        }
        var clock = Stopwatch.StartNew();
        var method = command.Verb switch
        {
            DocumentVerb.Set => HttpMethod.Put,
            DocumentVerb.Get => HttpMethod.Get,
            _ => HttpMethod.Delete,
        };
        var answer = await SendWithFailoverAsync((node, key, token) => _client.DocumentAsync(node, method, command.Key, command.Json, key, token))
            .ConfigureAwait(false);
        if (answer is null) return false;
        if (ShowSequenceNumbers && answer.SequenceNumber is { } sequence) _out.WriteLine($"SequenceNumber: {sequence}");
        var ok = true;
        switch (answer.Status)
        {
            case 200 when command.Verb == DocumentVerb.Get:
                _out.Write(answer.Body);
                break;
            case 200 or 201:
                _out.WriteLine($"{answer.Body.TrimEnd()} (on {answer.Replicas?.ToString(CultureInfo.InvariantCulture) ?? "?"} of {answer.Members?.ToString(CultureInfo.InvariantCulture) ?? "?"} nodes)");
                break;
            case 404 when answer.SequenceNumber is not null:
                _out.WriteLine("Not found");
                break;
            default:
                var body = answer.Body.TrimEnd();
                _err.WriteLine(body.StartsWith("Error:", StringComparison.Ordinal) ? body : "Error: " + body);
                ok = false;
                break;
        }
        _out.Flush();
        PrintTimer(clock);
        return ok;
    }

    private void PrintTimer(Stopwatch clock)
    {
        if (ShowTimer) _out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Run Time: real {clock.Elapsed.TotalSeconds:F3}"));
    }

    /// <summary>
    /// Sends on the current node; while waiting, checks every heartbeat that the node still answers /status. On a
    /// connect error or a silent node, moves to another node that answers and re-sends with the same key. Null
    /// (after printing the error) when no node answers.
    /// </summary>
    private async Task<NodeAnswer?> SendWithFailoverAsync(Func<NodeEndpoint, string, CancellationToken, Task<NodeAnswer>> send)
    {
        var key = Guid.NewGuid().ToString("N");
        await _turn.WaitAsync().ConfigureAwait(false);
        try
        {
            var tried = new List<NodeEndpoint>();
            while (true)
            {
                var node = _current;
                using var attempt = new CancellationTokenSource();
                var request = send(node, key, attempt.Token);
                var failed = false;
                while (!failed)
                {
                    var done = await Task.WhenAny(request, Task.Delay(_options.Heartbeat)).ConfigureAwait(false);
                    if (done == request)
                    {
                        try
                        {
                            var answer = await request.ConfigureAwait(false);
                            _ = Task.Run(() => RefreshAsync(node)); // every answer refreshes what we know of the cluster
                            return answer;
                        }
                        catch (Exception e) when (e is HttpRequestException or IOException)
                        {
                            failed = true;
                        }
                    }
                    else
                    {
                        var status = await TryStatusAsync(node, CancellationToken.None).ConfigureAwait(false);
                        if (status is null) failed = true;
                        else await ObserveAsync(node, status).ConfigureAwait(false);
                        FlushNotices();
                    }
                }
                await attempt.CancelAsync().ConfigureAwait(false);
                try { await request.ConfigureAwait(false); } catch (Exception) { /* cancelled or failed: re-sent below */ }
                tried.Add(node);
                if (!await FailOverAsync(tried).ConfigureAwait(false)) return null;
                FlushNotices();
            }
        }
        finally
        {
            _turn.Release();
        }
    }

    // ------------------------------------------------------------------------------------------- cluster view

    private async Task HeartbeatLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try { await Task.Delay(_options.Heartbeat, _stop.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
            if (!await _turn.WaitAsync(0).ConfigureAwait(false)) continue; // a statement is running and watching
            try
            {
                var node = _current;
                var status = await TryStatusAsync(node, _stop.Token).ConfigureAwait(false);
                if (status is not null) await ObserveAsync(node, status).ConfigureAwait(false);
                else if (!_stop.IsCancellationRequested) await FailOverAsync([node]).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            finally
            {
                _turn.Release();
            }
            if (!HoldNotices) FlushNotices();
        }
    }

    private async Task RefreshAsync(NodeEndpoint node)
    {
        var status = await TryStatusAsync(node, _stop.Token).ConfigureAwait(false);
        if (status is not null) Learn(status);
    }

    /// <summary>Moves to the first other known node that answers, leader first. False if none does.</summary>
    private async Task<bool> FailOverAsync(List<NodeEndpoint> tried)
    {
        var leaderName = _status?.LeaderName;
        NodeEndpoint[] candidates;
        lock (_known)
        {
            candidates = _known.OrderBy(k => k.Key == leaderName ? 0 : 1).Select(k => k.Value)
                .Where(e => !tried.Contains(e)).ToArray();
        }
        foreach (var candidate in candidates)
        {
            var status = await TryStatusAsync(candidate, _stop.Token).ConfigureAwait(false);
            if (status is null)
            {
                tried.Add(candidate);
                continue;
            }
            _current = candidate;
            Learn(status);
            _status = status;
            Notice($"Reconnected to FastDb at {candidate} ({LeaderText(status)})");
            await ObserveAsync(candidate, status).ConfigureAwait(false);
            return true;
        }
        Notice($"Error: no FastDb node is reachable (tried: {string.Join(", ", tried.Distinct())})");
        return false;
    }

    /// <summary>Records a node's status and warns if the cluster's reachability changed.</summary>
    private async Task ObserveAsync(NodeEndpoint node, ClusterStatus status)
    {
        Learn(status);
        _status = status;
        var reachability = await MeasureReachabilityAsync(status).ConfigureAwait(false);
        if (reachability.Describe(_reachability) is { } line) Notice(line);
        _reachability = reachability;
    }

    /// <summary>
    /// The leader's view when it answers (it hears from every member); otherwise our own probes of every member.
    /// </summary>
    private async Task<Reachability> MeasureReachabilityAsync(ClusterStatus status)
    {
        var total = status.Members.Count;
        ClusterStatus? leaderStatus = status.Role == "leader" ? status : null;
        if (leaderStatus is null && status.Leader is { } leader && NodeEndpoint.TryParse(leader.Endpoint, out var leaderEndpoint))
            leaderStatus = await TryStatusAsync(leaderEndpoint, _stop.Token).ConfigureAwait(false);
        if (leaderStatus is { Role: "leader" })
            return new Reachability(leaderStatus.Members.Count(m => m.Reachable == true), leaderStatus.Members.Count,
                leaderStatus.SelfMember?.Name ?? status.LeaderName, leaderStatus.Term);
        var answering = 0;
        string? leaderName = null;
        foreach (var member in status.Members)
        {
            if (!NodeEndpoint.TryParse(member.Endpoint, out var endpoint)) continue;
            var s = member.Self ? status : await TryStatusAsync(endpoint, _stop.Token).ConfigureAwait(false);
            if (s is null) continue;
            answering++;
            if (s.Role == "leader") leaderName = s.SelfMember?.Name;
        }
        return new Reachability(answering, total, leaderName, status.Term);
    }

    private async Task<ClusterStatus?> TryStatusAsync(NodeEndpoint node, CancellationToken cancellationToken)
    {
        try
        {
            return await _client.GetStatusAsync(node, _options.NodeTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException
            or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    private void Learn(ClusterStatus status)
    {
        lock (_known)
        {
            foreach (var member in status.Members)
                if (member.Name.Length > 0 && NodeEndpoint.TryParse(member.Endpoint, out var endpoint))
                    _known[member.Name] = endpoint;
        }
    }

    private static string LeaderText(ClusterStatus status) =>
        status.LeaderName is { } leader ? $"leader: {leader}, term {status.Term}" : $"no leader yet, term {status.Term}";

    // ------------------------------------------------------------------------------------------- dot commands

    private async Task<bool> RunDotAsync(string line, Func<string, Task<bool>>? readFile)
    {
        var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var name = parts[0];
        var argument = parts.Length > 1 ? parts[1] : null;
        switch (name)
        {
            case ".help":
                _out.Write(HelpText);
                return true;
            case ".quit" or ".exit":
                throw new QuitException();
            case ".seq" when argument is "on" or "off":
                ShowSequenceNumbers = argument == "on";
                return true;
            case ".timer" when argument is "on" or "off":
                ShowTimer = argument == "on";
                return true;
            case ".read" when argument is not null && readFile is not null:
                var path = line[(line.IndexOf(".read", StringComparison.Ordinal) + 5)..].Trim().Trim('"', '\'');
                if (!File.Exists(path))
                {
                    _err.WriteLine($"Error: cannot open \"{path}\"");
                    return false;
                }
                return await readFile(path).ConfigureAwait(false);
            case ".nodes" or ".status" or ".leader" when argument is null:
                return await ShowClusterAsync(name).ConfigureAwait(false);
            default:
                _err.WriteLine($"Error: unknown command or invalid arguments:  \"{name[1..]}\". Enter \".help\" for help");
                return false;
        }
    }

    private async Task<bool> ShowClusterAsync(string what)
    {
        ClusterStatus? status;
        await _turn.WaitAsync().ConfigureAwait(false);
        try
        {
            status = await TryStatusAsync(_current, _stop.Token).ConfigureAwait(false);
            for (var attempt = 0; status is null && attempt < 3; attempt++)
            {
                if (!await FailOverAsync([_current]).ConfigureAwait(false)) return false;
                status = await TryStatusAsync(_current, _stop.Token).ConfigureAwait(false);
            }
            if (status is null) return false;
            await ObserveAsync(_current, status).ConfigureAwait(false);
        }
        finally
        {
            _turn.Release();
        }
        switch (what)
        {
            case ".leader":
                var leader = status.Leader;
                _out.WriteLine(leader is null ? $"no leader known (term {status.Term})" : $"{leader.Name} (term {status.Term}) at {leader.Endpoint}");
                break;
            case ".status":
                _out.WriteLine($"connected to: {_current}");
                _out.WriteLine($"node:         {status.Node} ({status.Role})");
                _out.WriteLine($"term:         {status.Term}");
                _out.WriteLine($"leader:       {status.LeaderName ?? "none"}");
                _out.WriteLine($"commit index: {status.CommitIndex}, applied {status.AppliedIndex}");
                _out.WriteLine($"last seq:     {status.LastSequenceNumber?.ToString(CultureInfo.InvariantCulture) ?? "none"}");
                if (_reachability is { } r) _out.WriteLine($"reachable:    {r.Reachable} of {r.Total} nodes (majority {r.Majority})");
                break;
            default:
                var leaderView = status.Role == "leader" ? status : null;
                var width = Math.Max(4, status.Members.Max(m => m.Name.Length));
                _out.WriteLine($"  {"name".PadRight(width)}  {"role",-8}  {"reachable",-9}  endpoint");
                foreach (var member in status.Members)
                {
                    var reachable = (leaderView?.Members.FirstOrDefault(m => m.Id == member.Id)?.Reachable ?? member.Reachable) switch
                    {
                        true => "yes",
                        false => "NO",
                        null => "?",
                    };
                    var marker = NodeEndpoint.TryParse(member.Endpoint, out var e) && e == _current ? "*" : " ";
                    _out.WriteLine($"{marker} {member.Name.PadRight(width)}  {(member.Leader ? "leader" : "follower"),-8}  {reachable,-9}  {member.Endpoint}");
                }
                _out.WriteLine("(* = this shell's node; reachability as the leader sees it, ? = unknown from here)");
                break;
        }
        _out.Flush();
        return true;
    }

    public const string HelpText =
        """
        .help             Show this message
        .leader           Show the current leader and term
        .nodes            List the cluster's nodes: role, reachability, endpoint (* = connected)
        .quit / .exit     Exit this program
        .read FILE        Read input from FILE
        .seq on|off       Show the SequenceNumber line of each answer
        .status           Show the connected node's replication status
        .timer on|off     Show the latency of each statement
        SET <uuid4> '<json>'   Store a JSON document (answers Created or Updated, and on how many nodes)
        GET <uuid4>            Print a document (or Not found)
        DELETE <uuid4>         Delete a document (answers Deleted or Not found)
        Anything else is SQL, run when a line ends with ';' (as in the sqlite3 shell).

        """;

    // ------------------------------------------------------------------------------------------- notices

    private void Notice(string line)
    {
        _notices.Enqueue(line);
        if (!HoldNotices) FlushNotices();
    }

    /// <summary>Prints held notices (the REPL calls this before each prompt).</summary>
    public void FlushNotices()
    {
        lock (_notices)
        {
            var any = false;
            while (_notices.TryDequeue(out var line))
            {
                _err.WriteLine(line);
                any = true;
            }
            if (any) _err.Flush();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_heartbeat is not null)
        {
            try { await _heartbeat.ConfigureAwait(false); } catch (OperationCanceledException) { }
        }
        _client.Dispose();
        _stop.Dispose();
        _turn.Dispose();
    }
}

/// <summary>.quit: unwinds to the REPL.</summary>
public sealed class QuitException : Exception
{
    public QuitException() : base(".quit") { }
}
