namespace FastDb.TestSupport;

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
