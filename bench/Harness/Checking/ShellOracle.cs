using FastDb.TestSupport;

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
        byte[] stdout, stderr;
        int exitCode;
        try
        {
            (stdout, stderr, exitCode) = await Sqlite3Shell.RunBytesAsync(_sqlite3, _databasePath,
                System.Text.Encoding.UTF8.GetBytes(query + ";"), token).ConfigureAwait(false);
        }
        catch (System.ComponentModel.Win32Exception e) { throw new OracleException($"cannot start {_sqlite3}: {e.Message}"); }
        catch (IOException e) { throw new OracleException($"{_sqlite3} failed: {e.Message}"); }
        return exitCode switch
        {
            0 => stdout,
            1 or 2 => stderr,
            int other => throw new OracleException($"{_sqlite3} exited with status {other}: {System.Text.Encoding.UTF8.GetString(stderr)}"),
        };
    }

    public void Dispose() { }
}
