using System.Text;
using System.Text.Json;
using FastDb.Server.Tests.Support;

namespace FastDb.Server.Tests.EndToEnd;

/// <summary>PUT/GET/DELETE /doc/{uuid4} and the member list of GET /status, on a real one-node process.</summary>
[Collection(ServerProcessCollection.Name)]
public sealed class DocumentEndpointTests
{
    private static string NewWorkDirectory() =>
        Path.Combine(Path.GetTempPath(), "fastdb-doc-test-" + Guid.NewGuid().ToString("N")[..12]);

    private sealed record Reply(int Status, string Body, long? Sequence, string? Replicas, string? Members);

    private static async Task<Reply> Send(HttpClient client, HttpMethod method, string path, string? body = null, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        using var response = await client.SendAsync(request);
        string? Header(string name) => response.Headers.TryGetValues(name, out var values) ? values.Single() : null;
        var sequence = Header("SequenceNumber");
        return new Reply((int)response.StatusCode, await response.Content.ReadAsStringAsync(),
            sequence is null ? null : long.Parse(sequence, System.Globalization.CultureInfo.InvariantCulture),
            Header("FastDb-Replicas"), Header("FastDb-Members"));
    }

    [Fact]
    public async Task Documents_AreCreatedUpdatedReadAndDeleted_InTheGlobalOrder_WithClearErrors()
    {
        await using var server = new ServerProcess(NewWorkDirectory());
        await server.StartAsync();
        using var client = UnixHttp.CreateClient(server.SocketPath, TimeSpan.FromSeconds(30));
        var key = Guid.NewGuid().ToString(); // .NET's NewGuid is a version 4 UUID
        var path = "/doc/" + key;

        var created = await Send(client, HttpMethod.Put, path, "{\"n\": 1}");
        Assert.Equal(new Reply(201, "Created\n", 0, "1", "1"), created);
        Assert.Equal(new Reply(200, "Updated\n", 1, "1", "1"), await Send(client, HttpMethod.Put, path.ToUpperInvariant().Replace("/DOC/", "/doc/", StringComparison.Ordinal), "{\"n\": 2}"));
        Assert.Equal(new Reply(200, "{\"n\": 2}\n", 2, "1", "1"), await Send(client, HttpMethod.Get, path));
        // The same read again is a new read (no body matching for documents), with its own sequence number.
        Assert.Equal(3, (await Send(client, HttpMethod.Get, path)).Sequence);
        // A re-send with the same Idempotency-Key runs once.
        var deleted = await Send(client, HttpMethod.Delete, path, idempotencyKey: "delete-once");
        Assert.Equal(new Reply(200, "Deleted\n", 4, "1", "1"), deleted);
        Assert.Equal(deleted, await Send(client, HttpMethod.Delete, path, idempotencyKey: "delete-once"));
        Assert.Equal(new Reply(404, "Not found\n", 5, "1", "1"), await Send(client, HttpMethod.Delete, path));
        Assert.Equal(404, (await Send(client, HttpMethod.Get, path)).Status);

        // Errors cost no sequence number.
        Assert.Equal(new Reply(400, "Error: Key is not a proper UUID4\n", null, null, null), await Send(client, HttpMethod.Get, "/doc/not-a-uuid"));
        Assert.Equal(400, (await Send(client, HttpMethod.Put, "/doc/" + Guid.NewGuid().ToString().Remove(14, 1).Insert(14, "1"), "{}")).Status);
        var badJson = await Send(client, HttpMethod.Put, path, "{\"n\": }");
        Assert.Equal(400, badJson.Status);
        Assert.StartsWith("Error: value is not valid JSON: ", badJson.Body, StringComparison.Ordinal);
        Assert.Equal(400, (await Send(client, HttpMethod.Put, path, "")).Status);
        Assert.Equal(405, (await Send(client, HttpMethod.Post, path, "{}")).Status);

        // Documents are rows of a reserved table, visible to SQL and ordered with it.
        await Send(client, HttpMethod.Put, path, "{\"n\": 3}");
        var (status, answer) = await UnixHttp.PostSqlAsync(client, "SELECT key, value FROM fastdb_documents");
        Assert.Equal(200, status);
        Assert.Equal((8L, $"{key}|{{\"n\": 3}}\n"), SequenceAnswer.Parse(answer));
    }

    [Fact]
    public async Task Status_ListsEveryMember_WithTheEndpointAClientConnectsTo()
    {
        await using var server = new ServerProcess(NewWorkDirectory());
        await server.StartAsync();
        using var client = UnixHttp.CreateClient(server.SocketPath, TimeSpan.FromSeconds(30));
        await Workload.SendUntilAnsweredAsync(client, CtfWorkload.BootScript, TimeSpan.FromSeconds(30));
        using var status = JsonDocument.Parse(await client.GetStringAsync("/status"));
        var root = status.RootElement;
        Assert.Equal("leader", root.GetProperty("role").GetString());
        Assert.Equal("node0", root.GetProperty("leaderName").GetString());
        var node = Assert.Single(root.GetProperty("nodes").EnumerateArray());
        Assert.Equal("node0", node.GetProperty("name").GetString());
        Assert.Equal("./node0.sock", node.GetProperty("address").GetString());
        Assert.Equal(server.SocketPath, node.GetProperty("endpoint").GetString());
        Assert.True(node.GetProperty("self").GetBoolean());
        Assert.True(node.GetProperty("leader").GetBoolean());
        Assert.True(node.GetProperty("reachable").GetBoolean());
        Assert.Equal(root.GetProperty("leader").GetUInt64(), node.GetProperty("id").GetUInt64());
    }
}
