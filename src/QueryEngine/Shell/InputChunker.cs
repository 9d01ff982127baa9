namespace FastDb.QueryEngine.Shell;

/// <summary>One unit the shell hands to SQLite: the accumulated text and the line it started on.</summary>
public readonly record struct Chunk(string Text, int StartLine);

/// <summary>The shell's process_input (shell.c 3.40.1): reads lines, accumulates them until the text so far ends in a
/// complete statement (quickscan says the last dark character is ';' and sqlite3_complete agrees), swallows
/// blank lines and comment-only lines between statements, and hands over any incomplete tail at the end.</summary>
public static class InputChunker
{
    // quickscan state: low byte = the quote/comment character awaited, plus two flags.
    private const int HasDark = 0x100, EndingSemi = 0x200, CharMask = 0xff;

    public static List<Chunk> Split(string script)
    {
        var chunks = new List<Chunk>();
        var sql = new System.Text.StringBuilder();
        int lineNo = 0, startLine = 0, qss = 0;
        bool sqlAllocated = false;
        int pos = 0;
        while (pos < script.Length)
        {
            int nl = script.IndexOf('\n', pos);
            string line;
            if (nl < 0) { line = script[pos..]; pos = script.Length; }
            else
            {
                int end = nl;
                if (end > pos && script[end - 1] == '\r') end--;
                line = script[pos..end];
                pos = nl + 1;
            }
            // The shell reads lines as C strings: a NUL ends the line's text.
            int nul = line.IndexOf('\0');
            if (nul >= 0) line = line[..nul];
            lineNo++;

            if ((qss & CharMask) == 0 && IsCommandTerminator(line) && (!sqlAllocated || SqliteComplete.IsComplete(sql + ";")))
                line = ";";
            qss = QuickScan(line, qss);
            if (IsPlainWhite(qss) && sql.Length == 0)
            {
                qss = 0;
                continue;
            }
            if (sql.Length == 0 && line.Length > 0 && (line[0] == '.' || line[0] == '#'))
            {
                // Meta-commands and '#' comment lines are handled by the shell itself, not by SQLite.
                if (line[0] == '.') chunks.Add(new Chunk(line, -lineNo));
                qss = 0;
                continue;
            }
            sqlAllocated = true;
            if (sql.Length == 0)
            {
                int i = 0;
                while (i < line.Length && IsSpace(line[i])) i++;
                sql.Append(line, i, line.Length - i);
                startLine = lineNo;
            }
            else
            {
                sql.Append('\n').Append(line);
            }
            if (sql.Length > 0 && IsSemiTerminated(qss) && SqliteComplete.IsComplete(sql.ToString()))
            {
                chunks.Add(new Chunk(sql.ToString(), startLine));
                sql.Clear();
                qss = 0;
            }
            else if (sql.Length > 0 && IsPlainWhite(qss))
            {
                sql.Clear();
                qss = 0;
            }
        }
        if (sql.Length > 0) chunks.Add(new Chunk(sql.ToString(), startLine));
        return chunks;
    }

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';
    private static bool IsPlainWhite(int qss) => (qss & ~EndingSemi) == 0;
    private static bool IsSemiTerminated(int qss) => (qss & ~HasDark) == EndingSemi;

    /// <summary>A line holding only "/" or "go" (SQL Server / Oracle style terminators).</summary>
    private static bool IsCommandTerminator(string line)
    {
        int i = 0;
        while (i < line.Length && IsSpace(line[i])) i++;
        if (i < line.Length && line[i] == '/') i++;
        else if (i + 1 < line.Length && char.ToLowerInvariant(line[i]) == 'g' && char.ToLowerInvariant(line[i + 1]) == 'o') i += 2;
        else return false;
        return QuickScan(line[i..], 0) == 0;
    }

