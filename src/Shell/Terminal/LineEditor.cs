using System.Text;

namespace FastDb.Shell.Terminal;

/// <summary>How a call to <see cref="LineEditor.ReadLineAsync"/> ended.</summary>
public enum EditOutcome { Line, Interrupted, EndOfInput }

/// <summary>
/// A small readline: Emacs keys, history with reverse search, one row that scrolls sideways (as linenoise's
/// single-line mode), and notices printed above the line being typed. Hand-written because RadLine, used before,
/// has no reverse search or kill/yank, takes Ctrl-C as a signal that ends the process, and cannot print a line above
/// the one being edited from another thread; the keys come from <see cref="KeyInput"/>.
/// </summary>
public sealed class LineEditor(KeyInput keys, History history)
{
    private readonly object _gate = new();
    private readonly StringBuilder _buffer = new();
    private string _prompt = "";
    private int _position;
    private bool _editing;
    private string _killed = "";

    // Reverse search (Ctrl-R) state.
    private bool _searching;
    private readonly StringBuilder _query = new();
    private int _match = -1;
    private string _beforeSearch = "";

    // History walk: _historyIndex == history.Count is the line being typed (saved in _draft while walking).
    private int _historyIndex;
    private string _draft = "";

    public History History => history;

    /// <summary>Reads one line. Ctrl-C gives <see cref="EditOutcome.Interrupted"/>, Ctrl-D on an empty line <see cref="EditOutcome.EndOfInput"/>.</summary>
    public async Task<(EditOutcome Outcome, string Line)> ReadLineAsync(string prompt)
    {
        lock (_gate)
        {
            _prompt = prompt;
            _buffer.Clear();
            _position = 0;
            _historyIndex = history.Count;
            _draft = "";
            _searching = false;
            _editing = true;
            Refresh();
        }
        try
        {
            while (true)
            {
                ConsoleKeyInfo key;
                try
                {
                    key = await keys.ReadAsync().ConfigureAwait(false);
                }
                catch (System.Threading.Channels.ChannelClosedException)
                {
                    return (EditOutcome.EndOfInput, "");
                }
                lock (_gate)
                {
                    var outcome = _searching ? SearchKey(key) : EditKey(key);
                    if (outcome is { } done) return done;
                }
            }
        }
        finally
        {
            lock (_gate) _editing = false;
        }
    }

    /// <summary>
    /// Asks a y/N question on the prompt row (so notices print above it, as above a line being typed); true for y.
    /// Anything else, Ctrl-C included, is no.
    /// </summary>
    public async Task<bool> AskAsync(string question)
    {
        lock (_gate)
        {
            _prompt = question;
            _buffer.Clear();
            _position = 0;
            _searching = false;
            _editing = true;
            Refresh();
        }
        ConsoleKeyInfo key;
        try
        {
            key = await keys.ReadAsync().ConfigureAwait(false);
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
            key = default;
        }
        var yes = key.KeyChar is 'y' or 'Y';
        lock (_gate)
        {
            _editing = false;
            Console.Out.Write(yes ? "y\n" : "n\n");
            Console.Out.Flush();
        }
        return yes;
    }

    /// <summary>
    /// Prints a notice on stderr now: above the line being typed (which is drawn again below it) while a prompt is
    /// showing, else as a plain line.
    /// </summary>
    public void PrintAbove(string line)
    {
        lock (_gate)
        {
            if (_editing) Console.Out.Write("\r\u001b[K");
            Console.Out.Flush();
            Console.Error.Write(line + "\n");
            Console.Error.Flush();
            if (_editing) Refresh();
        }
    }

