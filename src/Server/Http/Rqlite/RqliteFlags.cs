using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace FastDb.Server.Http.Rqlite;

/// <summary>rqlite's read consistency levels (?level=).</summary>
public enum ReadLevel : byte { None, Weak, Auto, Strong, Linearizable }

/// <summary>
/// The query-string flags of rqlite's data API. A flag is on when present bare or as true/1, off as false/0;
/// any other value, an unknown level or a bad duration is refused (400) rather than guessed.
/// </summary>
public sealed record RqliteFlags(bool Pretty, bool Timings, bool Associative, bool Transaction, bool Redirect, ReadLevel Level, TimeSpan? Freshness)
{
    public static bool TryParse(IQueryCollection query, out RqliteFlags flags, out string error)
    {
        flags = new RqliteFlags(false, false, false, false, false, ReadLevel.Weak, null);
        error = "";
        if (!Flag(query, "pretty", out var pretty, ref error) || !Flag(query, "timings", out var timings, ref error)
            || !Flag(query, "associative", out var associative, ref error) || !Flag(query, "transaction", out var transaction, ref error)
            || !Flag(query, "redirect", out var redirect, ref error))
            return false;
        var level = ReadLevel.Weak;
        if (query.TryGetValue("level", out var levelText))
        {
            switch (levelText.ToString().ToLowerInvariant())
            {
                case "none": level = ReadLevel.None; break;
                case "weak": level = ReadLevel.Weak; break;
                case "auto": level = ReadLevel.Auto; break;
                case "strong": level = ReadLevel.Strong; break;
                case "linearizable": level = ReadLevel.Linearizable; break;
                default:
                    error = $"unknown read level \"{levelText}\": use none, weak, auto, strong or linearizable";
                    return false;
            }
        }
        TimeSpan? freshness = null;
        if (query.TryGetValue("freshness", out var freshnessText))
        {
            if (!TryParseDuration(freshnessText.ToString(), out var parsed))
            {
                error = $"bad freshness \"{freshnessText}\": a duration such as 500ms, 1s or 1m30s";
                return false;
            }
            freshness = parsed;
        }
        flags = new RqliteFlags(pretty, timings, associative, transaction, redirect, level, freshness);
        return true;
    }

    private static bool Flag(IQueryCollection query, string name, out bool on, ref string error)
    {
        on = false;
        if (!query.TryGetValue(name, out var values)) return true;
        var text = values.ToString().ToLowerInvariant();
        if (text is "" or "true" or "1") { on = true; return true; }
        if (text is "false" or "0") return true;
        error = $"bad value for {name}: \"{values}\" (true or false)";
        return false;
    }

    /// <summary>Go's time.ParseDuration for what clients send: a sequence of decimal numbers with units ns, us, µs, ms, s, m, h.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (text.Length == 0 || text.Length > 64) return false;
        if (text == "0") return true;
        double totalMs = 0;
        int pos = 0;
        while (pos < text.Length)
        {
            int start = pos;
            while (pos < text.Length && (char.IsAsciiDigit(text[pos]) || text[pos] == '.')) pos++;
            if (pos == start || !double.TryParse(text.AsSpan(start, pos - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)) return false;
            int unitStart = pos;
            while (pos < text.Length && !char.IsAsciiDigit(text[pos]) && text[pos] != '.') pos++;
            double unitMs = text.AsSpan(unitStart, pos - unitStart) switch
            {
                "ns" => 1e-6, "us" or "µs" => 1e-3, "ms" => 1, "s" => 1000, "m" => 60_000, "h" => 3_600_000, _ => -1,
            };
            if (unitMs < 0) return false;
            totalMs += number * unitMs;
        }
        if (totalMs > TimeSpan.MaxValue.TotalMilliseconds / 2) return false;
        duration = TimeSpan.FromMilliseconds(totalMs);
        return true;
    }
}
