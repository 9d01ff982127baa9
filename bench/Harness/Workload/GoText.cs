using System.Text;

namespace FastDb.Harness.Workload;

/// <summary>Text formatting the way octopus's Go code prints it, so messages read the same.</summary>
public static class GoText
{
    /// <summary>Go's %#v of a string: double-quoted with Go escapes.</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (Rune r in s.EnumerateRunes())
        {
            switch (r.Value)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\a': sb.Append("\\a"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\v': sb.Append("\\v"); break;
                default:
                    if (r.Value < 0x20 || r.Value == 0x7f) sb.Append($"\\x{r.Value:x2}");
                    else if (r == Rune.ReplacementChar) sb.Append("\\ufffd");
                    else sb.Append(r.ToString());
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    /// <summary>octopus util.FmtOutput: a multi-line output between triple quotes, otherwise quoted.</summary>
    public static string FmtOutput(byte[] output)
    {
        string o = Encoding.UTF8.GetString(output);
        return o.Contains('\n') ? $"\"\"\"\n{o}\"\"\"" : Quote(o);
    }
}
