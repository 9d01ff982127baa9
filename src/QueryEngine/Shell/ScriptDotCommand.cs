using System.Text;

namespace FastDb.QueryEngine.Shell;

/// <summary>
/// A dot-command line inside a script, as sqlite3 3.40.1's do_meta_command treats it: the arguments split on blanks
/// (or quoted), the command named by any prefix of its name. FastDb runs those that shape the output, <c>.headers</c>,
/// <c>.mode</c> (list, csv, column, table, box, markdown, json, line, insert) and <c>.changes</c>, with sqlite3's
/// messages; any other
/// sqlite3 command is refused in FastDb's words; a name sqlite3 does not know gets sqlite3's own error.
/// </summary>
public static class ScriptDotCommand
{
    /// <summary>The sqlite3 3.40.1 shell's commands, to tell a command FastDb refuses from one sqlite3 does not know.</summary>
    private static readonly string[] Sqlite3Commands =
    [
        "archive", "auth", "backup", "bail", "binary", "cd", "changes", "check", "clone", "connection", "databases",
        "dbconfig", "dbinfo", "dump", "echo", "eqp", "excel", "exit", "expert", "explain", "filectrl", "fullschema",
        "headers", "help", "import", "imposter", "indexes", "indices", "limit", "lint", "load", "log", "mode", "nonce",
        "nullvalue", "once", "open", "output", "parameter", "print", "progress", "prompt", "quit", "read", "recover",
        "restore", "save", "scanstats", "schema", "selftest", "separator", "session", "sha3sum", "shell", "show",
        "stats", "system", "tables", "testcase", "testctrl", "timeout", "timer", "trace", "unmodule", "version",
        "vfsinfo", "vfslist", "vfsname", "width",
    ];

    /// <summary>Runs one line (starting with '.'); false when sqlite3 would count it as an error.</summary>
    public static bool Run(string line, OutputSettings settings, StringBuilder stdout, StringBuilder stderr)
    {
        var args = Arguments(line);
        if (args.Count == 0) return true;
        var name = args[0];
        if (IsPrefixOf(name, "headers")) return Headers(args, settings, stderr);
        if (IsPrefixOf(name, "mode")) return Mode(args, settings, stdout, stderr);
        if (name.Length >= 3 && IsPrefixOf(name, "changes"))
        {
            if (args.Count != 2)
            {
                stderr.Append("Usage: .changes on|off\n");
                return false;
            }
            settings.CountChanges = BooleanValue(args[1], stderr);
            return true;
        }
        if (Sqlite3Commands.Any(c => IsPrefixOf(name, c)))
        {
            stderr.Append("Error: FastDb runs only the dot-commands .headers, .mode and .changes inside a script, not \".").Append(name).Append("\"\n");
            return false;
        }
        stderr.Append("Error: unknown command or invalid arguments:  \"").Append(name).Append("\". Enter \".help\" for help\n");
        return false;
    }

    private static bool IsPrefixOf(string word, string command) =>
        word.Length > 0 && word.Length <= command.Length && string.CompareOrdinal(command, 0, word, 0, word.Length) == 0;

    private static bool Headers(List<string> args, OutputSettings settings, StringBuilder stderr)
    {
        if (args.Count != 2)
        {
            stderr.Append("Usage: .headers on|off\n");
            return false;
        }
        settings.Headers = BooleanValue(args[1], stderr);
        settings.HeadersSet = true;
        return true;
    }

