using System.Text;
using FastDb.Server.Http.Auth;

namespace FastDb.Server.Tests.Unit;

/// <summary>The --auth file, its password hashes, and the table of what each path needs.</summary>
public sealed class ApiAuthUnitTests
{
    private static string Basic(string credentials) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials));

    [Fact]
    public void A_hash_matches_its_password_only_and_plaintext_is_refused()
    {
        var hash = PasswordHash.Create("correct horse", PasswordHash.MinIterations);
        Assert.StartsWith(PasswordHash.Prefix, hash, StringComparison.Ordinal);
        var parsed = PasswordHash.TryParse(hash, out var error);
        Assert.Null(error);
        Assert.True(parsed!.Matches("correct horse"));
        Assert.False(parsed.Matches("correct horse "));
        Assert.NotEqual(hash, PasswordHash.Create("correct horse", PasswordHash.MinIterations)); // salted
        Assert.Null(PasswordHash.TryParse("secret", out error));
        Assert.Contains("not a plaintext password", error, StringComparison.Ordinal);
        Assert.Null(PasswordHash.TryParse("$pbkdf2-sha256$10$AAAAAAAAAAA=$AAAAAAAAAAAAAAAAAAAAAA==", out error)); // too few iterations
        Assert.Null(PasswordHash.TryParse("$pbkdf2-sha256$20000$!!$AAAA", out _));
    }

    [Fact]
    public async Task Users_sign_in_with_basic_credentials_and_get_their_perms()
    {
        var hash = PasswordHash.Create("pw", PasswordHash.MinIterations);
        var users = UserStore.Parse($$"""
            [{"username": "w", "password": "{{hash}}", "perms": ["execute", "load"]},
             {"username": "a", "password": "{{hash}}", "perms": ["all"]},
             {"username": "*", "perms": ["ready"]}]
            """);
        Assert.Equal(Permission.Ready, users.Anonymous);
        Assert.Equal(Permission.Execute, (await users.AuthenticateAsync(Basic("w:pw"), default))!.Permissions);
        Assert.Equal(Permission.All, (await users.AuthenticateAsync(Basic("a:pw"), default))!.Permissions);
        Assert.Equal(Permission.All, (await users.AuthenticateAsync(Basic("a:pw"), default))!.Permissions); // remembered
        Assert.Null(await users.AuthenticateAsync(Basic("a:wrong"), default));
        Assert.Null(await users.AuthenticateAsync(Basic("*:"), default)); // "*" cannot sign in
        Assert.Null(await users.AuthenticateAsync(Basic("nobody:pw"), default));
        Assert.Null(await users.AuthenticateAsync("Bearer x", default));
        Assert.Null(await users.AuthenticateAsync("Basic !!!", default));
        Assert.Null(await users.AuthenticateAsync(null, default));
    }

    [Theory]
    [InlineData("""{"username": "x"}""", "expected a JSON array")]
    [InlineData("""[{"username": "x", "perms": ["all"]}]""", "no \"password\"")]
    [InlineData("""[{"username": "x", "password": "plain", "perms": ["all"]}]""", "not a plaintext password")]
    [InlineData("""[{"username": "a:b", "password": "p"}]""", "no ':'")]
    [InlineData("""[{"username": "*", "perms": ["sudo"]}]""", "unknown perm 'sudo'")]
    [InlineData("""[{"username": "*"}, {"username": "*"}]""", "appears twice")]
    [InlineData("""not json""", "not JSON")]
    public void A_bad_users_file_says_what_is_wrong(string json, string message)
    {
        var e = Assert.Throws<FormatException>(() => UserStore.Parse(json));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("POST", "/sql", Permission.Execute)]
    [InlineData("PUT", "/doc/x", Permission.Execute)]
    [InlineData("DELETE", "/doc/x", Permission.Execute)]
    [InlineData("GET", "/doc/x", Permission.Query)]
    [InlineData("GET", "/status", Permission.Status)]
    [InlineData("GET", "/nodes", Permission.Status)]
    [InlineData("GET", "/healthcheck", Permission.Ready)]
    [InlineData("GET", "/readyz", Permission.Ready)]
    [InlineData("DELETE", "/nodes/3", Permission.Remove)]
    [InlineData("POST", "/join", Permission.Join)]
    [InlineData("POST", "/db/query", Permission.Query)]
    [InlineData("POST", "/db/execute", Permission.Execute)]
    [InlineData("GET", "/elsewhere", Permission.None)]
    public void Each_path_needs_its_permission(string method, string path, Permission needed) =>
        Assert.Equal(needed, Permissions.Required(method, path));
}
