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

    /// <summary>The column modes' --wrap (sqlite3 3.40.1's default is 60 characters; FastDb has no option to change it).</summary>
    public const int Wrap = 60;

    /// <summary>True while the settings are sqlite3's defaults, so a script needs no prefix to reproduce them.</summary>
    public bool IsDefault => Mode == OutputMode.List && !Headers && !HeadersSet;
}
