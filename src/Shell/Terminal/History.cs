using System.Text;

namespace FastDb.Shell.Terminal;

/// <summary>
/// The statements entered at the prompt, one entry per statement (a multi-line statement is one entry, as sqlite3
/// keeps it), kept in a file like sqlite3's ~/.sqlite_history: ~/.fastdb_history, or $FASTDB_HISTORY. One entry per
/// line of the file, with '\' written as "\\" and a newline inside a statement as "\n". The file is appended to as
/// entries are added, so two shells at once both keep theirs; it is cut back to <see cref="MaxEntries"/> on load.
/// </summary>
public sealed class History
{
    public const int MaxEntries = 2000;

    private readonly List<string> _entries = [];
    private readonly string? _path;

    public History(string? path)
    {
        _path = path;
        if (path is null || !File.Exists(path)) return;
        try
        {
            var lines = File.ReadAllLines(path);
            foreach (var line in lines.Skip(Math.Max(0, lines.Length - MaxEntries)))
                if (line.Length > 0) _entries.Add(Unescape(line));
            if (lines.Length > MaxEntries) File.WriteAllLines(path, _entries.Select(Escape));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An unreadable history is no reason not to start; the shell runs without it.
        }
    }

    /// <summary>The default file: $FASTDB_HISTORY if set (empty: no file), else ~/.fastdb_history.</summary>
    public static string? DefaultPath()
    {
        if (Environment.GetEnvironmentVariable("FASTDB_HISTORY") is { } set) return set.Length == 0 ? null : set;
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return home.Length == 0 ? null : Path.Combine(home, ".fastdb_history");
    }

    public int Count => _entries.Count;

    public string this[int index] => _entries[index];

    public void Add(string entry)
    {
        if (string.IsNullOrWhiteSpace(entry)) return;
        _entries.Add(entry);
        if (_entries.Count > MaxEntries) _entries.RemoveAt(0);
        if (_path is null) return;
        try
        {
            File.AppendAllText(_path, Escape(entry) + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Same as on load: history is a convenience, never a reason to fail a statement.
        }
    }

    private static string Escape(string entry) => entry.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Unescape(string line)
    {
        var text = new StringBuilder(line.Length);
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] == '\\' && i + 1 < line.Length)
            {
                text.Append(line[i + 1] == 'n' ? '\n' : line[i + 1]);
                i++;
            }
            else text.Append(line[i]);
        }
        return text.ToString();
    }
}
