using System.Diagnostics;
using System.Text;

namespace FastDb.Shell.Tests.Support;

/// <summary>Runs the real fastdb client (the native binary of this build) as a child process.</summary>
public sealed class FastDbShell : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new(), _stderr = new();

    private readonly Task[] _readers = [];

    /// <summary><paramref name="exact"/>: the output as written (a csv row ends in "\r\n"); otherwise line by line, every
    /// line ending (a terminal's "\r\n" and the line editor's "\r" included) as "\n".</summary>
    private FastDbShell(Process process, bool exact = false)
    {
        _process = process;
        if (exact)
        {
            _readers = [Pump(process.StandardOutput, _stdout), Pump(process.StandardError, _stderr)];
            return;
        }
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_stdout) _stdout.Append(e.Data).Append('\n'); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_stderr) _stderr.Append(e.Data).Append('\n'); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    private static Task Pump(StreamReader reader, StringBuilder into) => Task.Run(async () =>
    {
        var buffer = new char[4096];
        int n;
        while ((n = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            lock (into) into.Append(buffer, 0, n);
    });

    public static string Executable => FastDb.TestSupport.NativeBinary.Path("fastdb");

    /// <summary>Starts fastdb with its stdin a pipe the test writes to (non-interactive mode).</summary>
    public static FastDbShell Start(string workingDirectory, params string[] args) => StartProcess(Executable, args, workingDirectory);

    /// <summary>As <see cref="Start"/>, keeping the output exactly as written.</summary>
    public static FastDbShell StartExact(string workingDirectory, params string[] args) => StartProcess(Executable, args, workingDirectory, exact: true);

    /// <summary>
    /// Starts fastdb inside a pseudo-terminal (util-linux <c>script</c>), so it runs its interactive line editor; what
    /// the test writes is typed into the terminal (end lines with '\r', as a terminal's Enter key sends).
    /// </summary>
    public static FastDbShell StartInTerminal(string workingDirectory, params string[] args) => StartInTerminalWithHistory(workingDirectory, null, args);

    /// <summary>As <see cref="StartInTerminal(string, string[])"/>, keeping the history in <paramref name="historyFile"/>.</summary>
    public static FastDbShell StartInTerminalWithHistory(string workingDirectory, string? historyFile, params string[] args)
    {
        var command = string.Join(' ', new[] { Executable }.Concat(args).Select(a => "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));
        return StartProcess("script", ["-qfec", command, "/dev/null"], workingDirectory, historyFile);
    }

    private static FastDbShell StartProcess(string file, string[] args, string workingDirectory, string? historyFile = null, bool exact = false)
    {
        var start = new ProcessStartInfo(file, args)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = new UTF8Encoding(false),
        };
        start.Environment["TERM"] = "xterm";
        start.Environment["FASTDB_HISTORY"] = historyFile ?? ""; // never the user's ~/.fastdb_history
        return new FastDbShell(Process.Start(start)!, exact);
    }

    /// <summary>
    /// Types into the pseudo-terminal once the line editor reads keys (the terminal is out of canonical mode): keys
    /// that reach the terminal before that are taken by the terminal's line discipline, not the editor.
    /// </summary>
    public async Task TypeAsync(string text)
    {
        var terminal = await TerminalAsync().ConfigureAwait(false);
        var ready = await WaitUntilAsync(() => Stty(terminal).Contains("-icanon", StringComparison.Ordinal)).ConfigureAwait(false);
        if (!ready) throw new TimeoutException($"the terminal {terminal} never left canonical mode:\n{Stdout}");
        Write(text);
    }

    private string? _terminal;

    /// <summary>The pts the fastdb process (the child of script) has as its stdin.</summary>
    private async Task<string> TerminalAsync()
    {
        if (_terminal is not null) return _terminal;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{_process.Id}/task"))
            {
                var children = File.Exists(Path.Combine(task, "children")) ? File.ReadAllText(Path.Combine(task, "children")) : "";
                foreach (var child in children.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    var fd = new FileInfo($"/proc/{child}/fd/0");
                    if (fd.LinkTarget is { } target && target.StartsWith("/dev/pts/", StringComparison.Ordinal)) return _terminal = target;
                }
            }
            await Task.Delay(20).ConfigureAwait(false);
        }
        throw new TimeoutException("no terminal found for fastdb under script");
    }

    private static string Stty(string terminal)
    {
        var start = new ProcessStartInfo("stty", ["-F", terminal, "-a"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var stty = Process.Start(start)!;
        var output = stty.StandardOutput.ReadToEnd();
        stty.WaitForExit(5_000);
        return output;
    }

    public void Write(string text)
    {
        _process.StandardInput.Write(text);
        _process.StandardInput.Flush();
    }

    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }

    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    /// <summary>Waits (bounded) until stdout contains the text; false on timeout.</summary>
    public Task<bool> WaitForOutputAsync(string text, TimeSpan? limit = null) => WaitForAsync(() => Stdout, text, limit);

    /// <summary>Waits (bounded) until stderr (notices: reconnects, warnings) contains the text; false on timeout.</summary>
    public Task<bool> WaitForErrorAsync(string text, TimeSpan? limit = null) => WaitForAsync(() => Stderr, text, limit);

    private static Task<bool> WaitForAsync(Func<string> stream, string text, TimeSpan? limit) =>
        WaitUntilAsync(() => stream().Contains(text, StringComparison.Ordinal), limit);

    /// <summary>Waits (bounded) until the condition holds; false on timeout.</summary>
    public static async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan? limit = null)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < (limit ?? TimeSpan.FromSeconds(30)))
        {
            if (condition()) return true;
            await Task.Delay(20).ConfigureAwait(false);
        }
        return false;
    }

    /// <summary>Closes stdin and waits for the exit (bounded); the exit code.</summary>
    public int Finish(TimeSpan? limit = null)
    {
        _process.StandardInput.Close();
        if (!_process.WaitForExit(limit ?? TimeSpan.FromSeconds(60)))
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"fastdb did not exit; stdout:\n{Stdout}\nstderr:\n{Stderr}");
        }
        _process.WaitForExit(); // drain the output events
        Task.WaitAll(_readers, TimeSpan.FromSeconds(10));
        return _process.ExitCode;
    }

    /// <summary>One whole run: arguments, a script on stdin, and what came out, byte for byte.</summary>
    public static (string Stdout, string Stderr, int ExitCode) Run(string workingDirectory, string stdin, params string[] args)
    {
        using var shell = StartExact(workingDirectory, args);
        shell.Write(stdin);
        var code = shell.Finish();
        return (shell.Stdout, shell.Stderr, code);
    }

    public void Dispose()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
