namespace FastDb.QueryEngine.Shell;

/// <summary>The sqlite3 shell's output modes that FastDb renders (shell.c's MODE_*).</summary>
public enum OutputMode { List, Csv, Column, Table, Box, Markdown, Json, Line, Insert }

/// <summary>
/// The part of the sqlite3 shell's state that shapes result rows: the mode, whether column names are shown, and the
/// table name of insert mode. A script starts from sqlite3's defaults (list mode, no headers), as each of octopus's
/// sqlite3 processes does; its own .mode and .headers lines change it from there.
/// </summary>
public sealed class OutputSettings
{
    public OutputMode Mode = OutputMode.List;

    /// <summary>p->showHeader.</summary>
    public bool Headers;

    /// <summary>SHFLG_HeaderSet: once .headers was given, .mode column no longer turns headers on.</summary>
    public bool HeadersSet;

    /// <summary>p->zDestTable, already quoted as set_table_name quotes it.</summary>
    public string InsertTable = "\"table\"";

    /// <summary>.changes on: after each chunk that succeeded, sqlite3_changes and sqlite3_total_changes.</summary>
    public bool CountChanges;

    /// <summary>The table name as given to .mode insert (unquoted).</summary>
    public string InsertTableName = "table";

    /// <summary>The column modes' --wrap (sqlite3 3.40.1's default is 60 characters; FastDb has no option to change it).</summary>
    public const int Wrap = 60;

    /// <summary>True while the settings are sqlite3's defaults, so a script needs no prefix to reproduce them.</summary>
    public bool IsDefault => Mode == OutputMode.List && !Headers && !HeadersSet && !CountChanges;

    /// <summary>modeDescr: the name .mode shows for a mode.</summary>
    public string ModeName => Mode switch
    {
        OutputMode.Line => "line",
        OutputMode.Column => "column",
        OutputMode.Csv => "csv",
        OutputMode.Insert => "insert",
        OutputMode.Json => "json",
        OutputMode.Markdown => "markdown",
        OutputMode.Table => "table",
        OutputMode.Box => "box",
        _ => "list",
    };

    /// <summary>
    /// The dot-command lines that bring a fresh sqlite3 shell to these settings ("" for the defaults): what a client
    /// puts before a statement so that the server renders it as this session's sqlite3 would. Headers that
    /// .mode column turned on (without .headers) are reproduced the same way, so a later .mode column still may.
    /// </summary>
    public string ScriptPrefix()
    {
        if (IsDefault) return "";
        var prefix = new System.Text.StringBuilder();
        if (CountChanges) prefix.Append(".changes on\n");
        if (HeadersSet) prefix.Append(".headers ").Append(Headers ? "on" : "off").Append('\n');
        else if (Headers) prefix.Append(".mode column\n");
        prefix.Append(".mode ").Append(ModeName);
        if (Mode == OutputMode.Insert)
        {
            char quote = InsertTableName.Contains('\'') ? '"' : '\'';
            prefix.Append(' ').Append(quote).Append(InsertTableName).Append(quote);
        }
        return prefix.Append('\n').ToString();
    }
}
