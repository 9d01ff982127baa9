using System.Globalization;

namespace FastDb.Harness.Reporting;

/// <summary>
/// The live progress line: elapsed time, correct queries, recent rate, current score and monkey events. On a
/// terminal one line is rewritten in place; otherwise a plain line is printed every few seconds.
/// </summary>
public sealed class ProgressDisplay
{
    private readonly TextWriter _out;
    private readonly bool _interactive;
    private readonly TimeSpan _period;
    private int _lastWidth;

    public ProgressDisplay(TextWriter output, bool interactive)
    {
        _out = output;
        _interactive = interactive;
        _period = interactive ? TimeSpan.FromMilliseconds(250) : TimeSpan.FromSeconds(5);
    }

    public sealed record Snapshot(double ElapsedSeconds, long Correct, double RatePerSecond, double Score, int MonkeyEvents,
        string LastEvent, long NextSequence, int Pending);

    public static string Format(Snapshot s) => string.Create(CultureInfo.InvariantCulture,
        $"[{s.ElapsedSeconds,5:F1}s] correct {s.Correct,6}  rate {s.RatePerSecond,6:F1}/s  score {s.Score,8:F0}  seq {s.NextSequence} (+{s.Pending} pending)  monkeys {s.MonkeyEvents}: {s.LastEvent}");

    public async Task RunAsync(Func<Snapshot> snapshot, CancellationToken token)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_period, token).ConfigureAwait(false);
                Print(snapshot());
            }
        }
        catch (OperationCanceledException) { }
        if (_interactive) _out.WriteLine();
    }

    private void Print(Snapshot s)
    {
        string line = Format(s);
        if (!_interactive)
        {
            _out.WriteLine(line);
            return;
        }
        int width;
        try { width = Math.Max(40, Console.WindowWidth - 1); } catch (IOException) { width = 160; }
        if (line.Length > width) line = line[..width];
        _out.Write("\r" + line.PadRight(Math.Max(line.Length, _lastWidth)));
        _lastWidth = line.Length;
    }
}
