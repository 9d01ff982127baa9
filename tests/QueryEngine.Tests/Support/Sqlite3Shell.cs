using System.Diagnostics;
using System.Text;

namespace FastDb.QueryEngine.Tests.Support;

/// <summary>What one run of the sqlite3 shell produced: the same three things the engine reports.</summary>
public readonly record struct ShellResult(string Stdout, string Stderr, int ExitCode);

/// <summary>
/// Runs the real sqlite3 3.40.1 shell (the oracle) exactly as octopus does: `sqlite3 DBFILE` with the script on stdin,
/// default settings (list mode, no headers, no -bail). Each <see cref="Run(string)"/> uses a fresh temporary database file.
/// </summary>
public static class Sqlite3Shell
{
    public const string ExecutablePath = "/usr/bin/sqlite3";

    /// <summary>Hard cap per process so a wedged shell fails one test instead of hanging the suite.</summary>
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static bool IsInstalled => File.Exists(ExecutablePath);

    /// <summary>Run a script on a fresh, empty database file (deleted afterwards).</summary>
    public static ShellResult Run(string script)
    {
        using var db = new TempDatabaseFile();
        return Run(script, db.Path);
    }

    /// <summary>Run a script on an existing (or not yet existing) database file, which is left in place.</summary>
    public static ShellResult Run(string script, string databasePath)
    {
        if (!IsInstalled)
            throw new InvalidOperationException($"{ExecutablePath} is not installed; install Debian's sqlite3 package.");

        var startInfo = new ProcessStartInfo(ExecutablePath)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardErrorEncoding = new UTF8Encoding(false),
        };
        startInfo.ArgumentList.Add(databasePath);
        // The shell reads ~/.sqliterc only in interactive mode, but make sure no user setting leaks in anyway.
        startInfo.Environment["HOME"] = Path.GetTempPath();

        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"could not start {ExecutablePath}");

        // Read both pipes concurrently with writing stdin: a large script can fill a pipe and deadlock otherwise.
        var stdoutTask = process.StandardOutput.ReadToEndAsync();
        var stderrTask = process.StandardError.ReadToEndAsync();
        try
        {
            var bytes = new UTF8Encoding(false).GetBytes(script);
            process.StandardInput.BaseStream.Write(bytes);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The shell may exit before reading everything (it never does in default mode, but a broken pipe must
            // still end in a readable result rather than an exception from the test helper).
        }

        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"sqlite3 did not finish within {Timeout.TotalSeconds} s");
        }
        process.WaitForExit(); // flushes the async readers
        return new ShellResult(stdoutTask.GetAwaiter().GetResult(), stderrTask.GetAwaiter().GetResult(), process.ExitCode);
    }
}

/// <summary>A unique database path under the temp directory; the file and its journal are removed on dispose.</summary>
public sealed class TempDatabaseFile : IDisposable
{
    /// <summary>tmpfs when there is one: the shell syncs every write, and thousands of scripts must stay fast.</summary>
    static readonly string Directory = System.IO.Directory.Exists("/dev/shm") ? "/dev/shm" : System.IO.Path.GetTempPath();

    public string Path { get; } = System.IO.Path.Combine(Directory, $"fastdb-oracle-{Guid.NewGuid():N}.db");

    public void Dispose()
    {
        foreach (var suffix in new[] { "", "-journal", "-wal", "-shm" })
        {
            try { File.Delete(Path + suffix); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
