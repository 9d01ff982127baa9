using System.Text;

namespace FastDb.Server.Tests.Support;

/// <summary>
/// What octopus's checker expects: each script (plus ";") run by the real sqlite3 shell on one database, in sequence
/// order; the body is stderr when the shell failed, else stdout.
/// </summary>
public static class Sqlite3Oracle
{
    /// <summary>
    /// Expected bodies for the scripts in order. Runs them all in one shell process with marker lines between them
    /// (fast); if anything failed there, it replays them one process per script, as octopus does.
    /// </summary>
    public static IReadOnlyList<string> ExpectedBodies(IReadOnlyList<string> scripts)
    {
        var directory = Directory.CreateTempSubdirectory("fastdb-oracle-");
        try
        {
            var batch = new StringBuilder();
            for (var i = 0; i < scripts.Count; i++)
            {
                batch.Append(scripts[i]).Append(";\n");
                batch.Append("SELECT 'fastdb-oracle-mark-").Append(i).Append("';\n");
            }
            // In memory: same answers as a file database, without a journal sync per statement.
            var (stdout, stderr, exit) = Sqlite3Shell.Run(batch.ToString(), ":memory:");
            if (exit == 0 && stderr.Length == 0)
            {
                var bodies = new List<string>(scripts.Count);
                var position = 0;
                for (var i = 0; i < scripts.Count; i++)
                {
                    var marker = $"fastdb-oracle-mark-{i}\n";
                    var at = stdout.IndexOf(marker, position, StringComparison.Ordinal);
                    if (at < 0) break;
                    bodies.Add(stdout[position..at]);
                    position = at + marker.Length;
                }
                if (bodies.Count == scripts.Count) return bodies;
            }

            var database = Path.Combine(directory.FullName, "one-by-one.db");
            var result = new List<string>(scripts.Count);
            foreach (var script in scripts)
            {
                result.Add(Sqlite3Shell.Run(script + ";", database).OctopusBody);
            }
            return result;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
