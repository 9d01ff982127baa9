using System.Diagnostics;

namespace FastDb.TestSupport;

/// <summary>
/// Starts a node (sqlcluster, the ceiling stand-in, any server binary) as octopus's agent does: in its working
/// directory, with its arguments, stdout and stderr read line by line so a chatty node never blocks on a full pipe.
/// The one copy for the test clusters, the harness and the benchmarks.
/// </summary>
public static class NodeLauncher
{
    /// <summary>
    /// The start info: output redirected, no shell. <paramref name="redirectStandardInput"/> gives the node a pipe
    /// that stays open rather than the test host's stdin (a terminal, say).
    /// </summary>
    public static ProcessStartInfo CreateStartInfo(string executable, string workingDirectory, IEnumerable<string> arguments,
        IEnumerable<KeyValuePair<string, string>>? environment = null, bool redirectStandardInput = false)
    {
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectStandardInput,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? []) start.Environment[name] = value;
        return start;
    }

    /// <summary>
    /// Starts the node and begins reading its output: each line of stderr (and of stdout) goes to the callback, or is
    /// dropped without one.
    /// </summary>
    public static Process Start(ProcessStartInfo start, Action<string>? stderrLine = null, Action<string>? stdoutLine = null)
    {
        var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {start.FileName}");
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) stderrLine?.Invoke(e.Data); };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) stdoutLine?.Invoke(e.Data); };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return process;
    }

    /// <summary>A callback that appends each line to <paramref name="log"/>, under its lock.</summary>
    public static Action<string> AppendTo(System.Text.StringBuilder log) => line =>
    {
        lock (log) log.AppendLine(line);
    };
}
