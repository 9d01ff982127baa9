using System.Diagnostics;
using System.Text;

namespace FastDb.Server.Tests.Support;

/// <summary>Runs a short-lived program with a script on stdin and collects what it printed (sqlite3, sqlcluster exec).</summary>
internal static class ChildProcess
{
    public static (string Stdout, string Stderr, int ExitCode) Run(string file, IEnumerable<string> args, string stdin,
        TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(file, args)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = new UTF8Encoding(false),
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(file)} did not finish within {limit.TotalSeconds:0} s");
        }
        return (stdout.Result, stderr.Result, process.ExitCode);
    }
}
