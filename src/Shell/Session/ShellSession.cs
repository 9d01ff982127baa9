using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using FastDb.QueryEngine.Shell;
using FastDb.Shell.Cluster;
using FastDb.Shell.Input;

namespace FastDb.Shell.Session;

/// <summary>How the shell watches its node.</summary>
public sealed record SessionOptions(NodeEndpoint Start, TimeSpan Heartbeat, TimeSpan NodeTimeout, ClientSecurity? Security = null);

/// <summary>
/// One connection to a cluster: runs input units on the current node and rides out its failure. Every statement
/// carries an Idempotency-Key; while it waits, the node's /status is polled, and if the node stops answering
/// (connect error, or no /status answer within the node timeout) the statement is re-sent, with the same key, to
/// the next node that answers, so it runs at most once. Between statements a heartbeat does the same and warns when
/// the cluster's reachability changes. Notices (reconnects, warnings) go to the error writer.
/// </summary>
public sealed partial class ShellSession : IAsyncDisposable
{
    private readonly SessionOptions _options;
    private readonly TextWriter _stdout, _err;
    private readonly FastDbClient _client;
    private readonly Dictionary<NodeEndpoint, string> _known = new(); // endpoint → member name
    private readonly SemaphoreSlim _turn = new(1, 1); // one of: a statement, a heartbeat
    private readonly CancellationTokenSource _stop = new();
    private NodeEndpoint _current;
    private ClusterStatus? _status;
    private Reachability? _reachability;
    private bool _saidNoneReachable;
    private Task? _heartbeat;
    private TextWriter? _redirect; // .output / .once FILE
    private readonly OutputSettings _output = new(); // .mode / .headers, put before each statement sent
    private string _columnSeparator = "|", _rowSeparator = "\\n"; // as .show spells them
    private bool _redirectOnce;

    public ShellSession(SessionOptions options, TextWriter stdout, TextWriter stderr)
    {
        _options = options;
        _client = new FastDbClient(options.Security);
        _stdout = stdout;
        _err = stderr;
        _current = options.Start;
        NoticeSink = line =>
        {
            lock (_err)
            {
                _err.WriteLine(line);
                _err.Flush();
            }
        };
    }

    /// <summary>Where notices (reconnects, warnings, waiting) go, at once: stderr, or above the line being typed.</summary>
    public Action<string> NoticeSink { get; set; }

    /// <summary>A person is at a terminal: waiting notices mention Ctrl-C.</summary>
    public bool Interactive { get; set; }

    public bool ShowSequenceNumbers { get; set; }

    public bool ShowTimer { get; set; }

    /// <summary>.echo on: each input unit is printed before it runs, as sqlite3 does.</summary>
    public bool Echo { get; set; }

    /// <summary>.bail on: a script (pipe, -c, .read) stops at its first error.</summary>
    public bool Bail { get; set; }

    /// <summary>Set by .exit [CODE] / .quit: the shell ends with this status.</summary>
    public int? ExitCode { get; private set; }

    /// <summary>The statement Ctrl-C stopped waiting for, until answered or forgotten.</summary>
    public InterruptedStatement? Interrupted { get; private set; }

    public NodeEndpoint Current => _current;

    private TextWriter Out => _redirect ?? _stdout;

    private const int ConnectAttempts = 3;

