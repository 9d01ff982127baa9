using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using FastDb.Harness.Network;

namespace FastDb.Harness.Scoring;

/// <summary>The results octopus writes with -w (state/score.go Results), field for field and in its order.</summary>
public sealed record Results(
    string BytesRead, string BytesWritten, long Conns, long CorrectQueries, string Disqualifier,
    double QueryPoints, double BytePoints, double Total, int Duration, int NodeCount, string Pretty);

/// <summary>
/// The score (octopus state/score.go): 10 per correct query, minus 0.5 × sqrt(bytes read + bytes written by the
/// proxies). Like octopus, the total is still computed for a disqualified run; the pretty text says it was canceled.
/// </summary>
public sealed class Scoreboard
{
    private readonly object _gate = new();
    private long _correct;
    private string _disqualifier = "";

    public Scoreboard(TrafficStats traffic, int durationSeconds, int nodeCount)
    {
        Traffic = traffic;
        DurationSeconds = durationSeconds;
        NodeCount = nodeCount;
    }

    public TrafficStats Traffic { get; }
    public int DurationSeconds { get; }
    public int NodeCount { get; }

    public long CorrectQueries => Interlocked.Read(ref _correct);
    public string Disqualifier { get { lock (_gate) return _disqualifier; } }
    public bool IsDisqualified => Disqualifier.Length > 0;

    public void RecordCorrectQuery() => Interlocked.Increment(ref _correct);

    /// <summary>Keeps the first reason: it is the one that ended the run.</summary>
    public bool RecordDisqualifier(string reason)
    {
        lock (_gate)
        {
            if (_disqualifier.Length > 0) return false;
            _disqualifier = reason;
            return true;
        }
    }

    public static double QueryPoints(long correct) => 10.0 * correct;
    public static double BytePoints(long bytesRead, long bytesWritten) => -0.5 * Math.Sqrt(bytesRead + bytesWritten);
    public static double Total(long correct, long bytesRead, long bytesWritten) => QueryPoints(correct) + BytePoints(bytesRead, bytesWritten);

    public double CurrentTotal => Total(CorrectQueries, Traffic.BytesRead, Traffic.BytesWritten);

    public Results Assemble()
    {
        long correct = CorrectQueries, read = Traffic.BytesRead, written = Traffic.BytesWritten;
        string disqualifier = Disqualifier;
        double queryPoints = QueryPoints(correct), bytePoints = BytePoints(read, written), total = queryPoints + bytePoints;
        string d = "", a = "";
        if (disqualifier.Length > 0)
        {
            d = $"DISQUALIFIED:\n\n{disqualifier}\n\n -- -- -- -- -- -- -- -- -- -- -- -- -- --\n\n";
            a = " (canceled due to disqualification)";
        }
        string pretty =
            $"{d}Final stats (running with {NodeCount} nodes for {DurationSeconds}s):\n" +
            $"Bytes read: {ByteSize(read)}\nBytes written: {ByteSize(written)}\n" +
            $"Connection attempts: {Traffic.Conns}\nCorrect queries: {correct}\n\n" +
            $"Score breakdown:\n{GoFixed0(queryPoints)} points from queries\n{GoFixed0(bytePoints)} points from network traffic\n\n" +
            $"Total:\n{GoFixed0(total)} points{a}\n";
        return new Results(ByteSize(read), ByteSize(written), Traffic.Conns, correct, disqualifier,
            queryPoints, bytePoints, total, DurationSeconds, NodeCount, pretty);
    }

    /// <summary>Go's %.0f (round half to even, and "-0" for small negatives, as Go prints them).</summary>
    public static string GoFixed0(double value) => value.ToString("F0", CultureInfo.InvariantCulture);

    /// <summary>
    /// Human-readable byte counts. Octopus's byteSize type is not in its public source we could read; this is the
    /// Effective Go ByteSize format ("%.2fKB", powers of 1024) that such a type usually has.
    /// </summary>
    public static string ByteSize(long bytes)
    {
        string[] units = ["B", "KB", "MB", "GB", "TB"];
        double b = bytes;
        int u = 0;
        while (b >= 1024 && u < units.Length - 1) { b /= 1024; u++; }
        return b.ToString("F2", CultureInfo.InvariantCulture) + units[u];
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string ToJson(Results results) => JsonSerializer.Serialize(results, JsonOptions);
}
