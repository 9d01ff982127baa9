using System.Diagnostics;
using FastDb.TestSupport;

namespace FastDb.Harness.Nodes;

/// <summary>
/// One sqlcluster process (octopus agent/agent.go Agent). Murders and freezes nest with refcounts: a node killed
/// twice comes back after the second release; a node both killed and frozen stays dead until both are released.
/// If the active process exits on its own, the run is disqualified with octopus's message.
/// </summary>
public sealed class NodeProcess
{
    private readonly object _gate = new();
    private readonly string _executable;
    private readonly IReadOnlyList<string> _args;
    private readonly string _workingDir;
    private readonly TextWriter _log;
    private readonly Action<string> _disqualify;
    private Process? _process;
    private int _killCount, _stopCount;
    private bool _shuttingDown;

    public NodeProcess(int index, string executable, IReadOnlyList<string> args, string workingDir, TextWriter log, Action<string> disqualify)
    {
        Index = index;
        _executable = executable;
        _args = args;
        _workingDir = workingDir;
        _log = log;
        _disqualify = disqualify;
    }

    public int Index { get; }
    public string Name => NodeLayout.NodeName(Index);
    /// <summary>Go's exec.Cmd String(): the path and the arguments joined by spaces.</summary>
    public string CommandText => string.Join(' ', new[] { _executable }.Concat(_args));

    public int? Pid { get { lock (_gate) return _process?.Id; } }

    public void Start()
    {
        lock (_gate)
        {
            if (_process is null) StartLocked();
        }
    }

    private void StartLocked()
    {
        if (_process is not null) throw new InvalidOperationException("Cannot call start(): program already running!");
        if (_killCount > 0 || _shuttingDown) return;
        var psi = NodeLauncher.CreateStartInfo(_executable, _workingDir, _args);
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) WriteLog(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) WriteLog(e.Data); };
        process.Exited += (_, _) => OnExited(process);
        WriteLog($"[harness] Starting {this}: {CommandText}");
        try { process.Start(); }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new InvalidOperationException($"Couldn't spawn {this}: {e.Message}", e);
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    private void WriteLog(string line)
    {
        lock (_log) _log.WriteLine(line);
    }

    private void OnExited(Process process)
    {
        string? reason = null;
        lock (_gate)
        {
            if (!ReferenceEquals(_process, process) || _shuttingDown) return; // not the active command
            int code = process.ExitCode;
            // Go's ExitError text: "exit status N", or "signal: NAME" (.NET reports 128+N for a signal death).
            reason = code == 0
                ? $"Command exited unexpectedly (but cleanly!): {CommandText}"
                : $"Command exited unexpectedly: {CommandText} ({(code > 128 ? $"signal: {code - 128}" : $"exit status {code}")})";
        }
        WriteLog("[harness] " + reason);
        _disqualify(reason);
    }

    /// <summary>SIGTERM now, restart after <paramref name="duration"/> unless still killed or frozen (agent.go Kill).</summary>
    public async Task KillFor(TimeSpan duration)
    {
        lock (_gate)
        {
            if (_killCount == 0 && _process is not null)
            {
                Signals.Send(_process.Id, Signals.SigTerm);
                _process = null;
            }
            _killCount++;
        }
        await Task.Delay(duration).ConfigureAwait(false);
        lock (_gate)
        {
            _killCount--;
            if (_killCount == 0 && _stopCount == 0) StartLocked();
        }
    }

    /// <summary>Freezes until the returned release is called (agent.go Stop, split in two for the SPOF monkey).</summary>
    public Action Freeze()
    {
        lock (_gate)
        {
            if (_stopCount == 0 && _process is not null) Signals.Freeze(_process.Id);
            _stopCount++;
        }
        int released = 0;
        return () =>
        {
            if (Interlocked.Exchange(ref released, 1) != 0) return;
            lock (_gate)
            {
                _stopCount--;
                if (_stopCount == 0 && _process is null) StartLocked();
                else if (_stopCount == 0 && _process is not null) Signals.Send(_process.Id, Signals.SigCont);
            }
        };
    }

    /// <summary>SIGTSTP now, SIGCONT after <paramref name="duration"/> (agent.go Stop).</summary>
    public async Task FreezeFor(TimeSpan duration)
    {
        Action release = Freeze();
        await Task.Delay(duration).ConfigureAwait(false);
        release();
    }

    /// <summary>
    /// End of run: SIGCONT (a stopped process cannot handle SIGTERM), SIGTERM, and SIGKILL whatever is still alive
    /// after <paramref name="grace"/>. Exits after this point are expected and do not disqualify.
    /// </summary>
    public async Task ShutdownAsync(TimeSpan grace)
    {
        Process? process;
        lock (_gate)
        {
            _shuttingDown = true;
            process = _process;
            _process = null;
        }
        if (process is null) return;
        try
        {
            if (process.HasExited) return;
            Signals.Send(process.Id, Signals.SigCont);
            Signals.Send(process.Id, Signals.SigTerm);
            using var cts = new CancellationTokenSource(grace);
            try { await process.WaitForExitAsync(cts.Token).ConfigureAwait(false); }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (InvalidOperationException) { }
        finally { process.Dispose(); }
    }

    /// <summary>Last resort on abnormal exit (Ctrl-C, crash): SIGKILL without waiting.</summary>
    public void KillNow()
    {
        Process? process;
        lock (_gate)
        {
            _shuttingDown = true;
            process = _process;
            _process = null;
        }
        if (process is null) return;
        try { if (!process.HasExited) process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
    }

    public override string ToString() => $"Agent<{Name}>";
}