    public IReadOnlyCollection<NodeEndpoint> KnownNodes
    {
        get { lock (_known) return _known.Keys.ToArray(); }
    }

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
            return false;
        }
        Learn(status);
        _status = status;
        if (announce)
        {
            Notice($"Connected to FastDb at {_current} ({LeaderText(status)})");
            Notice("Known nodes: " + string.Join(", ", status.Members.Select(m => m.Leader ? $"{m.Name} (leader)" : m.Name)));
        }
        return true;
    }

    /// <summary>Starts the background heartbeat (between statements).</summary>
    public void StartHeartbeat() => _heartbeat ??= Task.Run(HeartbeatLoopAsync);

    // ------------------------------------------------------------------------------------------- running input

    /// <summary>
    /// Runs one unit; false when it failed (an error line, a refused command, no node reachable). Cancelling the
    /// token stops waiting (Ctrl-C): <see cref="OperationCanceledException"/>, with <see cref="Interrupted"/> set
    /// when a statement was in flight.
    /// </summary>
    public async Task<bool> RunAsync(InputUnit unit, Func<string, Task<bool>>? readFile = null, CancellationToken cancellationToken = default)
    {
        if (Echo)
        {
            Out.WriteLine(unit.Text);
            Out.Flush();
        }
        var once = _redirectOnce && unit.Kind != InputKind.Dot;
        try
        {
            return unit.Kind switch
            {
                InputKind.Dot => await RunDotAsync(unit.Text, readFile, cancellationToken).ConfigureAwait(false),
                InputKind.Document => await RunDocumentAsync(unit.Text, cancellationToken).ConfigureAwait(false),
                _ => await RunSqlAsync(unit.Text, unit.FirstLine, cancellationToken).ConfigureAwait(false),
            };
        }
        finally
        {
            if (once) CloseRedirect();
        }
    }

    /// <summary>Waits again for the statement Ctrl-C stopped waiting for (same key: it runs at most once).</summary>
    public async Task<bool> ResumeInterruptedAsync(CancellationToken cancellationToken)
    {
        if (Interrupted is not { } interrupted) return true;
        return await interrupted.Resume(cancellationToken).ConfigureAwait(false);
    }

    public void ForgetInterrupted() => Interrupted = null;

    /// <summary>
    /// Sends a statement behind the session's .mode/.headers lines, so the server renders its rows exactly as this
    /// session's sqlite3 would (column names come from the engine); "near line N" is shifted past those lines.
    /// </summary>
    private Task<bool> RunSqlAsync(string sql, int firstLine, CancellationToken cancellationToken)
    {
        var prefix = _output.ScriptPrefix();
        var body = prefix + ServerBody(sql);
        var prefixLines = prefix.Count(c => c == '\n');
        var key = Guid.NewGuid().ToString("N");
        return RunStatementAsync(key, (node, token) => _client.PostSqlAsync(node, body, key, token),
            (answer, clock) => PrintSqlAnswer(answer, clock, firstLine - prefixLines, sql), cancellationToken);
    }

    /// <summary>
    /// The server counts lines from the start of the statement it was sent; sqlite3 names the line of its input
    /// (script, .read file or session) where the statement started. So "near line N" is shifted by where this one began.
    /// </summary>
    public static string ShiftErrorLines(string output, int firstLine)
    {
        if (firstLine == 1) return output;
        return ErrorLine().Replace(output, m => m.Groups[1].Value + (long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) + firstLine - 1).ToString(CultureInfo.InvariantCulture) + ":");
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"(?m)^((?:Parse|Runtime) error near line )(\d+):")]
    private static partial System.Text.RegularExpressions.Regex ErrorLine();

    /// <summary>
    /// The server runs a body as sqlite3 runs the body plus ";" (what octopus's oracle feeds it), so a statement
    /// typed with its ';' would run as "...;;" and a syntax error's context line would show ";;" where sqlite3's shell
    /// shows ";". So the final ';' (and the blanks after it) is left for the server to add.
    /// </summary>
    public static string ServerBody(string sql)
    {
        var end = sql.Length;
        while (end > 0 && char.IsWhiteSpace(sql[end - 1])) end--;
        return end > 0 && sql[end - 1] == ';' ? sql[..(end - 1)] : sql;
    }

    private bool PrintSqlAnswer(NodeAnswer answer, Stopwatch clock, int firstLine, string sql)
    {
        if (answer.Status != 200)
        {
            _err.WriteLine("Error: " + answer.Body.TrimEnd());
            _err.Flush();
            return false;
        }
        var newline = answer.Body.IndexOf('\n', StringComparison.Ordinal);
        var header = newline < 0 ? answer.Body : answer.Body[..newline];
        var output = newline < 0 ? "" : answer.Body[(newline + 1)..];
        if (ShowSequenceNumbers) Out.WriteLine(header);
        // The body is stdout when nothing failed, else sqlite3's stderr alone: errors go to stderr, as sqlite3's do.
        var failed = HasErrorLine(output);
        if (failed)
        {
            Out.Flush();
            _err.Write(ShiftErrorLines(output, firstLine));
            _err.Flush();
            // A data change that failed while running leaves sqlite3_changes at 0 (one that failed to prepare never ran).
            if (IsDataChange(sql) && output.Contains("Runtime error", StringComparison.Ordinal)) _lastChanges = 0;
        }
        else
        {
            Out.Write(_output.CountChanges ? SessionChanges(output, sql) : output);
            Out.Flush();
        }
        PrintTimer(clock);
        return !failed;
    }

    private long _lastChanges, _totalChanges; // sqlite3_changes / sqlite3_total_changes of this session

    /// <summary>
    /// .changes on: the server counts within the one body it ran (a fresh sqlite3 per body), while sqlite3's counters
    /// belong to the session. So total_changes adds this session's earlier changes, and a statement that changed
    /// nothing and is not an INSERT, UPDATE or DELETE shows the last such statement's count, as sqlite3 does.
    /// </summary>
    private string SessionChanges(string output, string sql)
    {
        long bodyTotal = 0;
        var text = ChangesLine().Replace(output, m =>
        {
            long changes = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            bodyTotal = long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            if (bodyTotal > 0 || IsDataChange(sql)) _lastChanges = changes;
            return string.Create(CultureInfo.InvariantCulture, $"changes: {_lastChanges}   total_changes: {_totalChanges + bodyTotal}");
        });
        _totalChanges += bodyTotal;
        return text;
    }

    private static bool IsDataChange(string sql) =>
        sql.TrimStart().Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.ToUpperInvariant()
            is "INSERT" or "UPDATE" or "DELETE" or "REPLACE";

    [System.Text.RegularExpressions.GeneratedRegex(@"(?m)^changes: (\d+)   total_changes: (\d+)$")]
    private static partial System.Text.RegularExpressions.Regex ChangesLine();

    /// <summary>The sqlite3 shell exits 1 when a statement failed: its error lines start like these.</summary>
    public static bool HasErrorLine(string output) =>
        output.Split('\n').Any(l => l.StartsWith("Parse error", StringComparison.Ordinal)
            || l.StartsWith("Runtime error", StringComparison.Ordinal) || l.StartsWith("Error:", StringComparison.Ordinal));

    private Task<bool> RunDocumentAsync(string text, CancellationToken cancellationToken)
    {
        var command = DocumentCommand.TryParse(text, out var error);
        if (command is null)
        {
            _err.WriteLine(error);
            _err.Flush();
            return Task.FromResult(false);
        }
        var method = command.Verb switch
        {
            DocumentVerb.Set => HttpMethod.Put,
            DocumentVerb.Get => HttpMethod.Get,
            _ => HttpMethod.Delete,
        };
        var key = Guid.NewGuid().ToString("N");
        return RunStatementAsync(key, (node, token) => _client.DocumentAsync(node, method, command.Key, command.Json, key, token),
            (answer, clock) => PrintDocumentAnswer(command, answer, clock), cancellationToken);
    }

    private bool PrintDocumentAnswer(DocumentCommand command, NodeAnswer answer, Stopwatch clock)
    {
        if (ShowSequenceNumbers && answer.SequenceNumber is { } sequence) Out.WriteLine($"SequenceNumber: {sequence}");
        var ok = true;
        switch (answer.Status)
        {
            case 200 when command.Verb == DocumentVerb.Get:
                Out.Write(answer.Body);
                break;
            case 200 or 201:
                Out.WriteLine($"{answer.Body.TrimEnd()} (on {answer.Replicas?.ToString(CultureInfo.InvariantCulture) ?? "?"} of {answer.Members?.ToString(CultureInfo.InvariantCulture) ?? "?"} nodes)");
                break;
            case 404 when answer.SequenceNumber is not null:
                Out.WriteLine("Not found");
                break;
            default:
                var body = answer.Body.TrimEnd();
                _err.WriteLine(body.StartsWith("Error:", StringComparison.Ordinal) ? body : "Error: " + body);
                _err.Flush();
                ok = false;
                break;
        }
        Out.Flush();
        PrintTimer(clock);
        return ok;
    }

    /// <summary>
    /// Sends a statement (with failover) and prints its answer. On Ctrl-C the statement is remembered, with what it
    /// takes to wait for it again under the same key.
    /// </summary>
    private async Task<bool> RunStatementAsync(string key, Func<NodeEndpoint, CancellationToken, Task<NodeAnswer>> send,
        Func<NodeAnswer, Stopwatch, bool> print, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var reached = false;
        async Task<bool> Attempt(CancellationToken token)
        {
            var answer = await SendWithFailoverAsync(send, token, () => reached = true).ConfigureAwait(false);
            Interrupted = null;
            return answer is not null && print(answer, clock);
        }
        try
        {
            return await Attempt(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Interrupted = new InterruptedStatement(key, reached, Attempt);
            throw;
        }
    }

    private void PrintTimer(Stopwatch clock)
    {
        if (ShowTimer) Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Run Time: real {clock.Elapsed.TotalSeconds:F3}"));
    }

    /// <summary>
    /// Sends on the current node; while waiting, checks every heartbeat that the node still answers /status, and
    /// says after 1 s (then at growing intervals) what the statement waits for. On a connect error or a silent node,
    /// moves to another node that answers and re-sends with the same key. Null (after printing the error) when no
    /// node answers. <paramref name="reached"/> is called once an attempt may have reached a node.
    /// </summary>
    private async Task<NodeAnswer?> SendWithFailoverAsync(Func<NodeEndpoint, CancellationToken, Task<NodeAnswer>> send,
        CancellationToken cancellationToken, Action reached)
    {
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var clock = Stopwatch.StartNew();
            var nextNotice = TimeSpan.FromSeconds(1);
            var tried = new List<NodeEndpoint>();
            while (true)
            {
                var node = _current;
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var request = send(node, attempt.Token);
                var failed = false;
                var lastPoll = clock.Elapsed;
                try
                {
                    while (!failed)
                    {
                        var wake = Min(_options.Heartbeat - (clock.Elapsed - lastPoll), nextNotice - clock.Elapsed);
                        var done = await Task.WhenAny(request, Task.Delay(Max(wake, TimeSpan.FromMilliseconds(10)), cancellationToken)).ConfigureAwait(false);
                        cancellationToken.ThrowIfCancellationRequested();
                        if (done == request)
                        {
                            try
                            {
                                var answer = await request.ConfigureAwait(false);
                                _ = Task.Run(() => RefreshAsync(node)); // every answer refreshes what we know of the cluster
                                return answer;
                            }
                            catch (HttpRequestException e)
                            {
                                if (e.HttpRequestError != HttpRequestError.ConnectionError) reached();
                                failed = true;
                            }
                            catch (IOException)
                            {
                                reached();
                                failed = true;
                            }
                            continue;
                        }
                        // The notice first: polling can take a while when nodes are down (each probe has a timeout).
                        if (clock.Elapsed >= nextNotice)
                        {
                            Notice(WaitingText(clock.Elapsed));
                            nextNotice = NextNotice(clock.Elapsed);
                        }
                        if (clock.Elapsed - lastPoll >= _options.Heartbeat)
                        {
                            lastPoll = clock.Elapsed;
                            var status = await TryStatusAsync(node, cancellationToken).ConfigureAwait(false);
                            cancellationToken.ThrowIfCancellationRequested();
                            if (status is null) failed = true;
                            else await ObserveAsync(node, status, cancellationToken).ConfigureAwait(false);
                        }
                    }
                }
                finally
                {
                    // Unless it never connected, the node may have it (cancelling the request tells it nothing).
                    if (!(request.IsFaulted && request.Exception?.InnerException is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError }))
                        reached();
                    await attempt.CancelAsync().ConfigureAwait(false);
                    try { await request.ConfigureAwait(false); } catch (Exception) { /* cancelled or failed: re-sent below, or given up */ }
                }
                tried.Add(node);
                if (!await FailOverAsync(tried, cancellationToken).ConfigureAwait(false)) return null;
            }
        }
        finally
        {
            _turn.Release();
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>When to say again that a statement still waits: at 1, 5, 15 and 30 s, then every 30 s.</summary>
    private static TimeSpan NextNotice(TimeSpan elapsed) => elapsed.TotalSeconds switch
    {
        < 5 => TimeSpan.FromSeconds(5),
        < 15 => TimeSpan.FromSeconds(15),
        _ => TimeSpan.FromSeconds((Math.Floor(elapsed.TotalSeconds / 30) + 1) * 30),
    };

    /// <summary>What a waiting statement waits for, from the last heartbeat's view of the cluster.</summary>
    private string WaitingText(TimeSpan elapsed)
    {
        var seconds = ((int)elapsed.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        var hint = Interactive ? " (Ctrl-C stops waiting)" : "";
        if (_reachability is { } r && r.Reachable < r.Majority)
            return $"Waiting {seconds} s for a majority: {r.Reachable} of {r.Total} nodes reachable ({(r.Up.Length > 0 ? r.Up : "none")}), {r.Majority} needed{hint}";
        if (_status is { LeaderName: { } leader } s)
            return $"Waiting {seconds} s for the leader {leader} (term {s.Term}) to commit it{(s.Node == leader ? "" : ", through " + s.Node)}{hint}";
        return $"Waiting {seconds} s for the cluster to elect a leader{hint}";
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
                if (status is not null) await ObserveAsync(node, status, _stop.Token).ConfigureAwait(false);
                else if (!_stop.IsCancellationRequested) await FailOverAsync([node], _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            finally
            {
                _turn.Release();
            }
        }
    }

    private async Task RefreshAsync(NodeEndpoint node)
    {
        var status = await TryStatusAsync(node, _stop.Token).ConfigureAwait(false);
        if (status is not null) Learn(status);
    }

    /// <summary>
    /// Moves to the first other known node that answers: the leader first (as the last answering node named it),
    /// then the others. False if none does; that is said once, not at every heartbeat, until a node answers again.
    /// </summary>
    private async Task<bool> FailOverAsync(List<NodeEndpoint> tried, CancellationToken cancellationToken)
    {
        var leaderName = _status?.LeaderName;
        NodeEndpoint[] candidates;
        lock (_known)
        {
            candidates = _known.OrderBy(k => k.Value == leaderName ? 0 : 1).ThenBy(k => k.Value, StringComparer.Ordinal)
                .Select(k => k.Key).Where(e => !tried.Contains(e)).ToArray();
        }
        foreach (var candidate in candidates)
        {
            var status = await TryStatusAsync(candidate, cancellationToken).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (status is null)
            {
                tried.Add(candidate);
                continue;
            }
            _current = candidate;
            Learn(status);
            _status = status;
            _saidNoneReachable = false;
            Notice($"Reconnected to FastDb at {candidate} ({LeaderText(status)})");
            await ObserveAsync(candidate, status, cancellationToken).ConfigureAwait(false);
            return true;
        }
        if (!_saidNoneReachable) Notice($"Error: no FastDb node is reachable (tried: {string.Join(", ", tried.Distinct())})");
        _saidNoneReachable = true;
        return false;
    }

    /// <summary>Records a node's status and warns if the cluster's reachability changed.</summary>
    private async Task ObserveAsync(NodeEndpoint node, ClusterStatus status, CancellationToken cancellationToken)
    {
        Learn(status);
        _status = status;
        if (_saidNoneReachable)
        {
            _saidNoneReachable = false;
            Notice($"Reconnected to FastDb at {node} ({LeaderText(status)})");
        }
        var reachability = await MeasureReachabilityAsync(status, cancellationToken).ConfigureAwait(false);
        if (reachability.Describe(_reachability) is { } line) Notice(line);
        _reachability = reachability;
    }

    /// <summary>The leader's status (it hears from every member): the node's own when it leads, else asked of the leader.</summary>
    private async Task<ClusterStatus?> LeaderViewAsync(ClusterStatus status, CancellationToken cancellationToken)
    {
        if (status.Role == "leader") return status;
        if (status.Leader is not { } leader || !NodeEndpoint.TryParse(leader.Endpoint, out var endpoint)) return null;
        var view = await TryStatusAsync(endpoint, cancellationToken).ConfigureAwait(false);
        return view is { Role: "leader" } ? view : null;
    }

    /// <summary>The leader's view when it answers; otherwise our own probes of every member.</summary>
    private async Task<Reachability> MeasureReachabilityAsync(ClusterStatus status, CancellationToken cancellationToken)
    {
        var total = status.Members.Count;
        if (await LeaderViewAsync(status, cancellationToken).ConfigureAwait(false) is { } leaderStatus)
            return new Reachability(leaderStatus.Members.Count(m => m.Reachable == true), leaderStatus.Members.Count,
                leaderStatus.SelfMember?.Name ?? status.LeaderName, leaderStatus.Term,
                string.Join(", ", leaderStatus.Members.Where(m => m.Reachable == true).Select(m => m.Name)));
        // All at once: a down member costs a whole timeout, and a statement may be waiting for this heartbeat to end.
        var probes = status.Members.Select(async member =>
            member.Self ? status
            : NodeEndpoint.TryParse(member.Endpoint, out var endpoint) ? await TryStatusAsync(endpoint, cancellationToken).ConfigureAwait(false)
            : null).ToArray();
        var answers = await Task.WhenAll(probes).ConfigureAwait(false);
        var up = status.Members.Where((_, i) => answers[i] is not null).Select(m => m.Name).ToList();
        var leaderName = answers.FirstOrDefault(a => a is { Role: "leader" })?.SelfMember?.Name;
        return new Reachability(up.Count, total, leaderName, status.Term, string.Join(", ", up));
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
                if (NodeEndpoint.TryParse(member.Endpoint, out var endpoint))
                    _known[endpoint] = member.Name;
        }
    }

    private static string LeaderText(ClusterStatus status) =>
        status.LeaderName is { } leader ? $"leader: {leader}, term {status.Term}" : $"no leader yet, term {status.Term}";

    // ------------------------------------------------------------------------------------------- dot commands

    private async Task<bool> RunDotAsync(string line, Func<string, Task<bool>>? readFile, CancellationToken cancellationToken)
    {
        var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var name = parts[0];
        var argument = parts.Length > 1 ? parts[1].Trim('"', '\'') : null;
        switch (name)
        {
            case ".help":
                Out.Write(HelpText);
                Out.Flush();
                return true;
            case ".quit" when parts.Length == 1:
                ExitCode = 0;
                throw new QuitException();
            case ".exit" when parts.Length <= 2:
                if (argument is not null && !int.TryParse(argument, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
                    break;
                ExitCode = argument is null ? 0 : int.Parse(argument, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                throw new QuitException();
            case ".seq" when argument is "on" or "off":
                ShowSequenceNumbers = argument == "on";
                return true;
            case ".timer" when argument is "on" or "off":
                ShowTimer = argument == "on";
                return true;
            case ".echo" or ".bail":
                if (parts.Length != 2)
                {
                    _err.WriteLine($"Usage: {name} on|off");
                    _err.Flush();
                    return false;
                }
                if (BooleanArgument(argument!) is not { } on)
                {
                    // sqlite3's booleanValue: a complaint, and "no".
                    _err.WriteLine($"ERROR: Not a boolean value: \"{argument}\". Assuming \"no\".");
                    _err.Flush();
                    on = false;
                }
                if (name == ".echo") Echo = on;
                else Bail = on;
                return true;
            case ".headers" or ".header" or ".mode" or ".changes":
                return OutputCommand(line);
            case ".show" when parts.Length == 1:
                Out.Write(ShowText());
                Out.Flush();
                return true;
            case ".output" or ".once" when parts.Length <= 2:
                return Redirect(argument, once: name == ".once");
            case ".read" when argument is not null && readFile is not null:
                var path = line[(line.IndexOf(".read", StringComparison.Ordinal) + 5)..].Trim().Trim('"', '\'');
                if (!File.Exists(path))
                {
                    _err.WriteLine($"Error: cannot open \"{path}\"");
                    _err.Flush();
                    return false;
                }
                return await readFile(path).ConfigureAwait(false);
            case ".tables" when parts.Length <= 2:
                return await NamesAsync(argument, indexes: false, cancellationToken).ConfigureAwait(false);
            case ".indexes" or ".indices":
                if (parts.Length > 2)
                {
                    _err.WriteLine("Usage: .indexes ?LIKE-PATTERN?");
                    _err.Flush();
                    return false;
                }
                return await NamesAsync(argument, indexes: true, cancellationToken).ConfigureAwait(false);
            case ".schema" when parts.Length <= 2:
                return await SchemaAsync(argument, cancellationToken).ConfigureAwait(false);
            case ".dump":
                return await DumpAsync(parts.Length > 1 ? argument : null, cancellationToken).ConfigureAwait(false);
            case ".nodes" or ".status" or ".leader" when argument is null:
                return await ShowClusterAsync(name, cancellationToken).ConfigureAwait(false);
            case ".remove" when parts.Length == 2:
                return await RemoveNodeAsync(argument!, cancellationToken).ConfigureAwait(false);
        }
        _err.WriteLine($"Error: unknown command or invalid arguments:  \"{name[1..]}\". Enter \".help\" for help");
        _err.Flush();
        return false;
    }

    /// <summary>Runs a read of the schema through the log (with failover); its list-mode rows, or null after printing the error.</summary>
    private async Task<string[]?> QueryRowsAsync(string sql, CancellationToken cancellationToken)
    {
        var output = await QueryTextAsync(sql, cancellationToken).ConfigureAwait(false);
        return output is null ? null : output.Length == 0 ? [] : output[..^1].Split('\n');
    }

    /// <summary>Runs a script of the shell's own through the log (with failover): its output, or null after printing the error.</summary>
    private async Task<string?> QueryTextAsync(string sql, CancellationToken cancellationToken)
    {
        var key = Guid.NewGuid().ToString("N");
        var answer = await SendWithFailoverAsync((node, token) => _client.PostSqlAsync(node, sql, key, token), cancellationToken, () => { })
            .ConfigureAwait(false);
        if (answer is null) return null;
        var newline = answer.Body.IndexOf('\n', StringComparison.Ordinal);
        var output = newline < 0 ? "" : answer.Body[(newline + 1)..];
        if (answer.Status != 200 || HasErrorLine(output))
        {
            _err.Write(answer.Status != 200 ? "Error: " + answer.Body.TrimEnd() + "\n" : output);
            _err.Flush();
            return null;
        }
        return output;
    }

    /// <summary>
    /// .tables (names of tables and views matching PATTERN) and .indexes (indexes of the tables matching it):
    /// sqlite3's queries on sqlite_schema, and its layout: names in columns across 80 characters.
    /// </summary>
    private async Task<bool> NamesAsync(string? pattern, bool indexes, CancellationToken cancellationToken)
    {
        var rows = await QueryRowsAsync("SELECT type, tbl_name, name FROM sqlite_master", cancellationToken).ConfigureAwait(false);
        if (rows is null) return false;
        var names = rows.Select(r => r.Split('|', 3)).Where(r => r.Length == 3)
            .Where(r => indexes
                ? r[0] == "index" && (pattern is null || Like(pattern, r[1]))
                : r[0] is "table" or "view" && !Like("sqlite_%", r[2]) && (pattern is null || Like(pattern, r[2])))
            .Select(r => r[2]).Order(StringComparer.Ordinal).ToArray();
        if (names.Length == 0) return true;
        var width = names.Max(n => n.Length);
        var columns = Math.Max(1, 80 / (width + 2));
        var lines = (names.Length + columns - 1) / columns;
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < lines; i++)
        {
            for (var j = i; j < names.Length; j += lines)
                text.Append(j < lines ? "" : "  ").Append(names[j].PadRight(width));
            text.Append('\n');
        }
        Out.Write(text.ToString());
        Out.Flush();
        return true;
    }

    /// <summary>.schema [TABLE]: each CREATE statement SQLite keeps, in sqlite_schema's order, as printSchemaLine writes it.</summary>
    private async Task<bool> SchemaAsync(string? table, CancellationToken cancellationToken)
    {
        var rows = await SchemaRowsAsync(cancellationToken).ConfigureAwait(false);
        if (rows is null) return false;
        var text = new System.Text.StringBuilder();
        foreach (var row in rows)
        {
            if (row.Sql is null || Like("sqlite_%", row.Name) || (table is not null && !Like(table, row.TableName) && !Like(table, row.Name))) continue;
            SchemaDump.AppendSchemaLine(text, row.Sql);
        }
        Out.Write(text.ToString());
        Out.Flush();
        return true;
    }

    /// <summary>sqlite_master's rows with their exact text (JSON mode keeps newlines and types apart), or null after the error.</summary>
    private async Task<List<SchemaRow>?> SchemaRowsAsync(CancellationToken cancellationToken)
    {
        var answer = await QueryTextAsync(".mode json\nSELECT type, name, tbl_name, sql FROM sqlite_master", cancellationToken).ConfigureAwait(false);
        return answer is null ? null : SchemaDump.ParseRows(answer);
    }

    /// <summary>.dump [TABLE]: sqlite3's dump, the rows of each table rendered by the server in insert mode.</summary>
    private async Task<bool> DumpAsync(string? pattern, CancellationToken cancellationToken)
    {
        var rows = await SchemaRowsAsync(cancellationToken).ConfigureAwait(false);
        if (rows is null) return false;
        var text = await SchemaDump.DumpAsync(rows, r => pattern is null || Like(pattern, r.Name),
            script => QueryTextAsync(script, cancellationToken)).ConfigureAwait(false);
        if (text is null) return false;
        Out.Write(text);
        Out.Flush();
        return true;
    }

    /// <summary>.headers / .mode: sqlite3's own rules and messages (the engine's), kept for the statements that follow.</summary>
    private bool OutputCommand(string line)
    {
        var stdout = new System.Text.StringBuilder();
        var stderr = new System.Text.StringBuilder();
        var ok = ScriptDotCommand.Run(line, _output, stdout, stderr);
        if (ok && !line.StartsWith(".h", StringComparison.Ordinal))
        {
            // What .show reports: csv and list set both separators, line and column the row separator; others keep them.
            if (_output.Mode == OutputMode.Csv) (_columnSeparator, _rowSeparator) = (",", "\\r\\n");
            else if (_output.Mode == OutputMode.List) (_columnSeparator, _rowSeparator) = ("|", "\\n");
            else if (_output.Mode is OutputMode.Line or OutputMode.Column) _rowSeparator = "\\n";
        }
        Out.Write(stdout.ToString());
        Out.Flush();
        _err.Write(stderr.ToString());
        _err.Flush();
        return ok;
    }

    /// <summary>SQL's LIKE as SQLite does it: % and _, ASCII letters without case.</summary>
    public static bool Like(string pattern, string text)
    {
        bool Match(int p, int t)
        {
            while (p < pattern.Length)
            {
                var c = pattern[p];
                if (c == '%')
                {
                    for (var k = t; k <= text.Length; k++)
                        if (Match(p + 1, k)) return true;
                    return false;
                }
                if (t >= text.Length) return false;
                if (c != '_' && char.ToLowerInvariant(c) != char.ToLowerInvariant(text[t])) return false;
                p++;
                t++;
            }
            return t == text.Length;
        }
        return Match(0, 0);
    }

    /// <summary>sqlite3's booleanValue: on/off, yes/no, true/false, or a number.</summary>
    private static bool? BooleanArgument(string text) => text.ToLowerInvariant() switch
    {
        "on" or "yes" or "true" => true,
        "off" or "no" or "false" => false,
        _ when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) => n != 0,
        _ => null,
    };

    private bool Unsupported(string why)
    {
        _err.WriteLine("Error: " + why);
        _err.Flush();
        return false;
    }

    private string? _redirectPath;

    /// <summary>.output FILE / .once FILE: results go to the file (.once: for the next statement only); no FILE: stdout.</summary>
    private bool Redirect(string? path, bool once)
    {
        CloseRedirect();
        if (path is null or "stdout") return true; // as in sqlite3: back to stdout
        try
        {
            _redirect = new StreamWriter(path, append: false, new System.Text.UTF8Encoding(false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            _err.WriteLine($"Error: cannot open \"{path}\"");
            _err.Flush();
            return false;
        }
        _redirectPath = path;
        _redirectOnce = once;
        return true;
    }

    private void CloseRedirect()
    {
        _redirect?.Dispose();
        _redirect = null;
        _redirectPath = null;
        _redirectOnce = false;
    }

    /// <summary>.show's mode line: sqlite3 adds the column modes' wrap options.</summary>
    private string ShowMode() => _output.Mode is OutputMode.Column or OutputMode.Table or OutputMode.Box or OutputMode.Markdown
        ? _output.ModeName + " --wrap 60 --wordwrap off --noquote"
        : _output.ModeName;

    /// <summary>.show, in sqlite3's layout; its "filename" is the node the shell talks to.</summary>
    private string ShowText() =>
        $"""
                echo: {(Echo ? "on" : "off")}
                 eqp: off
             explain: auto
             headers: {(_output.Headers ? "on" : "off")}
                mode: {ShowMode()}
           nullvalue: ""
              output: {_redirectPath ?? "stdout"}
        colseparator: "{_columnSeparator}"
        rowseparator: "{_rowSeparator}"
               stats: off
               width: 
            filename: {_current}

        """;

    /// <summary>
    /// .remove NODE: DELETE /nodes/NODE at the connected node, which removes the member with a single-server change
    /// through the Raft log (passing the request to the leader if it does not lead) and answers once it took effect.
    /// </summary>
    private async Task<bool> RemoveNodeAsync(string node, CancellationToken cancellationToken)
    {
        NodeAnswer answer;
        try
        {
            answer = await _client.RemoveNodeAsync(_current, node, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            _err.WriteLine($"Error: cannot reach {_current}: {e.Message}");
            _err.Flush();
            return false;
        }
        if (answer.Status == 200)
        {
            Out.WriteLine(answer.Body.TrimEnd('\n'));
            Out.Flush();
            return true;
        }
        _err.WriteLine($"Error: {answer.Body.TrimEnd('\n')} ({answer.Status})");
        _err.Flush();
        return false;
    }

    private async Task<bool> ShowClusterAsync(string what, CancellationToken cancellationToken)
    {
        ClusterStatus? status;
        ClusterStatus? leaderView;
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            status = await TryStatusAsync(_current, cancellationToken).ConfigureAwait(false);
            for (var attempt = 0; status is null && attempt < 3; attempt++)
            {
                if (!await FailOverAsync([_current], cancellationToken).ConfigureAwait(false)) return false;
                status = await TryStatusAsync(_current, cancellationToken).ConfigureAwait(false);
            }
            cancellationToken.ThrowIfCancellationRequested();
            if (status is null) return false;
            await ObserveAsync(_current, status, cancellationToken).ConfigureAwait(false);
            leaderView = await LeaderViewAsync(status, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _turn.Release();
        }
        switch (what)
        {
            case ".leader":
                var leader = status.Leader;
                Out.WriteLine(leader is null ? $"no leader known (term {status.Term})" : $"{leader.Name} (term {status.Term}) at {leader.Endpoint}");
                break;
            case ".status":
                Out.WriteLine($"connected to: {_current}");
                Out.WriteLine($"node:         {status.Node} ({status.Role})");
                Out.WriteLine($"term:         {status.Term}");
                Out.WriteLine($"leader:       {status.LeaderName ?? "none"}");
                Out.WriteLine($"commit index: {status.CommitIndex}, applied {status.AppliedIndex}");
                Out.WriteLine($"last seq:     {status.LastSequenceNumber?.ToString(CultureInfo.InvariantCulture) ?? "none"}");
                if (_reachability is { } r) Out.WriteLine($"reachable:    {r.Reachable} of {r.Total} nodes (majority {r.Majority})");
                break;
            default:
                var width = Math.Max(4, status.Members.Max(m => m.Name.Length));
                Out.WriteLine($"  {"name".PadRight(width)}  {"role",-8}  {"reachable",-9}  endpoint");
                foreach (var member in status.Members)
                {
                    var reachable = (leaderView?.Members.FirstOrDefault(m => m.Id == member.Id)?.Reachable ?? member.Reachable) switch
                    {
                        true => "yes",
                        false => "NO",
                        null => "?",
                    };
                    var marker = NodeEndpoint.TryParse(member.Endpoint, out var e) && e == _current ? "*" : " ";
                    Out.WriteLine($"{marker} {member.Name.PadRight(width)}  {(member.Leader ? "leader" : "follower"),-8}  {reachable,-9}  {member.Endpoint}");
                }
                Out.WriteLine(leaderView is null
                    ? "(* = this shell's node; ? = unknown: no leader answers, so nobody hears from every node)"
                    : "(* = this shell's node; reachability as the leader sees it)");
                break;
        }
        Out.Flush();
        return true;
    }

    public const string HelpText =
        """
        .bail on|off      Stop after hitting an error (scripts: a pipe, -c, .read)
        .changes on|off   Show number of rows changed by SQL
        .echo on|off      Print each command before running it
        .exit ?CODE?      Exit this program with return-code CODE
        .dump ?TABLE?     Render the database (or the tables matching TABLE) as SQL text
        .headers on|off   Turn display of headers on or off
        .help             Show this message
        .indexes ?TABLE?  Show the names of the indexes (of the tables matching TABLE)
        .leader           Show the current leader and term
        .mode MODE ?TABLE?  Output mode: list csv column table box markdown json line insert
        .nodes            List the cluster's nodes: role, reachability, endpoint (* = connected)
        .once FILE        Output for the next statement only to FILE
        .output ?FILE?    Send output to FILE, or to stdout if FILE is omitted
        .quit             Exit this program
        .read FILE        Read input from FILE
        .remove NODE      Remove NODE (a name, id or endpoint from .nodes) from the cluster
        .schema ?TABLE?   Show the CREATE statements (of TABLE)
        .seq on|off       Show the SequenceNumber line of each answer
        .show             Show the current values for various settings
        .status           Show the connected node's replication status
        .tables ?PATTERN? List the tables (matching the LIKE pattern)
        .timer on|off     Show the latency of each statement
        SET <uuid4> '<json>'   Store a JSON document (answers Created or Updated, and on how many nodes)
        GET <uuid4>            Print a document (or Not found)
        DELETE <uuid4>         Delete a document (answers Deleted or Not found)
        Anything else is SQL, run when a line ends with ';' (as in the sqlite3 shell).
        Keys at the prompt: readline's (Ctrl-A/E/B/F/K/U/W/Y, Ctrl-R search, Ctrl-L, Up/Down);
        Ctrl-C drops the line or stops waiting; Ctrl-D on an empty line exits.

        """;

    // ------------------------------------------------------------------------------------------- notices

    /// <summary>A notice is printed once, when it happens (never queued: a queued notice is stale when it shows).</summary>
    private void Notice(string line) => NoticeSink(line);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_heartbeat is not null)
        {
            try { await _heartbeat.ConfigureAwait(false); } catch (OperationCanceledException) { }
        }
        CloseRedirect();
        _client.Dispose();
        _stop.Dispose();
        _turn.Dispose();
    }
}

/// <summary>A statement Ctrl-C stopped waiting for: its key, whether it may still be applied, and how to wait again.</summary>
public sealed record InterruptedStatement(string Key, bool MayBeApplied, Func<CancellationToken, Task<bool>> Resume);

/// <summary>.quit: unwinds to the REPL.</summary>
public sealed class QuitException : Exception
{
    public QuitException() : base(".quit") { }
}