    private (EditOutcome, string)? EditKey(ConsoleKeyInfo key)
    {
        var control = key.Modifiers.HasFlag(ConsoleModifiers.Control);
        var alt = key.Modifiers.HasFlag(ConsoleModifiers.Alt);
        var c = key.KeyChar;
        switch (key.Key)
        {
            case ConsoleKey.Enter:
                return Accept();
            case ConsoleKey.LeftArrow: Move(_position - 1); return null;
            case ConsoleKey.RightArrow: Move(_position + 1); return null;
            case ConsoleKey.Home: Move(0); return null;
            case ConsoleKey.End: Move(_buffer.Length); return null;
            case ConsoleKey.UpArrow: Walk(-1); return null;
            case ConsoleKey.DownArrow: Walk(+1); return null;
            case ConsoleKey.Delete: DeleteAt(_position); return null;
            case ConsoleKey.Backspace: DeleteAt(_position - 1); return null;
            case ConsoleKey.Tab: Insert("\t"); return null;
        }
        if (alt)
        {
            switch (key.Key)
            {
                case ConsoleKey.B: Move(WordStart(_position)); return null;
                case ConsoleKey.F: Move(WordEnd(_position)); return null;
                case ConsoleKey.D: Kill(_position, WordEnd(_position)); return null;
            }
            return null;
        }
        // A control key is known by its character (Ctrl-A is \u0001) or by Key + Control, depending on the terminal.
        var letter = c is >= '\u0001' and <= '\u001a' ? (char)('A' + c - 1) : control && key.Key is >= ConsoleKey.A and <= ConsoleKey.Z ? (char)('A' + (key.Key - ConsoleKey.A)) : '\0';
        if (c is '\r' or '\n') return Accept();
        if (c == '\b' || c == '\u007f') { DeleteAt(_position - 1); return null; }
        if (letter != '\0' && c != '\t')
        {
            switch (letter)
            {
                case 'A': Move(0); break;
                case 'E': Move(_buffer.Length); break;
                case 'B': Move(_position - 1); break;
                case 'F': Move(_position + 1); break;
                case 'P': Walk(-1); break;
                case 'N': Walk(+1); break;
                case 'H': DeleteAt(_position - 1); break;
                case 'K': Kill(_position, _buffer.Length); break;
                case 'U': Kill(0, _position); break;
                case 'W': Kill(WhitespaceWordStart(_position), _position); break;
                case 'Y': Insert(_killed); break;
                case 'T': Transpose(); break;
                case 'L':
                    Console.Out.Write("\u001b[H\u001b[2J");
                    Refresh();
                    break;
                case 'R': StartSearch(); break;
                case 'C':
                    Console.Out.Write("^C\n");
                    Console.Out.Flush();
                    return (EditOutcome.Interrupted, "");
                case 'D':
                    if (_buffer.Length == 0)
                    {
                        Console.Out.Write("\n");
                        Console.Out.Flush();
                        return (EditOutcome.EndOfInput, "");
                    }
                    DeleteAt(_position);
                    break;
            }
            return null;
        }
        if (c != '\0' && !char.IsControl(c)) Insert(c.ToString());
        return null;
    }

    private (EditOutcome, string) Accept()
    {
        _position = _buffer.Length;
        Refresh();
        Console.Out.Write("\n");
        Console.Out.Flush();
        return (EditOutcome.Line, _buffer.ToString());
    }

    private void Move(int position)
    {
        _position = Math.Clamp(position, 0, _buffer.Length);
        Refresh();
    }

    private void Insert(string text)
    {
        var atEnd = _position == _buffer.Length;
        _buffer.Insert(_position, text);
        _position += text.Length;
        // Typing at the end of a line that fits: just echo (no redraw), as readline does.
        if (atEnd && !text.Contains('\t') && _prompt.Length + _buffer.Length < Width() - 1)
        {
            Console.Out.Write(text);
            Console.Out.Flush();
        }
        else Refresh();
    }

    private void DeleteAt(int index)
    {
        if (index < 0 || index >= _buffer.Length) return;
        _buffer.Remove(index, 1);
        if (index < _position) _position--;
        Refresh();
    }

    /// <summary>Removes [from, to) into the kill buffer (what Ctrl-Y yanks back).</summary>
    private void Kill(int from, int to)
    {
        if (to <= from) return;
        _killed = _buffer.ToString(from, to - from);
        _buffer.Remove(from, to - from);
        _position = from;
        Refresh();
    }

    private void Transpose()
    {
        if (_buffer.Length < 2 || _position == 0) return;
        var at = _position == _buffer.Length ? _position - 1 : _position;
        (_buffer[at - 1], _buffer[at]) = (_buffer[at], _buffer[at - 1]);
        _position = Math.Min(_buffer.Length, at + 1);
        Refresh();
    }

    /// <summary>Ctrl-W's word: back over whitespace, then over non-whitespace (readline's unix-word-rubout).</summary>
    private int WhitespaceWordStart(int from)
    {
        var i = from;
        while (i > 0 && char.IsWhiteSpace(_buffer[i - 1])) i--;
        while (i > 0 && !char.IsWhiteSpace(_buffer[i - 1])) i--;
        return i;
    }

