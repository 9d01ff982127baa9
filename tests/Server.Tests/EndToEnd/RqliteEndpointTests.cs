using System.Text;
using System.Text.Json;
using FastDb.Server.Tests.Support;

namespace FastDb.Server.Tests.EndToEnd;

/// <summary>rqlite's HTTP API on a real one-node process, next to the CTF's POST /sql (unchanged).</summary>
[Collection(ServerProcessCollection.Name)]
public sealed class RqliteEndpointTests
{
    private static string NewWorkDirectory() =>
        Path.Combine(Path.GetTempPath(), "fastdb-rqlite-test-" + Guid.NewGuid().ToString("N")[..12]);

    private sealed record Reply(int Status, string Body, string? Sequence, string? Version);

    private static async Task<Reply> Send(HttpClient client, HttpMethod method, string path, string? body = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, contentType);
        using var response = await client.SendAsync(request);
        string? Header(string name) => response.Headers.TryGetValues(name, out var values) ? values.Single() : null;
        return new Reply((int)response.StatusCode, await response.Content.ReadAsStringAsync(), Header("SequenceNumber"), Header("X-RQLITE-VERSION"));
    }

    private const string Schema = "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, score REAL)";

    [Fact]
    public async Task ReadsAtEveryLevelButStrongTakeNoSequenceNumber_AndTheCtfApiIsUnchanged()
    {
        await using var server = new ServerProcess(NewWorkDirectory());
        await server.StartAsync();
        using var client = UnixHttp.CreateClient(server.SocketPath, TimeSpan.FromSeconds(30));

        var (status, body) = await UnixHttp.PostSqlAsync(client, CtfWorkload.BootScript);
        Assert.Equal(200, status);
        Assert.StartsWith("SequenceNumber: 0\n", body, StringComparison.Ordinal);

        var created = await Send(client, HttpMethod.Post, "/db/execute", $"[\"{Schema}\", [\"INSERT INTO people(name, score) VALUES(?, ?)\", \"o'brien\", 0.1]]");
        Assert.Equal(new Reply(200, "{\"results\":[{},{\"last_insert_id\":1,\"rows_affected\":1}]}", "1", "v8.0.0-fastdb"), created);
        foreach (var level in new[] { "none", "weak", "auto", "linearizable" })
        {
            var read = await Send(client, HttpMethod.Get, $"/db/query?level={level}&q=" + Uri.EscapeDataString("SELECT name, score FROM people"));
            Assert.Equal(new Reply(200, "{\"results\":[{\"columns\":[\"name\",\"score\"],\"types\":[\"text\",\"real\"],\"values\":[[\"o'brien\",0.1]]}]}", null, "v8.0.0-fastdb"), read);
        }
        var strong = await Send(client, HttpMethod.Post, "/db/query?level=strong&associative", "[\"SELECT count(*) AS n FROM people\"]");
        Assert.Equal(new Reply(200, "{\"results\":[{\"types\":{\"n\":\"integer\"},\"rows\":[{\"n\":1}]}]}", "2", "v8.0.0-fastdb"), strong);
        // The CTF API goes on from the next number: the reads above took none.
        (status, body) = await UnixHttp.PostSqlAsync(client, "SELECT count(*) FROM people");
        Assert.Equal((200, "SequenceNumber: 3\n1\n"), (status, body));

        // /db/request answers each statement in its own shape; a write in a query is refused, not run.
        var mixed = await Send(client, HttpMethod.Post, "/db/request", "[\"SELECT 1 AS one\", [\"INSERT INTO people(name) VALUES(:n)\", {\"n\": \"x\"}]]");
        Assert.Equal("{\"results\":[{\"columns\":[\"one\"],\"types\":[\"integer\"],\"values\":[[1]]},{\"last_insert_id\":2,\"rows_affected\":1}]}", mixed.Body);
        var refused = await Send(client, HttpMethod.Post, "/db/query?level=none", "[\"DELETE FROM people\"]");
        Assert.Equal("{\"results\":[{\"error\":\"attempt to write a readonly database\"}]}", refused.Body);
        var pretty = await Send(client, HttpMethod.Post, "/db/execute?pretty&timings", "[\"DELETE FROM people WHERE id = 2\"]");
        using (var json = JsonDocument.Parse(pretty.Body))
        {
            Assert.Contains("\n  \"results\"", pretty.Body, StringComparison.Ordinal);
            Assert.True(json.RootElement.GetProperty("time").GetDouble() > 0);
            Assert.Equal(1, json.RootElement.GetProperty("results")[0].GetProperty("rows_affected").GetInt32());
        }
    }

    [Fact]
    public async Task BadRequestsGetClearErrorsAndTheNodeKeepsServing()
    {
        await using var server = new ServerProcess(NewWorkDirectory());
        await server.StartAsync();
        using var client = UnixHttp.CreateClient(server.SocketPath, TimeSpan.FromSeconds(30));
        var cases = new (HttpMethod Method, string Path, string? Body, int Status, string Expected)[]
        {
            (HttpMethod.Post, "/db/execute", "[\"SELECT 1\",", 400, "invalid JSON body: malformed JSON at line 1"),
            (HttpMethod.Post, "/db/execute", "{\"statements\": []}", 400, "invalid JSON body: the body must be a JSON array of statements"),
            (HttpMethod.Post, "/db/execute", "[\"\\ud800\"]", 400, "invalid JSON body: malformed JSON"),
            (HttpMethod.Post, "/db/query?level=eventual", "[\"SELECT 1\"]", 400, "unknown read level \"eventual\""),
            (HttpMethod.Post, "/db/query?level=none&freshness=soon", "[\"SELECT 1\"]", 400, "bad freshness \"soon\""),
            (HttpMethod.Post, "/db/execute?transaction=maybe", "[\"SELECT 1\"]", 400, "bad value for transaction"),
            (HttpMethod.Get, "/db/query", null, 400, "GET /db/query needs the SQL in q="),
            (HttpMethod.Get, "/db/execute", null, 405, "GET is not allowed on /db/execute"),
            (HttpMethod.Post, "/db/execute", "", 400, "empty request body"),
            (HttpMethod.Get, "/db/backup", null, 400, "only GET /db/backup?fmt=sql"),
            (HttpMethod.Post, "/nodes", "", 405, "GET /nodes only"),
        };
        foreach (var (method, path, body, expectedStatus, expected) in cases)
        {
            var reply = await Send(client, method, path, body);
            Assert.True(reply.Status == expectedStatus && reply.Body.StartsWith(expected, StringComparison.Ordinal),
                $"{method} {path} {body}: {reply.Status} {reply.Body}");
            Assert.DoesNotContain("Exception", reply.Body, StringComparison.Ordinal);
        }
        var ok = await Send(client, HttpMethod.Post, "/db/execute", "[\"CREATE TABLE t (a)\"]");
        Assert.Equal("{\"results\":[{}]}", ok.Body);
        Assert.Equal("[+]node ok\n[+]leader ok\n[+]store ok", (await Send(client, HttpMethod.Get, "/readyz")).Body);
        using var nodes = JsonDocument.Parse((await Send(client, HttpMethod.Get, "/nodes")).Body);
        var self = Assert.Single(nodes.RootElement.EnumerateObject()).Value;
        Assert.True(self.GetProperty("leader").GetBoolean());
        // FastDb's own /status stays the default; rqlite's shape is asked for.
        using var own = JsonDocument.Parse((await Send(client, HttpMethod.Get, "/status")).Body);
        Assert.Equal("leader", own.RootElement.GetProperty("role").GetString());
        using var rqlite = JsonDocument.Parse((await Send(client, HttpMethod.Get, "/status?format=rqlite")).Body);
        Assert.Equal("Leader", rqlite.RootElement.GetProperty("store").GetProperty("raft").GetProperty("state").GetString());
    }

    private static readonly string[] DumpStatements =
    [
        "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL, note)",
        "INSERT INTO people(name, score, note) VALUES('o''brien', 0.1, NULL)",
        "INSERT INTO people(name, score, note) VALUES('tab\there', 1e300, 42)",
        "INSERT INTO people(name, score, note) VALUES('x', -2.5, 'multi\nline')",
        "CREATE TABLE \"odd name\" (k TEXT PRIMARY KEY, v INTEGER)",
        "INSERT INTO \"odd name\" VALUES('a', 9223372036854775807)",
        "CREATE UNIQUE INDEX by_name ON people(name)",
    ];

    [RequiresSqlite3Fact]
    public async Task TheSqlBackupIsSqlite3sDumpByteForByte_AndLoadsIntoAFreshNode()
    {
        await using var server = new ServerProcess(NewWorkDirectory());
        await server.StartAsync();
        using var client = UnixHttp.CreateClient(server.SocketPath, TimeSpan.FromSeconds(30));
        var list = JsonSerializer.Serialize(DumpStatements, RqliteTestJson.Default.StringArray);
        var executed = (await Send(client, HttpMethod.Post, "/db/execute", list)).Body;
        Assert.False(executed.Contains("error", StringComparison.Ordinal), list + "\n" + executed);

        var backup = await Send(client, HttpMethod.Get, "/db/backup?fmt=sql");
        Assert.Equal(200, backup.Status);
        var sqlite = Sqlite3Shell.Run(string.Join(";\n", DumpStatements) + ";\n.dump\n");
        Assert.Equal(0, sqlite.ExitCode);
        Assert.Equal(sqlite.Stdout, backup.Body);

        await using var fresh = new ServerProcess(NewWorkDirectory());
        await fresh.StartAsync();
        using var freshClient = UnixHttp.CreateClient(fresh.SocketPath, TimeSpan.FromSeconds(30));
        // sqlite3 dumps a text with a newline as replace('...\n...','\n',char(10)): the engine runs that too.
        var plain = backup;
        var loaded = await Send(freshClient, HttpMethod.Post, "/db/load", plain.Body, "text/plain");
        Assert.Equal(200, loaded.Status);
        Assert.False(loaded.Body.Contains("error", StringComparison.Ordinal), loaded.Body);
        Assert.Equal(plain.Body, (await Send(freshClient, HttpMethod.Get, "/db/backup?fmt=sql")).Body);
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string[]))]
internal sealed partial class RqliteTestJson : System.Text.Json.Serialization.JsonSerializerContext;
