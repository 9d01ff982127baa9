namespace FastDb.QueryEngine.Syntax;

public enum TokenKind : byte
{
    End,        // end of the text (SQLite feeds a virtual ";" there: errors at it are "incomplete input")
    Semicolon,
    Identifier, // bare word that is not a reserved keyword here, or "..", `..`, [..] quoted name
    Keyword,    // reserved or fallback keyword (Text holds the upper-case word)
    String,     // '...'
    Integer,
    Float,
    Operator,   // punctuation: ( ) , . + - * / % = == != <> < <= > >= || & | << >> ~
    Variable,   // ? :x @x $x
    Blob,       // x'..'
    Illegal,    // unrecognized token
}

/// <summary>One token: its kind, where it starts in the statement text (for "near" and the caret), and its text.</summary>
public readonly record struct Token(TokenKind Kind, int Start, int Length, string Text, char Quote = '\0')
{
    public bool Is(string keyword) => Kind == TokenKind.Keyword && Text == keyword;
    public bool IsOp(string op) => Kind == TokenKind.Operator && Text == op;
}
