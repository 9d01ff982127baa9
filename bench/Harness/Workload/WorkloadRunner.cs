using System.Threading.Channels;
using FastDb.Harness.Monkeys;
using FastDb.Harness.Randomness;
using FastDb.Harness.Reporting;

namespace FastDb.Harness.Workload;

/// <summary>
/// Octopus's client side (harness/harness.go): the boot query to a random node, retried every 100 ms until it gets
/// a 200; then a generator ("querier" stream) feeding requests through a queue of 5 to 4 × N client threads, each
/// sending one request at a time and retrying it, same body and same node, 100 ms after any failure. Every 200 goes
/// to the checker, which may block the thread while its queue is full.
/// </summary>
public sealed class WorkloadRunner
{
    private readonly long _seed;
    private readonly int _nodeCount;
    private readonly NodeHttpClient _client;
    private readonly Func<Answer, CancellationToken, ValueTask> _deliver;
    private readonly ProgressWatch _progress;
    private readonly RunTimeline _timeline;
    private readonly Action<string> _log;
    private readonly Channel<(int Node, string Query, long Generation)> _requests =
        Channel.CreateBounded<(int, string, long)>(new BoundedChannelOptions(5) { SingleWriter = true });
    private long _failures;

    public WorkloadRunner(long seed, int nodeCount, NodeHttpClient client, Func<Answer, CancellationToken, ValueTask> deliver,
        ProgressWatch progress, RunTimeline timeline, Action<string> log)
    {
        _seed = seed;
        _nodeCount = nodeCount;
        _client = client;
        _deliver = deliver;
        _progress = progress;
        _timeline = timeline;
        _log = log;
    }

    public static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(100);

    /// <summary>Requests that failed (connection error or non-200) and were retried.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Sends the boot query until it succeeds (harness.go boot); true once it did.</summary>
    public async Task<bool> BootAsync(CancellationToken token)
    {
        SeededRandom rng = SeedStreams.Create(_seed, "boot");
        string query = Queries.BootQuery();
        int node = rng.Intn(_nodeCount);
        _log($"[harness] Booting with {query.Length}-byte query to Agent<node{node}>");
        try
        {
            while (!await IssueAsync(node, query, -1, token).ConfigureAwait(false))
                await Task.Delay(RetryPause, token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) { return false; }
    }

    /// <summary>Starts the generator and the client threads; they run until the token is cancelled.</summary>
    public Task RunAsync(CancellationToken token)
    {
        var tasks = new List<Task> { Task.Run(() => GenerateAsync(token), token) };
        for (int i = 0; i < 4 * _nodeCount; i++) tasks.Add(Task.Run(() => ClientThreadAsync(token), token));
        return Task.WhenAll(tasks).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private async Task GenerateAsync(CancellationToken token)
    {
        SeededRandom rng = SeedStreams.Create(_seed, "querier");
        try
        {
            while (true)
            {
                string query = Queries.UpdateQuery(rng);
                int node = rng.Intn(_nodeCount);
                await _requests.Writer.WriteAsync((node, query, _progress.NextGeneration()), token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) { }
    }

    private async Task ClientThreadAsync(CancellationToken token)
    {
        try
        {
            while (true)
            {
                (int node, string query, long generation) = await _requests.Reader.ReadAsync(token).ConfigureAwait(false);
                while (!await IssueAsync(node, query, generation, token).ConfigureAwait(false))
                    await Task.Delay(RetryPause, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>One attempt (harness.go issueQuery); false means "sleep 100 ms and retry".</summary>
    private async Task<bool> IssueAsync(int node, string query, long generation, CancellationToken token)
    {
        double start = _timeline.Now;
        int status;
        byte[] body;
        try
        {
            (status, body) = await _client.PostSqlAsync(node, query, token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or InvalidOperationException
                                      || (e is OperationCanceledException && !token.IsCancellationRequested))
        {
            Interlocked.Increment(ref _failures);
            _log($"[harness] Sleeping 100ms after request error from Agent<node{node}> (in response to {GoText.Quote(query)}): {e.Message}");
            return false;
        }
        double end = _timeline.Now;
        if (status != 200)
        {
            Interlocked.Increment(ref _failures);
            _log($"[harness] Sleeping 100ms after HTTP {status} status code from Agent<node{node}> (in response to {GoText.Quote(query)}): {System.Text.Encoding.UTF8.GetString(body)}");
            return false;
        }
        await _deliver(new Answer(node, query, generation, start, end, body), token).ConfigureAwait(false);
        return true;
    }
}
