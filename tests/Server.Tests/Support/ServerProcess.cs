using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using FastDb.TestSupport;

namespace FastDb.Server.Tests.Support;

/// <summary>
/// The real sqlcluster executable as a child process: the native AOT binary users run, published for this build into
/// native/ next to the tests (tests/NativeBinaries.targets), on a temporary Unix socket and data directory.
/// Restartable with the same arguments.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly string[] _extraArgs;
    private readonly StringBuilder _stderr = new();
    private Process? _process;

    public ServerProcess(string workDirectory, params string[] extraArgs)
    {
        WorkDirectory = workDirectory;
        _extraArgs = extraArgs;
        Directory.CreateDirectory(workDirectory);
    }

    public static string ExecutablePath => NativeBinary.Path("sqlcluster");

    public string WorkDirectory { get; }
    /// <summary>The socket, relative to the work directory (the node's cwd), as given to -l.</summary>
    public string SocketName { get; init; } = "node0.sock";

    /// <summary>Deleted with the work directory when this process owns it (the default).</summary>
    public bool OwnsWorkDirectory { get; init; } = true;

    public string SocketPath => Path.Combine(WorkDirectory, SocketName);
    public string DataDirectory => Path.Combine(WorkDirectory, Path.GetDirectoryName(SocketName) ?? "", "data");
    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("not running");
    public bool HasExited => _process?.HasExited ?? true;
    public int ExitCode => _process!.ExitCode;

    public string Stderr
    {
        get { lock (_stderr) return _stderr.ToString(); }
    }

    /// <summary>Starts the node (as octopus does: relative socket path, cwd = work directory) and waits for /healthcheck.</summary>
    public async Task StartAsync()
    {
        if (_process is { HasExited: false }) throw new InvalidOperationException("already running");
        _process?.Dispose();
        var start = new ProcessStartInfo(ExecutablePath)
        {
            WorkingDirectory = WorkDirectory,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-l", "./" + SocketName, "-d", DataDirectory }.Concat(_extraArgs)) start.ArgumentList.Add(a);
        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_stderr) _stderr.AppendLine(e.Data);
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _process = process;

        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"sqlcluster exited with {process.ExitCode} during start-up:\n{Stderr}");
            if (await IsAnsweringAsync()) return;
            await Task.Delay(20);
        }
        throw new TimeoutException($"sqlcluster did not answer /healthcheck within {StartTimeout}:\n{Stderr}");
    }

    /// <summary>SIGKILL: no chance to flush or clean up (the socket file stays behind).</summary>
    public void Kill9()
    {
        if (_process is null || _process.HasExited) return;
        _process.Kill();
        _process.WaitForExit(10_000);
    }

    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit(5_000);
    }

    /// <summary>
    /// SIGTSTP, as octopus's freeze monkey sends; the kernel discards it when the test host's process group is
    /// orphaned (a test run started in the background), so SIGSTOP follows if the process has not stopped.
    /// </summary>
    public void Freeze()
    {
        Signal("TSTP");
        for (var i = 0; i < 40; i++)
        {
            if (IsStopped()) return;
            Thread.Sleep(5);
        }
        Signal("STOP");
    }

    private bool IsStopped()
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{ProcessId}/stat");
            var afterName = stat.LastIndexOf(')');
            return afterName > 0 && afterName + 2 < stat.Length && stat[afterName + 2] is 'T' or 't';
        }
        catch (IOException)
        {
            return false;
        }
    }

    public bool WaitForExit(TimeSpan timeout) => _process?.WaitForExit(timeout) ?? true;

    private async Task<bool> IsAnsweringAsync()
    {
        if (!File.Exists(SocketPath)) return false;
        try
        {
            using var client = UnixHttp.CreateClient(SocketPath, TimeSpan.FromSeconds(2));
            using var response = await client.GetAsync("/healthcheck");
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or TaskCanceledException or IOException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        if (!OwnsWorkDirectory) return;
        try
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>HttpClient over a Unix socket, keep-alive, as octopus's Go client.</summary>
public static class UnixHttp
{
    public static HttpClient CreateClient(string socketPath, TimeSpan timeout, int maxConnections = 20)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConnections,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri("http://fastdb"), Timeout = timeout };
    }

    /// <summary>POSTs a script as octopus does (application/octet-stream).</summary>
    public static async Task<(int Status, string Body)> PostSqlAsync(HttpClient client, string script, CancellationToken cancellationToken = default)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(script));
        content.Headers.ContentType = new("application/octet-stream");
        using var response = await client.PostAsync("/sql", content, cancellationToken);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    /// <summary>Splits "SequenceNumber: N\n" + body as octopus's regexp does; throws if the answer does not match it.</summary>
    public static (long Sequence, string Body) ParseAnswer(string answer)
    {
        const string prefix = "SequenceNumber: ";
        var newline = answer.IndexOf('\n', StringComparison.Ordinal);
        if (!answer.StartsWith(prefix, StringComparison.Ordinal) || newline < 0
            || !long.TryParse(answer.AsSpan(prefix.Length, newline - prefix.Length), out var sequence))
            throw new FormatException($"answer does not match ^SequenceNumber: (\\d+)\\n: {answer}");
        return (sequence, answer[(newline + 1)..]);
    }
}
