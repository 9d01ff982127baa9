// The QueryEngine's public contract, used by the server (apply path), the forwarder (compact commands on the wire)
// and the tests. Implementation lives in the other files of this project.
using System.Buffers;
using FastDb.QueryEngine.Commands;
using FastDb.QueryEngine.Shell;
using FastDb.QueryEngine.Storage;

namespace FastDb.QueryEngine;

/// <summary>What the sqlite3 shell would have produced for one script, and the body FastDb returns.</summary>
public readonly record struct ExecutionResult(string Stdout, string Stderr, int ExitCode)
{
    /// <summary>The HTTP body after the SequenceNumber line: stdout when nothing failed, else stderr alone.</summary>
    public string Body => ExitCode == 0 ? Stdout : Stderr;
}

/// <summary>
/// The recognized, compact form of a script: what travels between nodes and in the Raft log. The CTF update has a
/// fast path that encodes in a few bytes; anything else carries its text. A script that does not parse is still a
/// command (its error text depends on the table state, so it is sequenced like any other).
/// </summary>
public abstract partial class SqlCommand
{
    /// <summary>Recognize a script. Never throws.</summary>
    public static SqlCommand Recognize(string script) =>
        (SqlCommand?)CtfUpdateCommand.TryRecognize(script ?? "") ?? new ScriptCommand(script ?? "");

    /// <summary>Recognize an HTTP request body: exactly <c>Recognize(body + ";")</c>, because octopus's oracle feeds
    /// the shell the query plus ";". Never throws.</summary>
    public static SqlCommand RecognizeRequest(string body) =>
        (SqlCommand?)CtfUpdateCommand.TryRecognize(body ?? "") ?? new ScriptCommand((body ?? "") + ";");

    /// <summary>The script this command stands for (what the sqlite3 shell would be fed).</summary>
    public abstract string Script { get; }

    /// <summary>Append the binary encoding of this command.</summary>
    public abstract void WriteTo(IBufferWriter<byte> output);

    /// <summary>Decode a command written by <see cref="WriteTo"/>; throws <see cref="FormatException"/> on bad bytes.</summary>
    public static SqlCommand ReadFrom(ReadOnlySpan<byte> encoded) => CommandCodec.Read(encoded);

    /// <summary>The encoding as a fresh array (convenience for tests and logs).</summary>
    public byte[] ToBytes()
    {
        var w = new ArrayBufferWriter<byte>(32);
        WriteTo(w);
        return w.WrittenSpan.ToArray();
    }
}

/// <summary>An in-memory database: the state machine every node applies commands to, in log order.</summary>
public sealed partial class Database
{
    private readonly Catalog _catalog;
    private readonly ShellRunner _shell;

    public Database() : this(new Catalog()) { }

    private Database(Catalog catalog)
    {
        _catalog = catalog;
        _shell = new ShellRunner(catalog);
    }

    /// <summary>Run a command as the sqlite3 shell would run its script on this database. Never throws.</summary>
    public ExecutionResult Execute(SqlCommand command)
    {
        try
        {
            if (command is CtfUpdateCommand ctf && CtfFastPath.TryExecute(_catalog, ctf, out string? rows))
                return new ExecutionResult(rows!, "", 0);
            if (command is Statements.StatementsCommand list) return new ExecutionResult(RunStatements(list).ResultsJson, "", 0);
            return _shell.Run(command.Script);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Last resort: a bug must become an error text, never a crash of the node.
            return new ExecutionResult("", "Error: FastDb internal error: " + e.GetType().Name + ": " + e.Message + "\n", 1);
        }
    }

    /// <summary>Run a command and write only the body (stdout, or stderr alone on failure) as UTF-8. Returns the exit
    /// code. The CTF fast path writes the rows straight into <paramref name="body"/> without building a string.</summary>
    public int Execute(SqlCommand command, IBufferWriter<byte> body)
    {
        try
        {
            if (command is CtfUpdateCommand ctf && CtfFastPath.TryExecute(_catalog, ctf, body)) return 0;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            WriteUtf8(body, "Error: FastDb internal error: " + e.GetType().Name + ": " + e.Message + "\n");
            return 1;
        }
        var result = Execute(command);
        WriteUtf8(body, result.Body);
        return result.ExitCode;
    }

    private static void WriteUtf8(IBufferWriter<byte> output, string text)
    {
        var span = output.GetSpan(System.Text.Encoding.UTF8.GetMaxByteCount(text.Length));
        int n = System.Text.Encoding.UTF8.GetBytes(text, span);
        output.Advance(n);
    }

    /// <summary>Convenience: recognize and run a script.</summary>
    public ExecutionResult Execute(string script) => Execute(SqlCommand.Recognize(script));

    /// <summary>Write the whole database (schema, rows, rowids) for a snapshot.</summary>
    public void WriteSnapshot(Stream output) => SnapshotCodec.Write(_catalog, output);

    /// <summary>Rebuild a database from <see cref="WriteSnapshot"/>; throws <see cref="FormatException"/> on bad bytes.</summary>
    public static Database ReadSnapshot(Stream input) => new(SnapshotCodec.Read(input));
}
