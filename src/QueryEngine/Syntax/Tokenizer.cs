namespace FastDb.QueryEngine.Syntax;

/// <summary>SQLite's tokenizer (tokenize.c) over one statement text: skips spaces and comments, yields tokens lazily
/// so that errors surface in the same order as SQLite's incremental parse.</summary>
public sealed class Tokenizer
{
    private readonly string _sql;
    private int _pos;

    public Tokenizer(string sql, int start = 0) { _sql = sql; _pos = start; }

    public string Sql => _sql;
    public int Position => _pos;

    private static bool IsIdStart(char c) => char.IsAsciiLetter(c) || c == '_' || c >= 0x80;
    private static bool IsIdChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_' || c == '$' || c >= 0x80;
    private static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\f' or '\r';

    /// <summary>Next significant token (spaces and comments skipped).</summary>
    public Token Next()
    {
        while (true)
        {
            int n = _sql.Length;
            if (_pos >= n) return new Token(TokenKind.End, n, 0, "");
            char c = _sql[_pos];
            if (IsSpace(c)) { _pos++; continue; }
            if (c == '-' && _pos + 1 < n && _sql[_pos + 1] == '-')
            {
                while (_pos < n && _sql[_pos] != '\n') _pos++;
                continue;
            }
            if (c == '/' && _pos + 1 < n && _sql[_pos + 1] == '*')
            {
                int end = _sql.IndexOf("*/", _pos + 2, StringComparison.Ordinal);
                _pos = end < 0 ? n : end + 2;
                continue;
            }
            return Read(c);
        }
    }

    private Token Make(TokenKind kind, int start, string? text = null, char quote = '\0')
    {
        _pos = Math.Max(_pos, start + 1);
        return new Token(kind, start, _pos - start, text ?? _sql[start.._pos], quote);
    }

    private Token Read(char c)
    {
        int start = _pos, n = _sql.Length;
        switch (c)
        {
            case ';': _pos++; return Make(TokenKind.Semicolon, start);
            case '(': case ')': case ',': case '+': case '*': case '/': case '%': case '&': case '~':
                _pos++; return Make(TokenKind.Operator, start);
            case '-':
                // tokenize.c's TK_PTR: "->" and "->>" (the JSON operators).
                if (_pos + 1 < n && _sql[_pos + 1] == '>') { _pos += _pos + 2 < n && _sql[_pos + 2] == '>' ? 3 : 2; return Make(TokenKind.Operator, start); }
                _pos++; return Make(TokenKind.Operator, start);
            case '=':
                _pos += _pos + 1 < n && _sql[_pos + 1] == '=' ? 2 : 1;
                return Make(TokenKind.Operator, start, "=");
            case '<':
                if (_pos + 1 < n && (_sql[_pos + 1] == '=' || _sql[_pos + 1] == '>' || _sql[_pos + 1] == '<')) _pos += 2; else _pos++;
                return Make(TokenKind.Operator, start);
            case '>':
                if (_pos + 1 < n && (_sql[_pos + 1] == '=' || _sql[_pos + 1] == '>')) _pos += 2; else _pos++;
                return Make(TokenKind.Operator, start);
            case '!':
                if (_pos + 1 < n && _sql[_pos + 1] == '=') { _pos += 2; return Make(TokenKind.Operator, start, "!="); }
                _pos++; return Make(TokenKind.Illegal, start);
            case '|':
                if (_pos + 1 < n && _sql[_pos + 1] == '|') { _pos += 2; return Make(TokenKind.Operator, start); }
                _pos++; return Make(TokenKind.Operator, start);
            case '\'': case '"': case '`':
                return ReadQuoted(c, c);
            case '[':
            {
                int end = _sql.IndexOf(']', _pos + 1);
                if (end < 0) { _pos = n; return Make(TokenKind.Illegal, start); }
                _pos = end + 1;
                return Make(TokenKind.Identifier, start, _sql[(start + 1)..end], '[');
            }
            case '.':
                if (_pos + 1 < n && char.IsAsciiDigit(_sql[_pos + 1])) return ReadNumber();
                _pos++; return Make(TokenKind.Operator, start);
            case '?':
                _pos++;
                while (_pos < n && char.IsAsciiDigit(_sql[_pos])) _pos++;
                return Make(TokenKind.Variable, start);
            case ':': case '@': case '$':
                _pos++;
                while (_pos < n && IsIdChar(_sql[_pos])) _pos++;
                return Make(_pos - start > 1 ? TokenKind.Variable : TokenKind.Illegal, start);
        }
        if (char.IsAsciiDigit(c)) return ReadNumber();
        if ((c == 'x' || c == 'X') && _pos + 1 < n && _sql[_pos + 1] == '\'')
        {
            // tokenize.c's CC_X: hex digits then a quote, an even number of them; otherwise an illegal token that
            // runs to the next quote (included) or the end.
            int i = _pos + 2;
            while (i < n && char.IsAsciiHexDigit(_sql[i])) i++;
            var kind = TokenKind.Blob;
            if (i >= n || _sql[i] != '\'' || (i - _pos) % 2 == 1)
            {
                kind = TokenKind.Illegal;
                while (i < n && _sql[i] != '\'') i++;
            }
            _pos = i < n ? i + 1 : n;
            return Make(kind, start);
        }
        if (IsIdStart(c))
        {
            _pos++;
            while (_pos < n && IsIdChar(_sql[_pos])) _pos++;
            string word = _sql[start.._pos];
            string upper = word.ToUpperInvariant();
            if (Keywords.IsKeyword(upper)) return Make(TokenKind.Keyword, start, upper);
            return Make(TokenKind.Identifier, start, word);
        }
        _pos++;
        if (char.IsHighSurrogate(c) && _pos < n) _pos++;
        return Make(TokenKind.Illegal, start);
    }

