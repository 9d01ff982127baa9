using System.Globalization;
using System.Text.RegularExpressions;

namespace FastDb.Harness.Cli;

/// <summary>Parses durations the way octopus's -duration flag reads them (Go's time.ParseDuration): 30s, 1m30s, 500ms, 1.5s.</summary>
public static partial class GoDuration
{
    [GeneratedRegex(@"^(?:(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+$")]
    private static partial Regex Whole();

    [GeneratedRegex(@"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")]
    private static partial Regex Part();

    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (text == "0") return true;
        if (!Whole().IsMatch(text)) return false;
        double ms = 0;
        foreach (Match m in Part().Matches(text))
        {
            double v = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            ms += m.Groups[2].Value switch
            {
                "ns" => v / 1e6,
                "us" or "µs" => v / 1e3,
                "ms" => v,
                "s" => v * 1e3,
                "m" => v * 60e3,
                _ => v * 3600e3,
            };
        }
        duration = TimeSpan.FromMilliseconds(ms);
        return true;
    }
}
