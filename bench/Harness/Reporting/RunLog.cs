namespace FastDb.Harness.Reporting;

/// <summary>
/// The per-run log directory: harness.log (octopus-style log lines with timestamps), node{i}.log (each node's
/// stdout and stderr), schedule.txt (the planned monkey schedule), disqualification.txt (the first disqualifying
/// exchange in full) and results.json.
/// </summary>
public sealed class RunLog : IDisposable
{
    private readonly StreamWriter _harness;
    private readonly List<StreamWriter> _nodes = new();
    private readonly RunTimeline _timeline;

    public RunLog(string directory, int nodeCount, RunTimeline timeline)
    {
        Directory.CreateDirectory(directory);
        DirectoryPath = Path.GetFullPath(directory);
        _timeline = timeline;
        _harness = new StreamWriter(Path.Combine(directory, "harness.log")) { AutoFlush = true };
        for (int i = 0; i < nodeCount; i++)
            _nodes.Add(new StreamWriter(Path.Combine(directory, $"node{i}.log")) { AutoFlush = true });
    }

    public string DirectoryPath { get; }

    public TextWriter NodeLog(int i) => _nodes[i];

    public void Write(string line)
    {
        lock (_harness) _harness.WriteLine($"{_timeline.Now,9:F3} {line}");
    }

    public void WriteFile(string name, string content) => File.WriteAllText(Path.Combine(DirectoryPath, name), content);

    public void Dispose()
    {
        lock (_harness) _harness.Dispose();
        foreach (StreamWriter w in _nodes) lock (w) w.Dispose();
    }
}
