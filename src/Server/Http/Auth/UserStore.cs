using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace FastDb.Server.Http.Auth;

/// <summary>One user of the --auth file.</summary>
public sealed record ApiUser(string Name, PasswordHash.Parsed? Password, Permission Permissions);

/// <summary>
/// The users of the client API, from an --auth file in rqlite's JSON shape:
/// <c>[{"username": "alice", "password": "$pbkdf2-sha256$...", "perms": ["all"]}, {"username": "*", "perms": ["ready"]}]</c>.
/// "*" (no password) gives its perms to every request, with or without credentials. Perms rqlite has and this API
/// does not (backup, load, snapshot, join-read-only) are accepted and grant nothing; any other name is an error.
/// Checking a password runs PBKDF2, one at a time (so a flood of wrong passwords costs one core, not both); a password
/// once verified is remembered per user as an HMAC under a per-process key, so a client sending it on every request
/// pays PBKDF2 once.
/// </summary>
public sealed class UserStore
{
    private static readonly string[] IgnoredRqlitePerms = ["backup", "load", "snapshot", "join-read-only"];
    private readonly Dictionary<string, ApiUser> _users;
    private readonly byte[] _cacheKey = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, byte[]> _verified = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _hashing = new(1, 1);

    private UserStore(Dictionary<string, ApiUser> users)
    {
        _users = users;
        Anonymous = users.TryGetValue("*", out var everyone) ? everyone.Permissions : Permission.None;
    }

    /// <summary>What every request has, signed in or not (the "*" user's perms).</summary>
    public Permission Anonymous { get; }

    public int Count => _users.Count;

    /// <exception cref="FormatException">The file is not a valid users file; the message says where.</exception>
    public static UserStore Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new FormatException($"not JSON: {e.Message}");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array) throw new FormatException("expected a JSON array of users");
            var users = new Dictionary<string, ApiUser>(StringComparer.Ordinal);
            var i = 0;
            foreach (var entry in document.RootElement.EnumerateArray())
            {
                var where = $"user {i++}";
                if (entry.ValueKind != JsonValueKind.Object) throw new FormatException($"{where}: expected an object");
                var name = entry.TryGetProperty("username", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString()! : throw new FormatException($"{where}: no \"username\" string");
                where = $"user '{name}'";
                if (name.Length == 0 || name.Contains(':')) throw new FormatException($"{where}: a username is non-empty and has no ':'");
                PasswordHash.Parsed? password = null;
                if (name != "*")
                {
                    var hash = entry.TryGetProperty("password", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString()! : throw new FormatException($"{where}: no \"password\" string");
                    password = PasswordHash.TryParse(hash, out var error) ?? throw new FormatException($"{where}: {error}");
                }
                var permissions = Permission.None;
                if (entry.TryGetProperty("perms", out var perms))
                {
                    if (perms.ValueKind != JsonValueKind.Array) throw new FormatException($"{where}: \"perms\" must be an array of names");
                    foreach (var perm in perms.EnumerateArray())
                    {
                        var permName = perm.ValueKind == JsonValueKind.String ? perm.GetString()! : throw new FormatException($"{where}: a perm must be a string");
                        if (Permissions.TryParse(permName, out var granted)) permissions |= granted;
                        else if (!IgnoredRqlitePerms.Contains(permName)) throw new FormatException($"{where}: unknown perm '{permName}' (all, execute, query, status, ready, join, remove)");
                    }
                }
                if (!users.TryAdd(name, new ApiUser(name, password, permissions))) throw new FormatException($"{where} appears twice");
            }
            return new UserStore(users);
        }
    }

    public static UserStore Load(string path) => Parse(File.ReadAllText(path));

    /// <summary>The user an Authorization header signs in as; null for no header, another scheme, or wrong credentials.</summary>
    public async ValueTask<ApiUser?> AuthenticateAsync(string? authorization, CancellationToken cancellationToken)
    {
        if (!TryReadBasic(authorization, out var name, out var password)) return null;
        if (!_users.TryGetValue(name, out var user) || user.Password is not { } hash) return null;
        var token = HMACSHA256.HashData(_cacheKey, Encoding.UTF8.GetBytes(password));
        if (_verified.TryGetValue(name, out var known) && CryptographicOperations.FixedTimeEquals(known, token)) return user;
        await _hashing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!hash.Matches(password)) return null;
        }
        finally
        {
            _hashing.Release();
        }
        _verified[name] = token;
        return user;
    }

    /// <summary>"Basic base64(user:password)".</summary>
    public static bool TryReadBasic(string? header, out string name, out string password)
    {
        name = password = "";
        if (header is null || !header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) || header.Length > 4096) return false;
        string decoded;
        try
        {
            decoded = new UTF8Encoding(false, true).GetString(Convert.FromBase64String(header[6..].Trim()));
        }
        catch (Exception e) when (e is FormatException or DecoderFallbackException)
        {
            return false;
        }
        var colon = decoded.IndexOf(':');
        if (colon <= 0) return false;
        name = decoded[..colon];
        password = decoded[(colon + 1)..];
        return true;
    }
}