    /// <summary>shell.c quickscan: tracks quotes and comments across lines and whether the text ends in ';'.</summary>
    private static int QuickScan(string line, int qss)
    {
        int i = 0, n = line.Length;
        char wait = (char)(qss & CharMask);
        while (true)
        {
            if (wait == 0)
            {
                bool toTerm = false;
                while (i < n)
                {
                    char c = line[i++];
                    if (IsSpace(c)) continue;
                    switch (c)
                    {
                        case '-':
                            if (i < n && line[i] == '-') return qss; // comment to end of line
                            break;
                        case ';':
                            qss |= EndingSemi;
                            continue;
                        case '/':
                            if (i < n && line[i] == '*')
                            {
                                i++;
                                wait = '*';
                                qss = (qss & ~CharMask) | wait;
                                toTerm = true;
                            }
                            break;
                        case '[':
                            wait = ']';
                            qss = HasDark | wait;
                            toTerm = true;
                            break;
                        case '`': case '\'': case '"':
                            wait = c;
                            qss = HasDark | wait;
                            toTerm = true;
                            break;
                    }
                    if (toTerm) break;
                    qss = (qss & ~EndingSemi) | HasDark;
                }
                if (!toTerm) return qss;
            }
            else
            {
                bool toPlain = false;
                while (i < n)
                {
                    char c = line[i++];
                    if (c != wait) continue;
                    if (wait == '*')
                    {
                        if (i >= n || line[i] != '/') continue;
                        i++;
                    }
                    else if (wait != ']' && i < n && line[i] == wait)
                    {
                        i++; // doubled quote
                        continue;
                    }
                    wait = '\0';
                    qss = qss & ~CharMask;
                    toPlain = true;
                    break;
                }
                if (!toPlain) return qss;
            }
        }
    }
}

/// <summary>sqlite3_complete (complete.c): true when the text ends with a complete SQL statement.</summary>
public static class SqliteComplete
{
    private const int Semi = 0, Ws = 1, Other = 2, Explain = 3, Create = 4, Temp = 5, Trigger = 6, End = 7;

    private static readonly byte[,] Trans =
    {
        { 1, 0, 2, 3, 4, 2, 2, 2 },
        { 1, 1, 2, 3, 4, 2, 2, 2 },
        { 1, 2, 2, 2, 2, 2, 2, 2 },
        { 1, 3, 3, 2, 4, 2, 2, 2 },
        { 1, 4, 2, 2, 2, 4, 5, 2 },
        { 6, 5, 5, 5, 5, 5, 5, 5 },
        { 6, 6, 5, 5, 5, 5, 5, 7 },
        { 1, 7, 5, 5, 5, 5, 5, 5 },
    };

    private static bool IsIdChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_' || c == '$' || c >= 0x80;

    public static bool IsComplete(string sql)
    {
        int state = 0, i = 0, n = sql.Length;
        while (i < n)
        {
            int token;
            char c = sql[i];
            switch (c)
            {
                case ';': token = Semi; break;
                case ' ': case '\r': case '\t': case '\n': case '\f': token = Ws; break;
                case '/':
                    if (i + 1 >= n || sql[i + 1] != '*') { token = Other; break; }
                    {
                        int end = sql.IndexOf("*/", i + 2, StringComparison.Ordinal);
                        if (end < 0) return false;
                        i = end + 1;
                        token = Ws;
                    }
                    break;
                case '-':
                    if (i + 1 >= n || sql[i + 1] != '-') { token = Other; break; }
                    {
                        int end = sql.IndexOf('\n', i);
                        if (end < 0) return state == 1;
                        i = end;
                        token = Ws;
                    }
                    break;
                case '[':
                    {
                        int end = sql.IndexOf(']', i + 1);
                        if (end < 0) return false;
                        i = end;
                        token = Other;
                    }
                    break;
                case '`': case '"': case '\'':
                    {
                        int end = sql.IndexOf(c, i + 1);
                        if (end < 0) return false;
                        i = end;
                        token = Other;
                    }
                    break;
                default:
                    if (IsIdChar(c))
                    {
                        int start = i;
                        while (i + 1 < n && IsIdChar(sql[i + 1])) i++;
                        var word = sql.AsSpan(start, i - start + 1);
                        token = Other;
                        if (word.Equals("create", StringComparison.OrdinalIgnoreCase)) token = Create;
                        else if (word.Equals("trigger", StringComparison.OrdinalIgnoreCase)) token = Trigger;
                        else if (word.Equals("temp", StringComparison.OrdinalIgnoreCase) || word.Equals("temporary", StringComparison.OrdinalIgnoreCase)) token = Temp;
                        else if (word.Equals("end", StringComparison.OrdinalIgnoreCase)) token = End;
                        else if (word.Equals("explain", StringComparison.OrdinalIgnoreCase)) token = Explain;
                    }
                    else token = Other;
                    break;
            }
            state = Trans[state, token];
            i++;
        }
        return state == 1;
    }
}
