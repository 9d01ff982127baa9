namespace FastDb.QueryEngine.Syntax;

/// <summary>A failure while preparing a statement: printed as "Parse error", with the caret when the offset is known.</summary>
public sealed class SqlParseException(string message, int offset = -1, int code = 1) : Exception(message)
{
    /// <summary>Offset in the statement text (from where prepare started), or -1 when SQLite records none.</summary>
    public int Offset { get; } = offset;

    /// <summary>The result code prepare returned; the shell appends it as " (N)" when above 1 (TOOBIG is 18).</summary>
    public int Code { get; } = code;
}

/// <summary>A failure while running a statement: printed as "Runtime error ... (code)" when the code is above 1.</summary>
public sealed class SqlRuntimeException(string message, int code) : Exception(message)
{
    public int Code { get; } = code;

    public const int Error = 1, Constraint = 19, Mismatch = 20;
}
