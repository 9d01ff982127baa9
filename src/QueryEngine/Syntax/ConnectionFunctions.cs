using FastDb.QueryEngine.Values;

namespace FastDb.QueryEngine.Syntax;

/// <summary>What the connection functions read: the executor's counters as sqlite3's connection holds them.</summary>
public interface IConnectionState
{
    /// <summary>sqlite3_changes as a statement sees it while it runs: the last completed INSERT, UPDATE or DELETE's
    /// (db->nChange is set when a statement halts, so a DML's own rows are not counted yet).</summary>
    long ChangesSoFar { get; }

    /// <summary>sqlite3_total_changes, also updated when a statement halts.</summary>
    long TotalChanges { get; }

    /// <summary>sqlite3_last_insert_rowid: set by each row an INSERT adds, as it adds it (a multi-row VALUES sees the
    /// row before it), and kept when the statement then fails.</summary>
    long LastInsertRowId { get; }

    /// <summary>A last_insert_rowid() call is being bound (an INSERT ... SELECT the executor runs whole first must not hold one).</summary>
    void BindingLastInsertRowId();
}

/// <summary>changes(), total_changes() and last_insert_rowid() (func.c). A script is one sqlite3 process, so they
/// start at 0 with every script and are the same on every node. Never constant: each call reads the counter.</summary>
public sealed class ConnectionFunctionExpr(string name, IConnectionState state) : Expr
{
    private readonly string _name = name;

    public override Expr Bind(Scope scope) => this;

    public override SqlValue Eval(RowContext row) => SqlValue.FromInteger(_name switch
    {
        "changes" => state.ChangesSoFar,
        "total_changes" => state.TotalChanges,
        _ => state.LastInsertRowId,
    });

    /// <summary>The call of one of them (lower-case <paramref name="name"/>) without arguments, bound.</summary>
    public static Expr Bind(string name, Scope scope, int offset)
    {
        if (name == "sqlite_version") return new LiteralExpr(SqlValue.FromText(SqliteVersion)) { Offset = offset };
        if (name == "sqlite_source_id") return new LiteralExpr(SqlValue.FromText(SqliteSourceId)) { Offset = offset };
        if ((scope.Connection ?? scope.Host as IConnectionState) is not { } state)
            throw new SqlParseException("FastDb does not support " + name + "() here");
        if (name == "last_insert_rowid") state.BindingLastInsertRowId();
        return new ConnectionFunctionExpr(name, state) { Offset = offset };
    }

    /// <summary>sqlite_version(): the shell FastDb answers as.</summary>
    public const string SqliteVersion = "3.40.1";

    /// <summary>sqlite_source_id() of that shell, Debian 12's 3.40.1 (the reference FastDb answers as, see
    /// sqlite3-shell.md): the release's check-in date and hash, its last four digits "alt1" because the
    /// distribution patched the source. Like the version, it names the SQLite FastDb reproduces, the same on every
    /// node.</summary>
    public const string SqliteSourceId = "2022-12-28 14:03:47 df5c253c0b3dd24916e4ec7cf77d3db5294cc9fd45ae7b9c5e82ad8197f3alt1";
}
