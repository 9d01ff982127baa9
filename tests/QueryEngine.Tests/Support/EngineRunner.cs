using System.Buffers;

namespace FastDb.QueryEngine.Tests.Support;

/// <summary>
/// Drives the engine the way a node will: every command goes through its binary encoding (WriteTo, ReadFrom) before it
/// runs, and a database can be carried through a snapshot. Anything the engine throws becomes a visible result, so
/// the differential tests report the seed instead of dying.
/// </summary>
public sealed class EngineRunner
{
    public Database Database { get; private set; } = new();

    /// <summary>Encode, decode, check the encoding is stable, then execute.</summary>
    public ShellResult Execute(SqlCommand command)
    {
        try
        {
            var decoded = RoundTrip(command, out var problem);
            if (problem is not null) return Failure(problem);
            return OracleAssert.ToShellResult(Database.Execute(decoded));
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
