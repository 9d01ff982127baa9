using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using FastDb.Server.Tests.Support;

namespace FastDb.Server.Tests.EndToEnd;

/// <summary>
/// Issue 17, the client API on TCP: HTTPS with --cert-file/--key-file (a node certificate from `sqlcluster cert`,
/// verified against the CA by host name), and --auth users with PBKDF2 hashes from `sqlcluster hash-password`.
/// The permission matrix: no credentials 401 with a Basic challenge, wrong ones 401, a missing perm 403.
/// </summary>
[Collection(ServerProcessCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ApiAuthTests
{
    private const string Doc = "/doc/0b7d8f4e-3c1a-4e5b-9a2d-6f8e1c3b5a7d";

    private static string Hash(string password)
    {
        var (stdout, stderr, exit) = ChildProcess.Run(ServerProcess.ExecutablePath, ["hash-password"], password + "\n");
        Assert.True(exit == 0, stderr);
        return stdout.Trim();
    }

    private static void Prepare(PeerCluster cluster)
    {
        var root = cluster.Root;
        Assert.Equal(0, ChildProcess.Run(ServerProcess.ExecutablePath, ["cert", "ca", "--out", Path.Combine(root, "ca")], "").ExitCode);
        Assert.Equal(0, ChildProcess.Run(ServerProcess.ExecutablePath,
            ["cert", "node", "--ca", Path.Combine(root, "ca"), "--name", cluster.Address(0), "--out", Path.Combine(root, "n0", "tls")], "").ExitCode);
        cluster.HttpsAuthority = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(root, "ca", "ca.crt")));
        var users = $$"""
            [
              {"username": "admin", "password": "{{Hash("admin-pw")}}", "perms": ["all"]},
              {"username": "writer", "password": "{{Hash("writer-pw")}}", "perms": ["execute"]},
              {"username": "reader", "password": "{{Hash("reader-pw")}}", "perms": ["query", "status", "backup"]},
              {"username": "*", "perms": ["status", "ready"]}
            ]
            """;
        File.WriteAllText(Path.Combine(root, "users.json"), users);
    }

    private static string[] Args(int node) =>
        ["--cert-file", "./n0/tls/node.crt", "--key-file", "./n0/tls/node.key", "--auth", "./users.json"];

    [Fact]
    public async Task The_permission_matrix_of_the_api_over_https()
    {
        await using var cluster = await PeerCluster.StartAsync(1, tcp: true, hosts: ["127.0.0.2"], extraArgs: Args, prepare: Prepare);
        using var http = cluster.Client(0, TimeSpan.FromSeconds(30));

        async Task<HttpResponseMessage> Send(HttpMethod method, string path, string? user, string? body = null)
        {
            using var request = new HttpRequestMessage(method, path);
            if (user is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user)));
            if (body is not null) request.Content = new StringContent(body);
            return await http.SendAsync(request);
        }
        async Task Expect(HttpStatusCode expected, HttpMethod method, string path, string? user, string? body = null)
        {
            using var response = await Send(method, path, user, body);
            Assert.True(expected == response.StatusCode,
                $"{method} {path} as {user ?? "nobody"}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}, expected {(int)expected}");
            if (expected == HttpStatusCode.Unauthorized)
                Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Basic");
        }

        // Anonymous ("*"): status and ready only.
        await Expect(HttpStatusCode.Unauthorized, HttpMethod.Post, "/sql", null, "CREATE TABLE t(x);");
        await Expect(HttpStatusCode.OK, HttpMethod.Get, "/status", null);
        await Expect(HttpStatusCode.OK, HttpMethod.Get, "/healthcheck", null);
        await Expect(HttpStatusCode.Unauthorized, HttpMethod.Get, Doc, null);
        await Expect(HttpStatusCode.Unauthorized, HttpMethod.Delete, "/nodes/1", null);
        // Wrong password, unknown user, malformed header: 401 even where "*" would do.
        await Expect(HttpStatusCode.Unauthorized, HttpMethod.Get, "/status", "admin:wrong");
        await Expect(HttpStatusCode.Unauthorized, HttpMethod.Post, "/sql", "mallory:admin-pw", "SELECT 1;");
        // writer: execute only.
        await Expect(HttpStatusCode.OK, HttpMethod.Post, "/sql", "writer:writer-pw", "CREATE TABLE t(x); INSERT INTO t VALUES(1);");
        await Expect(HttpStatusCode.Created, HttpMethod.Put, Doc, "writer:writer-pw", "{\"a\":1}");
        await Expect(HttpStatusCode.Forbidden, HttpMethod.Get, Doc, "writer:writer-pw");
        await Expect(HttpStatusCode.Forbidden, HttpMethod.Delete, "/nodes/1", "writer:writer-pw");
        // reader: query and status (rqlite's "backup" is accepted and grants nothing here).
        await Expect(HttpStatusCode.Forbidden, HttpMethod.Post, "/sql", "reader:reader-pw", "DROP TABLE t;");
        await Expect(HttpStatusCode.OK, HttpMethod.Get, Doc, "reader:reader-pw");
        await Expect(HttpStatusCode.Forbidden, HttpMethod.Put, Doc, "reader:reader-pw", "{}");
        await Expect(HttpStatusCode.OK, HttpMethod.Get, "/status", "reader:reader-pw");
        // admin: everything; a removal of no member is a 404, not a refusal; an unknown path a 404.
        await Expect(HttpStatusCode.OK, HttpMethod.Post, "/sql", "admin:admin-pw", "SELECT count(*) FROM t;");
        await Expect(HttpStatusCode.NotFound, HttpMethod.Delete, "/nodes/12345", "admin:admin-pw");
        await Expect(HttpStatusCode.Conflict, HttpMethod.Delete, "/nodes/" + cluster.Address(0), "admin:admin-pw");
        await Expect(HttpStatusCode.NotFound, HttpMethod.Get, "/nope", "admin:admin-pw");
        // The table survived the reader's DROP.
        using var count = await Send(HttpMethod.Post, "/sql", "admin:admin-pw", "SELECT count(*) FROM t; -- again");
        Assert.EndsWith("\n1\n", await count.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Plain HTTP to the HTTPS port gets nothing useful.
        using var plain = new HttpClient { BaseAddress = new Uri($"http://{cluster.Address(0)}"), Timeout = TimeSpan.FromSeconds(10) };
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => plain.GetStringAsync("/status"));
        cluster.AssertAllRunning("after the matrix");
    }

    [Fact]
    public void A_users_file_with_a_plaintext_password_or_an_unknown_perm_stops_the_node_with_a_clear_message()
    {
        var root = Directory.CreateTempSubdirectory("fastdb-auth-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(root, "plain.json"), """[{"username": "bob", "password": "secret", "perms": ["all"]}]""");
            File.WriteAllText(Path.Combine(root, "perm.json"), $$"""[{"username": "bob", "password": "{{Hash("x")}}", "perms": ["everything"]}]""");
            foreach (var (file, message) in new[] { ("plain.json", "not a plaintext password"), ("perm.json", "unknown perm 'everything'") })
            {
                var (_, stderr, exit) = ChildProcess.Run(ServerProcess.ExecutablePath,
                    ["-l", Path.Combine(root, "n.sock"), "-d", Path.Combine(root, "data"), "--auth", Path.Combine(root, file)], "");
                Assert.Equal(1, exit);
                Assert.Contains(message, stderr, StringComparison.Ordinal);
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
