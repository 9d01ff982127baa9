using System.Diagnostics;

namespace FastDb.Harness.Checking;

/// <summary>
/// octopus's checker (sql/sql.go Execute): one `sqlite3 DBFILE` process per answer with the query plus ";" on stdin.
/// Exit status 1 or 2 means an error happened and the expected body is the shell's stderr alone; otherwise its
/// stdout. The process per answer (and the file database's syncs) is what caps octopus's score on a small machine.
/// </summary>
public sealed class ShellOracle : IAnswerOracle
{
    private readonly string _sqlite3;
    private readonly string _databasePath;

    public ShellOracle(string databasePath, string sqlite3 = "sqlite3")
    {
        _sqlite3 = sqlite3;
        _databasePath = databasePath;
        if (File.Exists(databasePath)) File.Delete(databasePath); // util.EnsureAbsent
    }

    public async Task<byte[]> ExpectedAsync(string query, CancellationToken token)
    {
        var psi = new ProcessStartInfo(_sqlite3)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(_databasePath);
        Process process;
        try { process = Process.Start(psi) ?? throw new OracleException($"cannot start {_sqlite3}"); }
        catch (System.ComponentModel.Win32Exception e) { throw new OracleException($"cannot start {_sqlite3}: {e.Message}"); }
        using (process)
        {
            var stdout = new MemoryStream();
            var stderr = new MemoryStream();
            Task copyOut = process.StandardOutput.BaseStream.CopyToAsync(stdout, token);
            Task copyErr = process.StandardError.BaseStream.CopyToAsync(stderr, token);
            byte[] input = System.Text.Encoding.UTF8.GetBytes(query + ";");
            try
            {
                await process.StandardInput.BaseStream.WriteAsync(input, token).ConfigureAwait(false);
                process.StandardInput.Close();
                await Task.WhenAll(copyOut, copyErr).ConfigureAwait(false);
                await process.WaitForExitAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                try { process.Kill(); } catch (InvalidOperationException) { }
                throw;
            }
            catch (IOException e)
            {
                throw new OracleException($"{_sqlite3} failed: {e.Message}");
            }
            return process.ExitCode switch
            {
                0 => stdout.ToArray(),
                1 or 2 => stderr.ToArray(),
                int other => throw new OracleException($"{_sqlite3} exited with status {other}: {System.Text.Encoding.UTF8.GetString(stderr.ToArray())}"),
            };
        }
    }

    public void Dispose() { }
}
