using System.Diagnostics;
using System.Text;

namespace FastDb.TestSupport;

/// <summary>What one run of the sqlite3 shell printed, and how it exited.</summary>
public readonly record struct Sqlite3Output(string Stdout, string Stderr, int ExitCode)
{
    /// <summary>What octopus's checker expects as the answer's body (sql/sql.go): stderr alone when the shell exited 1 or 2, else stdout.</summary>
    public string OctopusBody => ExitCode is 1 or 2 ? Stderr : Stdout;
}

/// <summary>
/// The real sqlite3 3.40.1 shell (Debian 12's), the oracle, run exactly as octopus does: <c>sqlite3 DBFILE</c> with the
/// input on stdin, default settings (list mode, no headers, no -bail). The one copy for the tests, the harness's
/// checker and the load test's baseline.
/// </summary>
public static class Sqlite3Shell
{
    public const string DefaultPath = "/usr/bin/sqlite3";

    /// <summary>Hard cap per process so a wedged shell fails one test instead of hanging the suite.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private static readonly UTF8Encoding Utf8 = new(false);

    public static bool IsInstalled => File.Exists(DefaultPath);

    /// <summary>Why the oracle cannot run here, or null when it can (for skip reasons and error messages).</summary>
    public static string? MissingReason => IsInstalled ? null
        : $"needs the sqlite3 shell at {DefaultPath} (apt-get install -y sqlite3), the oracle every answer is compared with";

    private static ProcessStartInfo StartInfo(string executable, string databasePath)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Utf8,
            StandardErrorEncoding = Utf8,
        };
        start.ArgumentList.Add(databasePath);
        // The shell reads ~/.sqliterc only in interactive mode, but make sure no user setting leaks in anyway.
        start.Environment["HOME"] = Path.GetTempPath();
        return start;
    }

    /// <summary>Runs <paramref name="input"/> on a fresh, empty database file (deleted afterwards).</summary>
    public static Sqlite3Output Run(string input)
    {
        using var database = new TempDatabaseFile();
        return Run(input, database.Path);
    }

    /// <summary>Runs <paramref name="input"/> on the database file (or :memory:), which is left in place.</summary>
    public static Sqlite3Output Run(string input, string databasePath, TimeSpan? timeout = null, string executable = DefaultPath)
    {
        if (executable == DefaultPath && MissingReason is { } missing) throw new InvalidOperationException(missing);
        using var process = Process.Start(StartInfo(executable, databasePath))
            ?? throw new InvalidOperationException($"could not start {executable}");
        // Read both pipes while writing stdin: a large script can fill a pipe and deadlock otherwise.
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            process.StandardInput.BaseStream.Write(Utf8.GetBytes(input));
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The shell may exit before reading everything (it never does in default mode, but a broken pipe must
            // still end in a readable result rather than an exception from the test helper).
        }
        var limit = timeout ?? DefaultTimeout;
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"sqlite3 did not finish within {limit.TotalSeconds:0} s");
        }
        process.WaitForExit(); // flushes the async readers
        return new Sqlite3Output(stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult(), process.ExitCode);
    }

    /// <summary>
    /// Runs <paramref name="input"/> on the database file, asynchronously, keeping the output's bytes as they are.
    /// The process is killed if <paramref name="cancellationToken"/> fires.
    /// </summary>
    public static async Task<(byte[] Stdout, byte[] Stderr, int ExitCode)> RunBytesAsync(string executable, string databasePath,
        byte[] input, CancellationToken cancellationToken)
    {
        using var process = Process.Start(StartInfo(executable, databasePath))
            ?? throw new InvalidOperationException($"could not start {executable}");
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        var copyOut = process.StandardOutput.BaseStream.CopyToAsync(stdout, cancellationToken);
        var copyErr = process.StandardError.BaseStream.CopyToAsync(stderr, cancellationToken);
        try
        {
            await process.StandardInput.BaseStream.WriteAsync(input, cancellationToken).ConfigureAwait(false);
            process.StandardInput.Close();
            await Task.WhenAll(copyOut, copyErr).ConfigureAwait(false);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(); } catch (InvalidOperationException) { }
            throw;
        }
        return (stdout.ToArray(), stderr.ToArray(), process.ExitCode);
    }
}
