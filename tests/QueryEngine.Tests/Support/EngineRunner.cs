using System.Buffers;

namespace FastDb.QueryEngine.Tests.Support;

/// <summary>
/// Drives the engine the way a node will: every command goes through its binary encoding (WriteTo, ReadFrom) before it
/// runs, and a database can be carried through a snapshot. A twin database runs every command through the server's
/// body-writing path (Execute into an IBufferWriter, the CTF fast path's direct UTF-8 output) and never goes through a
/// snapshot, so both a body-path difference and state lost by a snapshot show up. Anything the engine throws becomes a
/// visible result, so the differential tests report the seed instead of dying.
/// </summary>
public sealed class EngineRunner
{
    public Database Database { get; private set; } = new();

    readonly Database _bodyTwin = new();

    /// <summary>Encode, decode, check the encoding is stable, then execute.</summary>
    public ShellResult Execute(SqlCommand command)
    {
        try
        {
            var decoded = RoundTrip(command, out var problem);
            if (problem is not null) return Failure(problem);
            var result = Database.Execute(decoded);
            var body = new ArrayBufferWriter<byte>();
            var exitCode = _bodyTwin.Execute(decoded, body);
            var bodyText = System.Text.Encoding.UTF8.GetString(body.WrittenSpan);
            if (exitCode != result.ExitCode || bodyText != result.Body)
            {
                return Failure($"Execute(command, IBufferWriter) gave exit {exitCode} and body «{OracleAssert.Escape(bodyText)}», " +
                               $"Execute(command) gave exit {result.ExitCode} and body «{OracleAssert.Escape(result.Body)}»");
            }
            return OracleAssert.ToShellResult(result);
        }
        catch (Exception e)
        {
            return Failure($"engine threw {e}");
        }
    }

    /// <summary>Run a script as the shell would read it from stdin.</summary>
    public ShellResult ExecuteScript(string script)
    {
        SqlCommand command;
        try { command = SqlCommand.Recognize(script); }
        catch (Exception e) { return Failure($"Recognize threw {e}"); }
        return Execute(command);
    }

    /// <summary>Replace the database by what its snapshot decodes to; null when that worked, else what went wrong.</summary>
    public string? SnapshotAndRestore()
    {
        try
        {
            using var stream = new MemoryStream();
            Database.WriteSnapshot(stream);
            var bytes = stream.ToArray();
            var restored = Database.ReadSnapshot(new MemoryStream(bytes));
            using var again = new MemoryStream();
            restored.WriteSnapshot(again);
            if (!again.ToArray().AsSpan().SequenceEqual(bytes)) return "snapshot of the restored database differs from the original snapshot";
            Database = restored;
            return null;
        }
        catch (Exception e)
        {
            return $"snapshot/restore threw {e}";
        }
    }

    /// <summary>The command as another node would see it; <paramref name="problem"/> says why not, if it cannot.</summary>
    public static SqlCommand RoundTrip(SqlCommand command, out string? problem)
    {
        var first = Encode(command);
        var decoded = SqlCommand.ReadFrom(first);
        var second = Encode(decoded);
        problem = first.AsSpan().SequenceEqual(second) ? null
            : $"encoding is not stable: {Convert.ToHexString(first)} decodes and re-encodes as {Convert.ToHexString(second)}";
        return decoded;
    }

    public static byte[] Encode(SqlCommand command)
    {
        var writer = new ArrayBufferWriter<byte>();
        command.WriteTo(writer);
        return writer.WrittenSpan.ToArray();
    }

    static ShellResult Failure(string message) => new("", "ENGINE FAILURE: " + message + "\n", -1);
}
