namespace FastDb.Harness.Checking;

/// <summary>Executes each checked query, in sequence order, and returns the exact body a correct node must answer.</summary>
public interface IAnswerOracle : IDisposable
{
    /// <summary>The expected body, or throws <see cref="OracleException"/> if the query could not be run at all.</summary>
    Task<byte[]> ExpectedAsync(string query, CancellationToken token);
}

public sealed class OracleException(string message) : Exception(message);
