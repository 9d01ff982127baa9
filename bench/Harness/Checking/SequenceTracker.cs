using FastDb.Harness.Workload;

namespace FastDb.Harness.Checking;

/// <summary>
/// The sequence rules of octopus harness.go resultHandler/processPending: answers are taken strictly in sequence
/// order from 0; a number below the next expected one, or equal to one still pending, disqualifies; a number above
/// it waits (a gap that never fills stalls all scoring from there on).
/// </summary>
public sealed class SequenceTracker
{
    private readonly Dictionary<long, (Answer Answer, byte[] Body)> _pending = new();

    public long NextSequenceNumber { get; private set; }
    public int PendingCount => _pending.Count;

    /// <summary>Admits a parsed answer; returns the disqualification message, or null if it was accepted.</summary>
    public string? Admit(Answer answer, long sequenceNumber, byte[] body)
    {
        if (sequenceNumber < NextSequenceNumber)
            return $"[{sequenceNumber}] Received an already-processed sequence number from {answer.NodeName} in response to {answer.Query}\n\n" +
                   $"Output: {GoText.FmtOutput(answer.Response)}";
        if (_pending.TryGetValue(sequenceNumber, out var old))
            return $"[{sequenceNumber}] Received a still-pending sequence number from {answer.NodeName} in response to {answer.Query}\n\n" +
                   $"Output: {GoText.FmtOutput(answer.Response)}\n\n" +
                   $"This sequence number was originally received in response to {old.Answer.Query}\n\n" +
                   $"Original output: {GoText.FmtOutput(old.Answer.Response)}";
        _pending[sequenceNumber] = (answer, body);
        return null;
    }

    /// <summary>Takes the answer with the next expected number, if it has arrived, and advances past it.</summary>
    public bool TryTakeNext(out long sequenceNumber, out Answer answer, out byte[] body)
    {
        sequenceNumber = NextSequenceNumber;
        if (_pending.Remove(NextSequenceNumber, out var entry))
        {
            answer = entry.Answer;
            body = entry.Body;
            NextSequenceNumber++;
            return true;
        }
        answer = null!;
        body = null!;
        return false;
    }

    /// <summary>The message for an answer that differs from the oracle's.</summary>
    public static string IncorrectOutput(long sequenceNumber, Answer answer, byte[] body, byte[] expected) =>
        $"[{sequenceNumber}] Received incorrect output from {answer.NodeName} for query {answer.Query}\n\n" +
        $"Output: {GoText.FmtOutput(body)}\n\nCorrect output: {GoText.FmtOutput(expected)}";
}
