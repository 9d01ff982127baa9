using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

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
        var process = NodeLauncher.Start(
            NodeLauncher.CreateStartInfo(ExecutablePath, WorkDirectory, new[] { "-l", "./" + SocketName, "-d", DataDirectory }.Concat(_extraArgs),
                redirectStandardInput: true),
            NodeLauncher.AppendTo(_stderr));
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

    /// <summary>Sends a POSIX signal (<see cref="Signals"/>), as octopus's monkeys do.</summary>
    public void Signal(int signal) => Signals.Send(ProcessId, signal);

    /// <summary>SIGTSTP, as octopus's freeze monkey sends (SIGSTOP if that is discarded: see <see cref="Signals.Freeze"/>).</summary>
    public void Freeze() => Signals.Freeze(ProcessId);

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