    private static bool Mode(List<string> args, OutputSettings settings, StringBuilder stdout, StringBuilder stderr)
    {
        string? mode = null, table = null;
        for (int i = 1; i < args.Count; i++)
        {
            var z = args[i];
            if (z.TrimStart('-') is "wrap" or "ww" or "wordwrap" or "quote" or "noquote" && z.StartsWith('-') && z.Length - z.TrimStart('-').Length <= 2)
            {
                stderr.Append("Error: FastDb does not support .mode's option ").Append(z).Append(" (the column modes wrap at 60 characters, as sqlite3's default)\n");
                return false;
            }
            if (mode is null) mode = z;
            else if (table is null) table = z;
            else if (z.StartsWith('-'))
            {
                stderr.Append("unknown option: ").Append(z).Append('\n')
                    .Append("options:\n  --noquote\n  --quote\n  --wordwrap on/off\n  --wrap N\n  --ww\n");
                return false;
            }
            else
            {
                stderr.Append("extra argument: \"").Append(z).Append("\"\n");
                return false;
            }
        }
        if (mode is null)
        {
            stdout.Append("current output mode: ").Append(settings.ModeName);
            if (settings.Mode is OutputMode.Column or OutputMode.Table or OutputMode.Box or OutputMode.Markdown)
                stdout.Append(" --wrap ").Append(OutputSettings.Wrap).Append(" --wordwrap off --noquote");
            stdout.Append('\n');
            mode = settings.ModeName;
        }
        // The first name that the given word is a prefix of, in the order sqlite3 tries them.
        string[] order = ["lines", "columns", "list", "html", "tcl", "csv", "tabs", "insert", "quote", "ascii", "markdown", "table", "box", "count", "off", "json"];
        var chosen = order.FirstOrDefault(m => mode.Length <= m.Length && string.CompareOrdinal(m, 0, mode, 0, mode.Length) == 0);
        if (mode == "qbox") chosen = "qbox";
        switch (chosen)
        {
            case "lines": settings.Mode = OutputMode.Line; break;
            case "columns":
                settings.Mode = OutputMode.Column;
                if (!settings.HeadersSet) settings.Headers = true;
                break;
            case "list": settings.Mode = OutputMode.List; break;
            case "csv": settings.Mode = OutputMode.Csv; break;
            case "insert":
                settings.Mode = OutputMode.Insert;
                settings.InsertTableName = table ?? "table";
                settings.InsertTable = ShellQuoting.QuoteName(settings.InsertTableName);
                break;
            case "markdown": settings.Mode = OutputMode.Markdown; break;
            case "table": settings.Mode = OutputMode.Table; break;
            case "box": settings.Mode = OutputMode.Box; break;
            case "json": settings.Mode = OutputMode.Json; break;
            case null:
                stderr.Append("Error: mode should be one of: ascii box column csv html insert json line list markdown qbox quote table tabs tcl\n");
                return false;
            default:
                stderr.Append("Error: FastDb does not support .mode ").Append(chosen)
                    .Append(" (only list, csv, column, table, box, markdown, json, line and insert)\n");
                return false;
        }
        return true;
    }

    /// <summary>booleanValue: digits (or 0x and hex digits) as a number whose low 32 bits decide, on/yes, off/no;
    /// anything else is "no", with sqlite3's complaint on stderr.</summary>
    private static bool BooleanValue(string text, StringBuilder stderr)
    {
        int i;
        ulong value = 0;
        if (text.StartsWith("0x", StringComparison.Ordinal))
        {
            for (i = 2; i < text.Length && Uri.IsHexDigit(text[i]); i++) value = unchecked(value * 16 + (ulong)Convert.ToInt32(text[i].ToString(), 16));
        }
        else
        {
            for (i = 0; i < text.Length && char.IsAsciiDigit(text[i]); i++) value = unchecked(value * 10 + (ulong)(text[i] - '0'));
        }
        if (i > 0 && i == text.Length) return (value & 0xffffffff) != 0;
        if (text.Equals("on", StringComparison.OrdinalIgnoreCase) || text.Equals("yes", StringComparison.OrdinalIgnoreCase)) return true;
        if (text.Equals("off", StringComparison.OrdinalIgnoreCase) || text.Equals("no", StringComparison.OrdinalIgnoreCase)) return false;
        stderr.Append("ERROR: Not a boolean value: \"").Append(text).Append("\". Assuming \"no\".\n");
        return false;
    }

    /// <summary>do_meta_command's tokenizer: blank-separated words, or '...' / "..." quoted ones, after the '.'.</summary>
    private static List<string> Arguments(string line)
    {
        var args = new List<string>();
        int h = 1;
        while (h < line.Length)
        {
            while (h < line.Length && IsSpace(line[h])) h++;
            if (h >= line.Length) break;
            if (line[h] is '\'' or '"')
            {
                char delim = line[h++];
                int start = h;
                while (h < line.Length && line[h] != delim)
                {
                    if (line[h] == '\\' && delim == '"' && h + 1 < line.Length) h++;
                    h++;
                }
                args.Add(line[start..Math.Min(h, line.Length)]);
                if (h < line.Length) h++;
            }
            else
            {
                int start = h;
                while (h < line.Length && !IsSpace(line[h])) h++;
                args.Add(line[start..h]);
            }
        }
        return args;
    }

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';
}
