using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace FastDb.Server.Tests.Support;

/// <summary>One acknowledged answer: which script got which sequence number and body.</summary>
public sealed record Acknowledged(long Sequence, string Script, string Body);

/// <summary>
/// octopus's clients: each sends one request at a time over a shared keep-alive pool, and retries a failed request
/// (connection error or non-200) with the same body after 100 ms, until it gets 200.
/// </summary>
public static class Workload
{
    public static async Task<Acknowledged> SendUntilAnsweredAsync(HttpClient client, string script, TimeSpan giveUpAfter)
    {
        var clock = Stopwatch.StartNew();
        string? lastError = null;
        while (clock.Elapsed < giveUpAfter)
        {
            try
            {
                var (status, answer) = await UnixHttp.PostSqlAsync(client, script);
                if (status == 200)
                {
                    var (sequence, body) = SequenceAnswer.Parse(answer);
                    return new Acknowledged(sequence, script, body);
                }
                lastError = $"HTTP {status}: {answer}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                lastError = e.Message;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"no answer within {giveUpAfter} for {script}: {lastError}");
    }

    /// <summary>
    /// Boot script, then <paramref name="updates"/> random updates from <paramref name="clients"/> concurrent clients.
    /// <paramref name="progress"/>, when given, counts the answers so far: a fault test can strike at a point in the load
    /// rather than at a moment, which a fast machine would finish the load before.
    /// </summary>
    public static async Task<IReadOnlyList<Acknowledged>> RunAsync(
        HttpClient client, int clients, int updates, int seed, TimeSpan giveUpAfter, StrongBox<int>? progress = null)
    {
        var answers = new ConcurrentBag<Acknowledged> { await SendUntilAnsweredAsync(client, CtfWorkload.BootScript, giveUpAfter) };
        var remaining = updates;
        var workers = Enumerable.Range(0, clients).Select(i => Task.Run(async () =>
        {
            var random = new Random(seed * 1000 + i);
            while (Interlocked.Decrement(ref remaining) >= 0)
            {
                answers.Add(await SendUntilAnsweredAsync(client, CtfWorkload.RandomUpdate(random), giveUpAfter));
                if (progress is not null) Interlocked.Increment(ref progress.Value);
            }
        }));
        await Task.WhenAll(workers);
        return answers.ToArray();
    }

    /// <summary>
    /// octopus's checks: sequence numbers unique and gapless from 0, and every body equal to the sqlite3 shell's for the
    /// scripts taken in sequence order. Needs the shell: a test that calls it is a [RequiresSqlite3Fact].
    /// </summary>
    public static void AssertLikeOctopus(IReadOnlyList<Acknowledged> answers)
    {
        var ordered = answers.OrderBy(a => a.Sequence).ToArray();
        for (var i = 0; i < ordered.Length; i++)
        {
            if (ordered[i].Sequence != i)
            {
                var duplicate = i > 0 && ordered[i].Sequence == ordered[i - 1].Sequence;
                Assert.Fail(duplicate
                    ? $"sequence number {ordered[i].Sequence} given twice: '{ordered[i - 1].Script}' and '{ordered[i].Script}'"
                    : $"gap: sequence number {i} never answered (next answered is {ordered[i].Sequence})");
            }
        }
        var expected = Sqlite3Oracle.ExpectedBodies(ordered.Select(a => a.Script).ToArray());
        for (var i = 0; i < ordered.Length; i++)
            Assert.True(expected[i] == ordered[i].Body,
                $"sequence {i}: body differs from sqlite3's for '{ordered[i].Script}'\nexpected:\n{expected[i]}\nactual:\n{ordered[i].Body}");
    }
}