    private int WordStart(int from)
    {
        var i = from;
        while (i > 0 && !char.IsLetterOrDigit(_buffer[i - 1])) i--;
        while (i > 0 && char.IsLetterOrDigit(_buffer[i - 1])) i--;
        return i;
    }

    private int WordEnd(int from)
    {
        var i = from;
        while (i < _buffer.Length && !char.IsLetterOrDigit(_buffer[i])) i++;
        while (i < _buffer.Length && char.IsLetterOrDigit(_buffer[i])) i++;
        return i;
    }

    private void Walk(int step)
    {
        var next = _historyIndex + step;
        if (next < 0 || next > history.Count) return;
        if (_historyIndex == history.Count) _draft = _buffer.ToString();
        _historyIndex = next;
        _buffer.Clear().Append(next == history.Count ? _draft : history[next]);
        _position = _buffer.Length;
        Refresh();
    }

    // ------------------------------------------------------------------------------------------- Ctrl-R

    private void StartSearch()
    {
        _searching = true;
        _query.Clear();
        _match = -1;
        _beforeSearch = _buffer.ToString();
        Refresh();
    }

    private (EditOutcome, string)? SearchKey(ConsoleKeyInfo key)
    {
        var c = key.KeyChar;
        if (c == '\u0012') // Ctrl-R again: the next older match
        {
            Search(_match < 0 ? history.Count - 1 : _match - 1);
            return null;
        }
        if (c is '\u0007' or '\u0003') // Ctrl-G, Ctrl-C: back to the line as it was
        {
            _searching = false;
            _buffer.Clear().Append(_beforeSearch);
            _position = _buffer.Length;
            Refresh();
            return null;
        }
        if (key.Key == ConsoleKey.Backspace || c is '\b' or '\u007f')
        {
            if (_query.Length > 0) _query.Length--;
            Search(history.Count - 1);
            return null;
        }
        if (c != '\0' && !char.IsControl(c) && !key.Modifiers.HasFlag(ConsoleModifiers.Alt))
        {
            _query.Append(c);
            Search(_match < 0 ? history.Count - 1 : _match);
            return null;
        }
        // Any other key takes the match as the line and then does what it does there (Enter runs it).
        _searching = false;
        if (_match >= 0)
        {
            _buffer.Clear().Append(history[_match]);
            _position = Math.Min(_buffer.Length, Math.Max(0, history[_match].LastIndexOf(_query.ToString(), StringComparison.Ordinal)));
            _historyIndex = _match;
        }
        Refresh();
        return EditKey(key);
    }

    /// <summary>The newest entry at or before <paramref name="from"/> containing the query; keeps the last match if none.</summary>
    private void Search(int from)
    {
        var query = _query.ToString();
        for (var i = Math.Min(from, history.Count - 1); i >= 0; i--)
        {
            if (query.Length > 0 && !history[i].Contains(query, StringComparison.Ordinal)) continue;
            _match = i;
            Refresh();
            return;
        }
        _failed = query.Length > 0;
        Refresh();
        _failed = false;
    }

    private bool _failed;

    // ------------------------------------------------------------------------------------------- drawing

    private static int Width()
    {
        try
        {
            var width = Console.WindowWidth;
            return width > 10 ? width : 80;
        }
        catch (IOException)
        {
            return 80;
        }
    }

    /// <summary>Draws the prompt and the line on one row, scrolled so the cursor is visible; newlines show as spaces.</summary>
    private void Refresh()
    {
        string prompt, text;
        int cursor;
        if (_searching)
        {
            var match = _match >= 0 ? history[_match] : "";
            prompt = $"({(_failed ? "failed " : "")}reverse-i-search)`{_query}': ";
            text = match;
            cursor = _match >= 0 ? Math.Max(0, match.LastIndexOf(_query.ToString(), StringComparison.Ordinal)) : 0;
        }
        else
        {
            prompt = _prompt;
            text = _buffer.ToString();
            cursor = _position;
        }
        text = text.Replace('\n', ' ').Replace('\t', ' ');
        var room = Math.Max(1, Width() - prompt.Length - 1);
        var start = cursor >= room ? cursor - room + 1 : 0;
        var shown = text.Substring(start, Math.Min(text.Length - start, room));
        var line = new StringBuilder().Append('\r').Append(prompt).Append(shown).Append("\u001b[K\r");
        var column = prompt.Length + cursor - start;
        if (column > 0) line.Append("\u001b[").Append(column).Append('C');
        Console.Out.Write(line.ToString());
        Console.Out.Flush();
    }
}
