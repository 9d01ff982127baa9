// The QueryEngine's public contract, used by the server (apply path), the forwarder (compact commands on the wire)
// and the tests. Implementation lives in the other files of this project.
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
    public static SqlCommand Recognize(string script) => throw new NotImplementedException();

    /// <summary>Append the binary encoding of this command.</summary>
    public abstract void WriteTo(System.Buffers.IBufferWriter<byte> output);

    /// <summary>Decode a command written by <see cref="WriteTo"/>; throws <see cref="FormatException"/> on bad bytes.</summary>
    public static SqlCommand ReadFrom(ReadOnlySpan<byte> encoded) => throw new NotImplementedException();
}

/// <summary>An in-memory database: the state machine every node applies commands to, in log order.</summary>
public sealed partial class Database
{
    /// <summary>Run a command as the sqlite3 shell would run its script on this database. Never throws.</summary>
    public ExecutionResult Execute(SqlCommand command) => throw new NotImplementedException();

    /// <summary>Convenience: recognize and run a script.</summary>
    public ExecutionResult Execute(string script) => Execute(SqlCommand.Recognize(script));

    /// <summary>Write the whole database (schema, rows, rowids) for a snapshot.</summary>
    public void WriteSnapshot(Stream output) => throw new NotImplementedException();

    /// <summary>Rebuild a database from <see cref="WriteSnapshot"/>; throws <see cref="FormatException"/> on bad bytes.</summary>
    public static Database ReadSnapshot(Stream input) => throw new NotImplementedException();
}