    private Token ReadQuoted(char open, char close)
    {
        int start = _pos, n = _sql.Length;
        var sb = new System.Text.StringBuilder();
        int i = _pos + 1;
        while (true)
        {
            if (i >= n) { _pos = n; return Make(TokenKind.Illegal, start); }
            char ch = _sql[i];
            if (ch == close)
            {
                if (i + 1 < n && _sql[i + 1] == close) { sb.Append(close); i += 2; continue; }
                i++;
                break;
            }
            sb.Append(ch);
            i++;
        }
        _pos = i;
        return Make(open == '\'' ? TokenKind.String : TokenKind.Identifier, start, sb.ToString(), open);
    }

    private Token ReadNumber()
    {
        int start = _pos, n = _sql.Length;
        bool isFloat = false;
        if (_sql[_pos] == '0' && _pos + 2 < n && (_sql[_pos + 1] == 'x' || _sql[_pos + 1] == 'X') && char.IsAsciiHexDigit(_sql[_pos + 2]))
        {
            _pos += 2;
            while (_pos < n && char.IsAsciiHexDigit(_sql[_pos])) _pos++;
        }
        else
        {
            while (_pos < n && char.IsAsciiDigit(_sql[_pos])) _pos++;
            if (_pos < n && _sql[_pos] == '.')
            {
                isFloat = true;
                _pos++;
                while (_pos < n && char.IsAsciiDigit(_sql[_pos])) _pos++;
            }
            if (_pos < n && (_sql[_pos] == 'e' || _sql[_pos] == 'E')
                && ((_pos + 1 < n && char.IsAsciiDigit(_sql[_pos + 1]))
                    || (_pos + 2 < n && (_sql[_pos + 1] == '+' || _sql[_pos + 1] == '-') && char.IsAsciiDigit(_sql[_pos + 2]))))
            {
                isFloat = true;
                _pos += 2;
                while (_pos < n && char.IsAsciiDigit(_sql[_pos])) _pos++;
            }
        }
        // A number glued to a name character is one unrecognized token ("12abc").
        if (_pos < n && IsIdChar(_sql[_pos]))
        {
            while (_pos < n && IsIdChar(_sql[_pos])) _pos++;
            return Make(TokenKind.Illegal, start);
        }
        return Make(isFloat ? TokenKind.Float : TokenKind.Integer, start);
    }
}
